package dev.trinobundle.eventlistener;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static java.util.Objects.requireNonNull;

/**
 * One journal segment file of a fixed capacity. A segment prepared in the background is memory-mapped and records are
 * appended with a memory copy; a segment created on demand (nothing prepared in time, or the disk is full) is written
 * with {@code write(2)}.
 * <p>
 * Why a mapping: a {@code write(2)} of a 2.6 KB record costs 2.2 µs p50 and 18.5 µs p99 of Trino's dispatcher thread,
 * a copy into an already faulted-in shared mapping 0.29 and 0.79 µs ({@code BenchmarkJournalAppend}). The bytes are in the page
 * cache the moment the copy ends, so they survive a killed process exactly as a write would. {@link #prefault()}
 * touches every page in the background before the segment is used, so the writer pays neither page faults nor block
 * allocation, and a full disk surfaces there (as an error naming the file) instead of on Trino's thread.
 * <p>
 * The unused tail of the file reads as NUL bytes, which never occur in a record: readers treat the first NUL as the
 * end of the data. {@link #finish} cuts the file to the bytes written.
 * <p>
 * Why on-demand segments are not mapped: on a page that is not faulted in yet, a full disk is a SIGBUS, which the JVM
 * reports as an {@link InternalError} at the thread's next safepoint, possibly after the record was counted as
 * written. {@code write(2)} reports it with the call.
 */
final class JournalSegment
{
    private static final int PAGE_SIZE = 4096;

    private final FileChannel channel;
    // null for a segment written with write(2)
    private final Arena arena;
    private final MemorySegment memory;
    private final long capacity;
    private volatile Path path;
    // written only by the appending thread, under the journal's lock; read by the thread that forces
    private volatile long size;
    // set by the appending thread, cleared by whichever thread forces
    private volatile boolean dirty;
    // guarded by this
    private boolean closed;

    private JournalSegment(Path path, FileChannel channel, Arena arena, MemorySegment memory, long capacity)
    {
        this.path = requireNonNull(path, "path is null");
        this.channel = requireNonNull(channel, "channel is null");
        this.arena = arena;
        this.memory = memory;
        this.capacity = capacity;
    }

    /**
     * Creates a new, empty segment file of {@code capacity} bytes (sparse until written) and maps it.
     */
    static JournalSegment createMapped(Path path, long capacity)
            throws IOException
    {
        FileChannel channel = FileChannel.open(path, CREATE_NEW, READ, WRITE);
        Arena arena = Arena.ofShared();
        try {
            // sets the length without writing the blocks: the file is sparse until the pages are touched
            channel.write(ByteBuffer.wrap(new byte[1]), capacity - 1);
            MemorySegment memory = channel.map(FileChannel.MapMode.READ_WRITE, 0, capacity, arena);
            return new JournalSegment(path, channel, arena, memory, capacity);
        }
        catch (IOException | RuntimeException | Error e) {
            arena.close();
            channel.close();
            Files.deleteIfExists(path);
            throw e;
        }
    }

    /**
     * Creates a new, empty segment file that is written with {@code write(2)} up to {@code capacity} bytes.
     */
    static JournalSegment createUnmapped(Path path, long capacity)
            throws IOException
    {
        return new JournalSegment(path, FileChannel.open(path, CREATE_NEW, READ, WRITE), null, null, capacity);
    }

    /**
     * Writes a zero into every page so that the kernel maps it writable and reserves its disk blocks now. Only for a
     * segment no record has been written to yet.
     *
     * @throws IOException if the disk is full (the kernel answers the page fault with SIGBUS, which the JVM turns into
     * an {@link InternalError} on this thread)
     */
    void prefault()
            throws IOException
    {
        if (memory == null) {
            return;
        }
        try {
            for (long offset = 0; offset < memory.byteSize(); offset += PAGE_SIZE) {
                memory.set(JAVA_BYTE, offset, (byte) 0);
            }
        }
        catch (InternalError e) {
            throw new IOException("cannot allocate the disk space of " + path + " (disk full?): " + e.getMessage(), e);
        }
    }

    Path path()
    {
        return path;
    }

    /**
     * Renames the file of a prepared segment before its first record is written.
     */
    void moveTo(Path target)
            throws IOException
    {
        Files.move(path, target);
        path = target;
    }

    long size()
    {
        return size;
    }

    long capacity()
    {
        return capacity;
    }

    boolean fits(int length)
    {
        return size + length <= capacity;
    }

    /**
     * Appends bytes that {@link #fits} the segment.
     *
     * @throws IOException if the kernel cannot back the page (disk full on a segment that was not prefaulted)
     */
    void append(byte[] source, int offset, int length)
            throws IOException
    {
        if (memory == null) {
            ByteBuffer buffer = ByteBuffer.wrap(source, offset, length);
            long at = size;
            while (buffer.hasRemaining()) {
                // a partial write is cut off by finish(), which truncates to the size before this record
                at += channel.write(buffer, at);
            }
        }
        else {
            try {
                MemorySegment.copy(source, offset, memory, JAVA_BYTE, size, length);
            }
            catch (InternalError e) {
                // only on a page that was faulted in (a copy-on-write file system); the caller abandons this segment
                throw new IOException("cannot write " + path + " (disk full?): " + e.getMessage(), e);
            }
        }
        size += length;
        dirty = true;
    }

    /**
     * Forces the record just appended to disk ({@code audit.journal.fsync=every-record}).
     */
    void forceLast(int length)
            throws IOException
    {
        if (memory == null) {
            channel.force(false);
        }
        else {
            memory.asSlice(size - length, length).force();
        }
    }

    /**
     * Forces what was written to disk, if anything was written since the last call. Safe to call from any thread,
     * also concurrently with appends and after {@link #finish}.
     */
    synchronized void force()
            throws IOException
    {
        if (closed || !dirty) {
            return;
        }
        dirty = false;
        if (memory == null) {
            channel.force(false);
        }
        else {
            // only the written part: the prefaulted pages after it are dirty too, but hold nothing worth a disk write
            memory.asSlice(0, size).force();
        }
    }

    /**
     * Ends the segment: optionally forces it, unmaps it and cuts the file to the bytes written.
     */
    synchronized void finish(boolean fsync)
            throws IOException
    {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (fsync && memory != null) {
                memory.asSlice(0, size).force();
            }
        }
        finally {
            if (arena != null) {
                arena.close();
            }
            try {
                channel.truncate(size);
                if (fsync) {
                    channel.force(true);
                }
            }
            finally {
                channel.close();
            }
        }
    }

    /**
     * Unmaps without touching the file, as a killed process leaves it.
     */
    synchronized void abandon()
    {
        if (closed) {
            return;
        }
        closed = true;
        if (arena != null) {
            arena.close();
        }
        try {
            channel.close();
        }
        catch (IOException ignored) {
            // the data is in the page cache
        }
    }

    /**
     * Unmaps and deletes a segment that holds no record.
     */
    synchronized void discard()
            throws IOException
    {
        abandon();
        Files.deleteIfExists(path);
    }
}
