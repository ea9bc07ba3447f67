package dev.trinobundle.eventlistener;

import io.airlift.log.Logger;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static java.nio.file.StandardOpenOption.READ;
import static java.util.Objects.requireNonNull;

/**
 * A sink's cursor over the journal: the records from a sequence number on, across segments, never past the last
 * record written (whose write has returned, so its line is complete).
 */
final class JournalReader
        implements Closeable
{
    private static final Logger log = Logger.get(JournalReader.class);

    private final AuditJournal journal;
    private long nextSequence;
    private long segmentStart = -1;
    private FileChannel channel;
    private long filePosition;
    // bytes read from the segment and not returned yet: buffer[start, end)
    private byte[] buffer = new byte[256 * 1024];
    private int start;
    private int end;

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
    JournalRecord next()
            throws IOException
    {
        while (nextSequence <= journal.getLastWrittenSequence()) {
            if (channel == null && !openSegmentContaining(nextSequence)) {
                return null;
            }
            int newline = indexOfNewline();
            if (newline < 0) {
                if (fill()) {
                    continue;
                }
                // end of this segment (a torn tail of a segment given up after a failed write is skipped)
                Map.Entry<Long, java.nio.file.Path> newer = journal.segments().after(segmentStart);
                if (newer == null) {
                    return null;
                }
                if (newer.getKey() > nextSequence) {
                    // lost in a machine crash before they reached the disk: deliver what there is, loudly
                    log.error("Audit journal %s: records %s..%s are not in the journal (lost in a crash before they reached the disk); continuing with %s",
                            journal.getDirectory(), nextSequence, newer.getKey() - 1, newer.getKey());
                    nextSequence = newer.getKey();
                }
                closeSegment();
                continue;
            }
            int lineStart = start;
            start = newline + 1;
            long sequence = AuditRecordFormat.parseSequence(buffer, lineStart, start - lineStart);
            if (sequence < nextSequence) {
                continue;
            }
            if (sequence > journal.getLastWrittenSequence()) {
                // being written: not yet acknowledged
                start = lineStart;
                return null;
            }
            nextSequence = sequence + 1;
            return new JournalRecord(sequence, Arrays.copyOfRange(buffer, lineStart, start));
        }
        return null;
    }

    private int indexOfNewline()
    {
        for (int i = start; i < end; i++) {
            if (buffer[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /**
     * Reads more of the segment; false at its end.
     */
    private boolean fill()
            throws IOException
    {
        if (start > 0) {
            System.arraycopy(buffer, start, buffer, 0, end - start);
            end -= start;
            start = 0;
        }
        if (end == buffer.length) {
            // a record larger than the buffer
            buffer = Arrays.copyOf(buffer, buffer.length * 2);
        }
        int read = channel.read(ByteBuffer.wrap(buffer, end, buffer.length - end), filePosition);
        if (read <= 0) {
            return false;
        }
        filePosition += read;
        end += read;
        return true;
    }

    private boolean openSegmentContaining(long sequence)
            throws IOException
    {
        Map.Entry<Long, java.nio.file.Path> segment = journal.segments().floor(sequence);
        if (segment == null) {
            segment = journal.segments().ceiling(sequence);
            if (segment == null) {
                return false;
            }
            log.warn("Audit journal %s: records %s..%s are no longer in the journal; continuing with %s",
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
        filePosition = 0;
        start = 0;
        end = 0;
        return true;
    }

    private void closeSegment()
            throws IOException
    {
        if (channel != null) {
            channel.close();
            channel = null;
        }
        start = 0;
        end = 0;
    }

    @Override
    public void close()
            throws IOException
    {
        closeSegment();
    }
}
