package dev.trinobundle.eventlistener;

import static java.util.Objects.requireNonNull;

/**
 * One journal line as written, with its newline.
 */
record JournalRecord(long sequence, byte[] line)
{
    JournalRecord
    {
        requireNonNull(line, "line is null");
    }
}
