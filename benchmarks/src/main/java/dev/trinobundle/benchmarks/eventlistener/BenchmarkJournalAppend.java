package dev.trinobundle.benchmarks.eventlistener;

import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static java.util.concurrent.TimeUnit.MICROSECONDS;

/**
 * Why the journal appends through a memory mapping: one 2.6 KB record appended to a file with {@code write(2)}, next
 * to a copy into a shared mapping of a file whose pages were touched beforehand (what the journal's background thread
 * does for each segment). Both put the record in the page cache, where it survives a killed process.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 3)
public class BenchmarkJournalAppend
{
    private static final int RECORD_BYTES = 2_600;
    // a file per iteration; appends wrap around at its end, so the mapping's pages stay faulted in
    private static final long FILE_BYTES = 1L << 30;

    @Param({"write", "mapped"})
    public String mode;

    private final byte[] record = new byte[RECORD_BYTES];
    private Path directory;
    private FileChannel channel;
    private Arena arena;
    private MemorySegment memory;
    private long position;

    @Setup(Level.Iteration)
    public void setUp()
            throws IOException
    {
        Arrays.fill(record, (byte) 'x');
        directory = Files.createTempDirectory("journal-append");
        channel = FileChannel.open(directory.resolve("segment"), CREATE_NEW, READ, WRITE);
        position = 0;
        if (mode.equals("mapped")) {
            // prefaulted, like a segment the journal prepared
            channel.write(ByteBuffer.wrap(new byte[1]), FILE_BYTES - 1);
            arena = Arena.ofShared();
            memory = channel.map(FileChannel.MapMode.READ_WRITE, 0, FILE_BYTES, arena);
            for (long offset = 0; offset < FILE_BYTES; offset += 4096) {
                memory.set(JAVA_BYTE, offset, (byte) 0);
            }
        }
    }

    @TearDown(Level.Iteration)
    public void tearDown()
            throws IOException
    {
        if (arena != null) {
            arena.close();
            arena = null;
        }
        channel.close();
        MoreFiles.deleteRecursively(directory, RecursiveDeleteOption.ALLOW_INSECURE);
    }

    @Benchmark
    public long append()
            throws IOException
    {
        if (position + RECORD_BYTES > FILE_BYTES) {
            position = 0;
        }
        if (memory != null) {
            MemorySegment.copy(record, 0, memory, JAVA_BYTE, position, RECORD_BYTES);
        }
        else {
            ByteBuffer buffer = ByteBuffer.wrap(record);
            long at = position;
            while (buffer.hasRemaining()) {
                at += channel.write(buffer, at);
            }
        }
        position += RECORD_BYTES;
        return position;
    }
}
