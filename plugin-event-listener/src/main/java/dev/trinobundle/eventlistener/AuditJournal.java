package dev.trinobundle.eventlistener;

import com.google.common.annotations.VisibleForTesting;
import io.airlift.log.Logger;
import org.weakref.jmx.Managed;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.stream.Stream;

import static java.lang.String.format;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static java.util.Objects.requireNonNull;

/**
 * Local append-only journal: every audit record is sequenced, hash-chained and written here on Trino's calling thread
 * (a write into the page cache) before anything else happens to it. Sinks read it back asynchronously, so a record
 * whose callback returned survives a killed process and a sink that is down.
 * <p>
 * Segments are files {@code journal-<first sequence, 20 digits>.jsonl} in the journal directory holding lines in
 * the {@link AuditRecordFormat} format. When a write fails (full disk, directory removed) the already sequenced record
 * stays in memory and is retried in order; nothing after it is written before it.
 */
public final class AuditJournal
        implements Closeable
{
    private static final Logger log = Logger.get(AuditJournal.class);
    private static final long ERROR_LOG_INTERVAL_NANOS = 10_000_000_000L;

    private final Path directory;
    private final long segmentSize;
    private final FsyncPolicy fsyncPolicy;
    private final int maxUnwrittenRecords;
    private final MessageDigest digest = AuditRecordFormat.newDigest();
    private final NavigableMap<Long, Path> segments = new ConcurrentSkipListMap<>();
    private final ArrayDeque<JournalRecord> unwritten = new ArrayDeque<>();

    private final AtomicLong recordsWritten = new AtomicLong();
    private final AtomicLong recordsDropped = new AtomicLong();
    private final AtomicLong writeFailures = new AtomicLong();
    private final AtomicLong fsyncFailures = new AtomicLong();

    // guarded by this
    private long nextSequence;
    private String previousHash;
    private FileChannel channel;
    private long channelSize;
    private boolean dirty;
    private long lastErrorLogNanos;
    private boolean closed;

    private volatile long lastWrittenSequence;
    private final FileChannel lockChannel;
    private final FileLock lock;

    public AuditJournal(Path directory, long segmentSize, FsyncPolicy fsyncPolicy, int maxUnwrittenRecords)
    {
        this.directory = requireNonNull(directory, "directory is null").toAbsolutePath();
        this.segmentSize = segmentSize;
        this.fsyncPolicy = requireNonNull(fsyncPolicy, "fsyncPolicy is null");
        this.maxUnwrittenRecords = maxUnwrittenRecords;
        prepareDirectory(this.directory);
        // Two writers would interleave sequence numbers and break the hash chain: one journal, one listener.
        Path lockFile = this.directory.resolve("journal.lock");
        try {
            lockChannel = FileChannel.open(lockFile, CREATE, WRITE);
            FileLock acquired;
            try {
                acquired = lockChannel.tryLock();
            }
            catch (OverlappingFileLockException e) {
                acquired = null;
            }
            if (acquired == null) {
                lockChannel.close();
                throw new IllegalStateException(format(
                        "Audit journal directory %s (audit.journal.directory) is in use by another audit event listener (lock %s). " +
                                "Give every listener and every Trino process its own journal directory", this.directory, lockFile));
            }
            lock = acquired;
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot lock audit journal directory " + this.directory, e);
        }
        recover();
    }

    private static void prepareDirectory(Path directory)
    {
        try {
            Files.createDirectories(directory);
            Path probe = Files.createTempFile(directory, ".write-probe", ".tmp");
            Files.delete(probe);
        }
        catch (IOException | RuntimeException e) {
            throw new IllegalStateException(format(
                    "Audit journal directory %s (audit.journal.directory) is not a writable directory: %s. " +
                            "Create it with write permission for the Trino user or point audit.journal.directory elsewhere",
                    directory, e), e);
        }
    }

    /**
     * Finds the last complete record to continue the sequence and the hash chain. A torn trailing line (the process
     * died in the middle of a write) is cut off; it was never acknowledged to Trino.
     */
    private synchronized void recover()
    {
        try (Stream<Path> files = Files.list(directory)) {
            files.forEach(file -> segmentStartSequence(file).ifPresent(start -> segments.put(start, file)));
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot list audit journal directory " + directory, e);
        }
        nextSequence = 1;
        previousHash = AuditRecordFormat.GENESIS_HASH;
        while (!segments.isEmpty()) {
            Map.Entry<Long, Path> last = segments.lastEntry();
            Optional<JournalRecord> lastRecord = truncateToLastCompleteRecord(last.getValue());
            if (lastRecord.isPresent()) {
                byte[] line = lastRecord.get().line();
                nextSequence = lastRecord.get().sequence() + 1;
                previousHash = AuditRecordFormat.split(line, 0, line.length - 1).orElseThrow().hash();
                break;
            }
            try {
                Files.delete(last.getValue());
            }
            catch (IOException e) {
                throw new UncheckedIOException("Cannot delete empty audit journal segment " + last.getValue(), e);
            }
            segments.remove(last.getKey());
        }
        lastWrittenSequence = nextSequence - 1;
        if (!segments.isEmpty()) {
            log.info("Audit journal %s: %s segments, last sequence %s", directory, segments.size(), lastWrittenSequence);
        }
    }

    private static Optional<JournalRecord> truncateToLastCompleteRecord(Path segment)
    {
        try (FileChannel file = FileChannel.open(segment, READ, WRITE)) {
            JournalRecord last = null;
            long validEnd = 0;
            try (JournalSegmentScanner scanner = new JournalSegmentScanner(file, 0)) {
                JournalRecord record;
                while ((record = scanner.next()) != null) {
                    if (AuditRecordFormat.split(record.line(), 0, record.line().length - 1).isEmpty() || record.sequence() < 0) {
                        break;
                    }
                    last = record;
                    validEnd = scanner.position();
                }
            }
            if (validEnd < file.size()) {
                log.warn("Audit journal segment %s: discarding %s bytes of an incomplete last record (the process stopped during a write)",
                        segment, file.size() - validEnd);
                file.truncate(validEnd);
            }
            return Optional.ofNullable(last);
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot read audit journal segment " + segment, e);
        }
    }

    static Optional<Long> segmentStartSequence(Path file)
    {
        Matcher matcher = JournalSegmentScanner.SEGMENT_NAME.matcher(file.getFileName().toString());
        return matcher.matches() ? Optional.of(Long.parseLong(matcher.group(1))) : Optional.empty();
    }

    /**
     * Sequences, chains and writes one record. Never throws: a failed write is logged with the path, counted and
     * retried later; a record that cannot even be kept in memory is dropped, logged and counted.
     *
     * @return the record's sequence number, or -1 if it was dropped
     */
    public synchronized long append(byte[] body)
    {
        if (closed) {
            recordsDropped.incrementAndGet();
            logError("Audit journal %s is closed; record dropped", directory);
            return -1;
        }
        if (unwritten.size() >= maxUnwrittenRecords) {
            recordsDropped.incrementAndGet();
            logError("Audit journal %s cannot be written and %s records are waiting in memory (audit.journal.max-unwritten-records); record DROPPED. Free disk space or fix the directory",
                    directory, unwritten.size());
            return -1;
        }
        long sequence = nextSequence;
        byte[] line = AuditRecordFormat.encodeLine(sequence, previousHash, body, digest);
        nextSequence++;
        previousHash = AuditRecordFormat.hashOfEncodedLine(line);
        unwritten.addLast(new JournalRecord(sequence, line));
        writeUnwritten();
        if (fsyncPolicy == FsyncPolicy.EVERY_RECORD) {
            // under the lock on purpose: the caller must not return before its record is on disk
            forceLocked();
        }
        return sequence;
    }

    /**
     * Writes the records waiting in memory, in order. Called on every append and periodically by the maintenance task.
     */
    public synchronized void writeUnwritten()
    {
        while (!unwritten.isEmpty()) {
            JournalRecord record = unwritten.peekFirst();
            long positionBefore = -1;
            try {
                if (channel == null || (channelSize > 0 && channelSize + record.line().length > segmentSize)) {
                    openSegment(record.sequence());
                }
                positionBefore = channelSize;
                ByteBuffer buffer = ByteBuffer.wrap(record.line());
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channelSize += record.line().length;
            }
            catch (IOException | RuntimeException e) {
                writeFailures.incrementAndGet();
                undoPartialWrite(positionBefore);
                logError("Cannot write audit journal %s (segment %s): %s. %s records are waiting in memory and will be retried; free disk space or fix the directory",
                        directory, segments.isEmpty() ? "-" : segments.lastEntry().getValue().getFileName(), e, unwritten.size());
                return;
            }
            unwritten.removeFirst();
            dirty = true;
            recordsWritten.incrementAndGet();
            lastWrittenSequence = record.sequence();
        }
    }

    private void undoPartialWrite(long positionBefore)
    {
        // A partial line would corrupt the next one; cut the file back to the last complete record.
        if (channel != null && positionBefore >= 0) {
            try {
                channel.truncate(positionBefore);
                channel.position(positionBefore);
                channelSize = positionBefore;
            }
            catch (IOException | RuntimeException e) {
                closeChannelQuietly();
            }
        }
    }

    private void openSegment(long firstSequence)
            throws IOException
    {
        if (channel != null) {
            if (fsyncPolicy != FsyncPolicy.NONE) {
                channel.force(false);
            }
            closeChannelQuietly();
        }
        Path segment = directory.resolve(JournalSegmentScanner.segmentFileName(firstSequence));
        FileChannel newChannel = FileChannel.open(segment, CREATE, WRITE);
        channelSize = newChannel.size();
        newChannel.position(channelSize);
        channel = newChannel;
        segments.put(firstSequence, segment);
    }

    private void closeChannelQuietly()
    {
        if (channel != null) {
            try {
                channel.close();
            }
            catch (IOException ignored) {
                // the data is in the page cache; closing cannot lose it
            }
            channel = null;
            channelSize = 0;
        }
    }

    /**
     * Forces written records to disk (the {@code INTERVAL} policy calls this periodically). The fsync runs outside the
     * append lock: it can take milliseconds, and Trino's threads must not wait for it.
     */
    public void force()
    {
        FileChannel current;
        synchronized (this) {
            if (channel == null || !dirty) {
                return;
            }
            current = channel;
            dirty = false;
        }
        try {
            current.force(false);
        }
        catch (ClosedChannelException e) {
            // the segment was rolled meanwhile, which forces it before closing
        }
        catch (IOException e) {
            fsyncFailures.incrementAndGet();
            synchronized (this) {
                dirty = true;
                logError("Cannot fsync audit journal %s: %s", directory, e);
            }
        }
    }

    private void forceLocked()
    {
        if (channel == null) {
            return;
        }
        try {
            channel.force(false);
            dirty = false;
        }
        catch (IOException e) {
            fsyncFailures.incrementAndGet();
            logError("Cannot fsync audit journal %s: %s", directory, e);
        }
    }

    /**
     * Deletes segments whose records have all been delivered to every sink. The newest segment is always kept: it
     * carries the head of the hash chain across restarts.
     */
    public void deleteDeliveredSegments(long deliveredUpToSequence)
    {
        while (true) {
            Map.Entry<Long, Path> oldest = segments.firstEntry();
            Map.Entry<Long, Path> next = oldest == null ? null : segments.higherEntry(oldest.getKey());
            // every record of "oldest" is below next's first sequence
            if (next == null || next.getKey() - 1 > deliveredUpToSequence || next.getKey() > lastWrittenSequence) {
                return;
            }
            try {
                Files.deleteIfExists(oldest.getValue());
                segments.remove(oldest.getKey());
            }
            catch (IOException e) {
                log.error("Cannot delete delivered audit journal segment %s: %s", oldest.getValue(), e);
                return;
            }
        }
    }

    NavigableMap<Long, Path> segments()
    {
        return segments;
    }

    public Path getDirectory()
    {
        return directory;
    }

    @Managed(description = "Sequence number of the last record written to the journal")
    public long getLastWrittenSequence()
    {
        return lastWrittenSequence;
    }

    @Managed(description = "Records written to the journal")
    public long getRecordsWritten()
    {
        return recordsWritten.get();
    }

    @Managed(description = "Records dropped because the journal could not be written and the in-memory backlog was full")
    public long getRecordsDropped()
    {
        return recordsDropped.get();
    }

    @Managed(description = "Failed journal writes (full disk, unwritable directory)")
    public long getWriteFailures()
    {
        return writeFailures.get();
    }

    @Managed(description = "Failed journal fsyncs")
    public long getFsyncFailures()
    {
        return fsyncFailures.get();
    }

    @Managed(description = "Records waiting in memory because the journal cannot be written")
    public synchronized long getUnwrittenRecords()
    {
        return unwritten.size();
    }

    @Managed(description = "Total size of the journal segment files in bytes")
    public long getJournalSizeBytes()
    {
        long size = 0;
        for (Path segment : List.copyOf(segments.values())) {
            try {
                size += Files.size(segment);
            }
            catch (IOException ignored) {
                // deleted concurrently
            }
        }
        return size;
    }

    @VisibleForTesting
    synchronized String previousHash()
    {
        return previousHash;
    }

    @Override
    public synchronized void close()
    {
        if (closed) {
            return;
        }
        writeUnwritten();
        if (!unwritten.isEmpty()) {
            log.error("Audit journal %s closed with %s records that could not be written; they are LOST", directory, unwritten.size());
            recordsDropped.addAndGet(unwritten.size());
            unwritten.clear();
        }
        if (fsyncPolicy != FsyncPolicy.NONE) {
            forceLocked();
        }
        closeChannelQuietly();
        releaseLock();
        closed = true;
    }

    /**
     * Leaves the journal the way a killed process does: what was written stays in the page cache, nothing else
     * happens (no retry, no fsync); only the directory lock is released, as the kernel would.
     */
    @VisibleForTesting
    synchronized void abandon()
    {
        closeChannelQuietly();
        releaseLock();
        closed = true;
    }

    private void releaseLock()
    {
        try {
            lock.release();
            lockChannel.close();
        }
        catch (IOException e) {
            log.warn("Cannot release the lock of audit journal %s: %s", directory, e);
        }
    }

    private void logError(String message, Object... args)
    {
        // Rate-limited so that a full disk does not flood the server log, while the counters keep the full count.
        long now = System.nanoTime();
        if (lastErrorLogNanos == 0 || now - lastErrorLogNanos > ERROR_LOG_INTERVAL_NANOS) {
            lastErrorLogNanos = now;
            log.error(message, args);
        }
    }
}
