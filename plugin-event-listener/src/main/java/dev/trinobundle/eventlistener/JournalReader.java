package dev.trinobundle.eventlistener;

import com.google.common.collect.ImmutableList;
import io.airlift.log.Logger;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

import static java.nio.file.StandardOpenOption.READ;
import static java.util.Objects.requireNonNull;

/**
 * A cursor over the journal: returns the records from a sequence number on, across segments, never past a limit —
 * the last sealed record for a sink, the last written one for the {@link JournalSealer}.
 */
final class JournalReader
        implements Closeable
{
    private static final Logger log = Logger.get(JournalReader.class);

    private final AuditJournal journal;
    private final LongSupplier limit;
    // the sealer's reader: also unsealed records
    private final boolean forSealing;
    private long nextSequence;
    private long segmentStart = -1;
    private FileChannel channel;
    private Path segment;
    private JournalSegmentScanner scanner;
    private long lastRecordPosition = -1;

    /**
     * A sink's reader: only sealed records.
     */
    JournalReader(AuditJournal journal, long firstSequence)
    {
        this(journal, firstSequence, journal::getSealedSequence, false);
    }

    JournalReader(AuditJournal journal, long firstSequence, LongSupplier limit, boolean forSealing)
    {
        this.journal = requireNonNull(journal, "journal is null");
        this.limit = requireNonNull(limit, "limit is null");
        this.forSealing = forSealing;
        this.nextSequence = firstSequence;
    }

    long nextSequence()
    {
        return nextSequence;
    }

    List<JournalRecord> read(int maxRecords)
            throws IOException
    {
        if (!forSealing) {
            // sinks only get sealed records: seal what was written since the last look
            journal.seal();
        }
        ImmutableList.Builder<JournalRecord> records = ImmutableList.builder();
        int count = 0;
        JournalRecord record;
        while (count < maxRecords && (record = next()) != null) {
            records.add(record);
            count++;
        }
        return records.build();
    }

    /**
     * @return the next record up to the limit, or null if there is none (yet)
     */
    JournalRecord next()
            throws IOException
    {
        boolean reread = false;
        while (true) {
            long last = limit.getAsLong();
            if (nextSequence > last) {
                return null;
            }
            if (scanner == null && !openSegmentContaining(nextSequence)) {
                return null;
            }
            long position = scanner.position();
            JournalRecord record = scanner.next();
            if (record == null) {
                // end of this segment: move on if a newer one holds the next record
                Map.Entry<Long, java.nio.file.Path> newer = journal.segments().higherEntry(segmentStart);
                if (newer == null) {
                    if (forSealing) {
                        // every record up to the limit is complete in the page cache: an end of data in the newest
                        // segment is a hole (a crash without fsync zeroed a page); waiting would stall silently
                        throw new IOException("Audit journal segment %s: record %s is missing at position %s (record %s was written); the segment is damaged".formatted(
                                segment, nextSequence, scanner.position(), last));
                    }
                    return null;
                }
                if (newer.getKey() > nextSequence) {
                    // The journal lost records (a machine crash before they were fsynced, or a damaged segment) and
                    // continued with later numbers: deliver what there is, loudly, rather than wait forever.
                    log.error("Audit journal %s: records %s..%s are not in the journal (lost in a crash before they reached the disk, or damaged in %s); continuing with %s",
                            journal.getDirectory(), nextSequence, newer.getKey() - 1, segment, newer.getKey());
                    nextSequence = newer.getKey();
                }
                closeSegment();
                continue;
            }
            if (record.sequence() > last) {
                scanner.pushBack(record);
                return null;
            }
            if (record.sequence() < nextSequence) {
                continue;
            }
            if (!forSealing && !AuditRecordFormat.isSealed(record.line(), 0, record.line().length)) {
                // bytes read ahead before the sealer got to them: the file has the sealed record now
                scanner.pushBack(record);
                if (reread) {
                    throw new IOException("Audit journal %s: record %s is below the sealed limit but not sealed".formatted(journal.getDirectory(), record.sequence()));
                }
                reread = true;
                continue;
            }
            if (record.sequence() != nextSequence) {
                log.warn("Audit journal %s: expected record %s but found %s; continuing", journal.getDirectory(), nextSequence, record.sequence());
            }
            nextSequence = record.sequence() + 1;
            lastRecordPosition = position;
            return record;
        }
    }

    /**
     * File position of the record last returned by {@link #next}, in {@link #segment()}.
     */
    long lastRecordPosition()
    {
        return lastRecordPosition;
    }

    /**
     * The segment file of the record last returned by {@link #next}.
     */
    Path segment()
    {
        return segment;
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
        this.segment = segment.getValue();
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
