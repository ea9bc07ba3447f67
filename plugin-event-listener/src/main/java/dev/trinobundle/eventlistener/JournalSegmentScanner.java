package dev.trinobundle.eventlistener;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Arrays;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * Reads complete newline-terminated lines from a journal segment, starting at a byte position. An incomplete last
 * line (still being written, or torn by a crash) is not returned and not consumed. A NUL byte ends the data: it is the
 * not yet written part of a preallocated segment ({@link JournalSegment}), and no record contains one.
 */
final class JournalSegmentScanner
        implements Closeable
{
    static final Pattern SEGMENT_NAME = Pattern.compile("journal-(\\d{20})\\.jsonl");

    private final FileChannel channel;
    private byte[] buffer = new byte[64 * 1024];
    private int bufferStart;
    private int bufferEnd;
    // file position of buffer[bufferStart]
    private long position;

    JournalSegmentScanner(FileChannel channel, long position)
    {
        this.channel = requireNonNull(channel, "channel is null");
        this.position = position;
    }

    static String segmentFileName(long firstSequence)
    {
        return "journal-%020d.jsonl".formatted(firstSequence);
    }

    /**
     * @return the next complete line, or null if there is none (yet)
     */
    JournalRecord next()
            throws IOException
    {
        // bytes after a NUL may be stale (written since they were read): read them again once before giving up
        boolean reread = false;
        while (true) {
            int i = indexOfNewlineOrNul(buffer, bufferStart, bufferEnd);
            if (i < bufferEnd && buffer[i] == '\n') {
                byte[] line = Arrays.copyOfRange(buffer, bufferStart, i + 1);
                position += line.length;
                bufferStart = i + 1;
                return new JournalRecord(AuditRecordFormat.parseSequence(line, 0, line.length - 1), line);
            }
            if (i < bufferEnd) {
                // a NUL
                bufferEnd = i;
                if (reread) {
                    return null;
                }
                reread = true;
            }
            if (!fill()) {
                return null;
            }
        }
    }

    /**
     * Index of the first '\n' or NUL byte in {@code bytes[from, to)}, or {@code to}. Lines are kilobytes long and every
     * sink reads each one, so the search looks at 8 bytes at a time.
     */
    static int indexOfNewlineOrNul(byte[] bytes, int from, int to)
    {
        int i = from;
        for (; i + Long.BYTES <= to; i += Long.BYTES) {
            long word = ByteWords.word(bytes, i);
            if (ByteWords.hasByte(word, 0) || ByteWords.hasByte(word, '\n')) {
                break;
            }
        }
        for (; i < to; i++) {
            if (bytes[i] == '\n' || bytes[i] == 0) {
                return i;
            }
        }
        return to;
    }

    /**
     * Returns a record read by {@link #next()} so that the following call returns it again.
     */
    void pushBack(JournalRecord record)
    {
        // Read it again from the file, not from the buffer: the record may have been sealed since it was read.
        position -= record.line().length;
        bufferStart = 0;
        bufferEnd = 0;
    }

    private boolean fill()
            throws IOException
    {
        int remaining = bufferEnd - bufferStart;
        if (bufferStart > 0) {
            System.arraycopy(buffer, bufferStart, buffer, 0, remaining);
            bufferStart = 0;
            bufferEnd = remaining;
        }
        if (bufferEnd == buffer.length) {
            // a line longer than the buffer: grow it
            buffer = Arrays.copyOf(buffer, buffer.length * 2);
        }
        int read = channel.read(ByteBuffer.wrap(buffer, bufferEnd, buffer.length - bufferEnd), position + remaining);
        if (read <= 0) {
            return false;
        }
        bufferEnd += read;
        return true;
    }

    /**
     * File position right after the last line returned.
     */
    long position()
    {
        return position;
    }

    @Override
    public void close()
    {
        // the channel belongs to the caller
    }
}
