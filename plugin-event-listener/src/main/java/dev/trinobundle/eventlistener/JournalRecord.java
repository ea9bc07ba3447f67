package dev.trinobundle.eventlistener;

import static java.util.Objects.requireNonNull;

/**
 * One stored audit line as read back from the journal.
 *
 * @param line the complete line including the trailing newline, exactly as written
 */
public record JournalRecord(long sequence, byte[] line)
{
    public JournalRecord
    {
        requireNonNull(line, "line is null");
    }
}
