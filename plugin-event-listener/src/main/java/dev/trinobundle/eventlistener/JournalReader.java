package dev.trinobundle.eventlistener;

import com.google.common.collect.ImmutableList;
import io.airlift.log.Logger;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.util.List;
import java.util.Map;

import static java.nio.file.StandardOpenOption.READ;
import static java.util.Objects.requireNonNull;

/**
 * A sink's cursor over the journal: returns the records from a sequence number on, across segments, never past the
 * last record the journal has completely written.
 */
final class JournalReader
        implements Closeable
{
    private static final Logger log = Logger.get(JournalReader.class);

    private final AuditJournal journal;
    private long nextSequence;
    private long segmentStart = -1;
    private FileChannel channel;
    private JournalSegmentScanner scanner;

    JournalReader(AuditJournal journal, long firstSequence)
    {
        this.journal = requireNonNull(journal, "journal is null");
        this.nextSequence = firstSequence;
    }

    long nextSequence()
    {
        return nextSequence;
    }

    List<JournalRecord> read(int maxRecords)
            throws IOException
    {
        ImmutableList.Builder<JournalRecord> records = ImmutableList.builder();
        int count = 0;
        while (count < maxRecords) {
            long lastWritten = journal.getLastWrittenSequence();
            if (nextSequence > lastWritten) {
                break;
            }
            if (scanner == null && !openSegmentContaining(nextSequence)) {
                break;
            }
            JournalRecord record = scanner.next();
            if (record == null) {
                // end of this segment: move on if a newer one holds the next record
                Map.Entry<Long, java.nio.file.Path> newer = journal.segments().higherEntry(segmentStart);
                if (newer == null || newer.getKey() > nextSequence) {
                    break;
                }
                closeSegment();
                continue;
            }
            if (record.sequence() > lastWritten) {
                scanner.pushBack(record);
                break;
            }
            if (record.sequence() < nextSequence) {
                continue;
            }
            if (record.sequence() != nextSequence) {
                log.warn("Audit journal %s: expected record %s but found %s; continuing", journal.getDirectory(), nextSequence, record.sequence());
            }
            records.add(record);
            nextSequence = record.sequence() + 1;
            count++;
        }
        return records.build();
    }

    private boolean openSegmentContaining(long sequence)
            throws IOException
    {
        Map.Entry<Long, java.nio.file.Path> segment = journal.segments().floorEntry(sequence);
        if (segment == null) {
            segment = journal.segments().ceilingEntry(sequence);
            if (segment == null) {
                return false;
            }
            log.warn("Audit journal %s: records %s..%s are no longer in the journal (already delivered and cleaned up); continuing with %s",
                    journal.getDirectory(), sequence, segment.getKey() - 1, segment.getKey());
            nextSequence = segment.getKey();
        }
        try {
            channel = FileChannel.open(segment.getValue(), READ);
        }
        catch (NoSuchFileException e) {
            return false;
        }
        segmentStart = segment.getKey();
        scanner = new JournalSegmentScanner(channel, 0);
        return true;
    }

    private void closeSegment()
            throws IOException
    {
        scanner = null;
        if (channel != null) {
            channel.close();
            channel = null;
        }
    }

    @Override
    public void close()
            throws IOException
    {
        closeSegment();
    }
}
