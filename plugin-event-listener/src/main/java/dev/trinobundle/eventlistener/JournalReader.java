package dev.trinobundle.eventlistener;

import dev.trinobundle.eventlistener.AuditJournal.Record;
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
 * The PostgreSQL sink's cursor over the journal. A line that is not a record is skipped with an ERROR (it has no number
 * to deliver under); gaps are the verifier's to report.
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

    List<Record> read(int maxRecords)
            throws IOException
    {
        List<Record> records = new ArrayList<>();
        while (records.size() < maxRecords && nextSequence <= journal.getLastWrittenSequence() && (lines != null || openSegmentContaining(nextSequence))) {
            // looked up before the read: a newer file means this one was complete before the read began
            Map.Entry<Long, Path> newer = journal.segments().higherEntry(segmentStart);
            byte[] line = lines.next();
            if (line == null) {
                // the end of a finished file (whose torn tail, after a failed write, has no newline): on to the next
                if (newer == null) {
                    break;
                }
                nextSequence = Math.max(nextSequence, newer.getKey());
                close();
                continue;
            }
            long[] start = AuditRecordFormat.versionAndSequence(line);
            if (start == null) {
                log.error("Audit journal %s: a line after record %s in file %s is not an audit record; skipped", journal.getDirectory(), nextSequence - 1, segmentStart);
            }
            else if (start[1] >= nextSequence) {
                nextSequence = start[1] + 1;
                records.add(new Record(start[1], line));
            }
        }
        return records;
    }

    private boolean openSegmentContaining(long sequence)
            throws IOException
    {
        Map.Entry<Long, Path> segment = journal.segments().floorEntry(sequence);
        if (segment == null) {
            // retention deleted them (PostgreSQL was enabled later)
            segment = journal.segments().ceilingEntry(sequence);
            if (segment == null) {
                return false;
            }
            log.warn("Audit journal %s: records %s..%s are no longer in the journal; continuing with %s", journal.getDirectory(), sequence, segment.getKey() - 1, segment.getKey());
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
