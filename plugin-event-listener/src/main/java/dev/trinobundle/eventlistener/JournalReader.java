package dev.trinobundle.eventlistener;

import dev.trinobundle.eventlistener.AuditRecordFormat.LineReader;
import io.airlift.log.Logger;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * A sink's cursor over the journal: the records from a sequence number on, across segments, never past the end of
 * the last record written (whose write has returned, so its line is complete).
 */
final class JournalReader
        implements Closeable
{
    private static final Logger log = Logger.get(JournalReader.class);

    private final AuditJournal journal;
    private long nextSequence;
    private long segmentStart = -1;
    private LineReader lines;

    JournalReader(AuditJournal journal, long firstSequence)
    {
        this.journal = requireNonNull(journal, "journal is null");
        this.nextSequence = firstSequence;
    }

    List<JournalRecord> read(int maxRecords)
            throws IOException
    {
        List<JournalRecord> records = new ArrayList<>();
        JournalRecord record;
        while (records.size() < maxRecords && (record = next()) != null) {
            records.add(record);
        }
        return records;
    }

    /**
     * @return the next record, or null if there is none (yet)
     */
    private JournalRecord next()
            throws IOException
    {
        while (true) {
            AuditJournal.Written written = journal.written();
            if (nextSequence > written.sequence() || lines == null && !openSegmentContaining(nextSequence)) {
                return null;
            }
            boolean active = segmentStart == written.segment();
            byte[] line = lines.next(active ? written.end() : Long.MAX_VALUE);
            if (line == null) {
                if (active) {
                    return null;
                }
                // end of a finished segment (whose torn tail, after a failed write, has no newline)
                Map.Entry<Long, Path> newer = journal.segments().higherEntry(segmentStart);
                if (newer == null) {
                    return null;
                }
                if (newer.getKey() > nextSequence) {
                    // lost in a machine crash before they reached the disk: deliver what there is, loudly
                    log.error("Audit journal %s: records %s..%s are not in the journal (lost in a crash before they reached the disk); continuing with %s",
                            journal.getDirectory(), nextSequence, newer.getKey() - 1, newer.getKey());
                    nextSequence = newer.getKey();
                }
                close();
                continue;
            }
            long sequence = AuditRecordFormat.sequence(line);
            if (sequence < 0) {
                // written by someone else: PostgreSQL does not get it, so say so
                log.error("Audit journal %s: a line after record %s in file %s is not an audit record; skipped",
                        journal.getDirectory(), nextSequence - 1, segmentStart);
            }
            if (sequence > nextSequence && segmentStart < nextSequence) {
                log.error("Audit journal %s: records %s..%s are missing inside segment %s; continuing with %s",
                        journal.getDirectory(), nextSequence, sequence - 1, segmentStart, sequence);
            }
            if (sequence >= nextSequence) {
                nextSequence = sequence + 1;
                return new JournalRecord(sequence, line);
            }
        }
    }

    private boolean openSegmentContaining(long sequence)
            throws IOException
    {
        Map.Entry<Long, Path> segment = journal.segments().floorEntry(sequence);
        if (segment == null) {
            segment = journal.segments().ceilingEntry(sequence);
            if (segment == null) {
                return false;
            }
            log.warn("Audit journal %s: records %s..%s are no longer in the journal; continuing with %s",
                    journal.getDirectory(), sequence, segment.getKey() - 1, segment.getKey());
            nextSequence = segment.getKey();
        }
        try {
            lines = new LineReader(segment.getValue());
        }
        catch (NoSuchFileException e) {
            return false;
        }
        segmentStart = segment.getKey();
        return true;
    }

    @Override
    public void close()
            throws IOException
    {
        if (lines != null) {
            lines.close();
            lines = null;
        }
    }
}
