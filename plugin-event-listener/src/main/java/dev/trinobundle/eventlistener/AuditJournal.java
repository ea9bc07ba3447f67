package dev.trinobundle.eventlistener;

import com.google.common.annotations.VisibleForTesting;
import io.airlift.log.Logger;
import org.weakref.jmx.Managed;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.stream.Stream;

import static java.lang.String.format;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static java.util.Objects.requireNonNull;

/**
 * Local append-only journal: every audit record is sequenced and written here on Trino's calling thread (a copy into
 * the page cache) before anything else happens to it, then hash-chained in place by the {@link JournalSealer} before
 * any sink reads it. Sinks read it back asynchronously, so a record
 * whose callback returned survives a killed process and a sink that is down.
 * <p>
 * Segments are files {@code journal-<first sequence, 20 digits>.jsonl} in the journal directory holding lines in
 * the {@link AuditRecordFormat} format. The segment being written is a {@link JournalSegment}: a record is a
 * memory copy, and a background thread prepares (allocates and faults in) the next segment and finishes (fsyncs,
 * unmaps, cuts to size) the previous one. When a write fails (full disk, directory removed) the already sequenced
 * record stays in memory and is retried in order; nothing after it is written before it.
 */
public final class AuditJournal
        implements Closeable
{
    private static final Logger log = Logger.get(AuditJournal.class);
    private static final long ERROR_LOG_INTERVAL_NANOS = 10_000_000_000L;
    // the next segment, allocated ahead of need; not a segment name, so readers and the verifier ignore it
    static final String PREPARED_SEGMENT_NAME = "next-segment.prepared";

    private final Path directory;
    private final long segmentSize;
    private final FsyncPolicy fsyncPolicy;
    private final int maxUnwrittenRecords;
    private final NavigableMap<Long, Path> segments = new ConcurrentSkipListMap<>();
    private final ArrayDeque<JournalRecord> unwritten = new ArrayDeque<>();
    // prepares the next segment and finishes rolled ones, off Trino's threads
    private final ExecutorService segmentWorker;
    private final JournalSealer sealer;

    private final AtomicLong recordsWritten = new AtomicLong();
    private final AtomicLong recordsDropped = new AtomicLong();
    private final AtomicLong writeFailures = new AtomicLong();
    private final AtomicLong fsyncFailures = new AtomicLong();
    private final AtomicLong lastPrepareErrorLogNanos = new AtomicLong();
    private final AtomicLong sealFailures = new AtomicLong();
    private final AtomicLong lastSealErrorLogNanos = new AtomicLong();

    // guarded by this
    private long nextSequence;
    private JournalSegment active;
    private CompletableFuture<JournalSegment> prepared;
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
        try {
            recover();
            // seal what a stopped process left unsealed before any sink reads
            sealer = JournalSealer.recover(this);
            sealer.seal();
        }
        catch (IOException e) {
            releaseLock();
            throw new UncheckedIOException("Cannot seal the records of audit journal " + this.directory, e);
        }
        catch (RuntimeException | Error e) {
            releaseLock();
            throw e;
        }
        segmentWorker = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("audit-journal-segments").factory());
        prepareNextSegment();
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
        recoverPreparedSegment();
        try (Stream<Path> files = Files.list(directory)) {
            files.forEach(file -> segmentStartSequence(file).ifPresent(start -> segments.put(start, file)));
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot list audit journal directory " + directory, e);
        }
        nextSequence = 1;
        // Segments before the last one may still have the unused tail of their preallocation (the process stopped
        // before they were finished); readers stop at it anyway, this only gives the disk space back.
        for (Path segment : List.copyOf(segments.headMap(segments.isEmpty() ? 0 : segments.lastKey()).values())) {
            if (endsWithUnusedSpace(segment)) {
                truncateToLastCompleteRecord(segment);
            }
        }
        while (!segments.isEmpty()) {
            Map.Entry<Long, Path> last = segments.lastEntry();
            Optional<JournalRecord> lastRecord = truncateToLastCompleteRecord(last.getValue());
            if (lastRecord.isPresent()) {
                nextSequence = lastRecord.get().sequence() + 1;
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
                    if (!AuditRecordFormat.isComplete(record.line(), 0, record.line().length)) {
                        break;
                    }
                    last = record;
                    validEnd = scanner.position();
                }
            }
            if (validEnd < file.size()) {
                if (!isUnusedSpace(file, validEnd)) {
                    log.warn("Audit journal segment %s: discarding the bytes of an incomplete last record after position %s (the process stopped during a write)",
                            segment, validEnd);
                }
                file.truncate(validEnd);
            }
            return Optional.ofNullable(last);
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot read audit journal segment " + segment, e);
        }
    }

    /**
     * A prepared segment is renamed before its first record is written, so normally it holds none and is deleted.
     * Should a machine crash have lost the rename but kept the data, the records are kept under the right name.
     */
    private void recoverPreparedSegment()
    {
        Path prepared = directory.resolve(PREPARED_SEGMENT_NAME);
        if (!Files.exists(prepared)) {
            return;
        }
        try (FileChannel file = FileChannel.open(prepared, READ)) {
            ByteBuffer head = ByteBuffer.allocate((int) Math.min(file.size(), 1 << 20));
            file.read(head, 0);
            byte[] bytes = head.array();
            int lineEnd = 0;
            while (lineEnd < head.position() && bytes[lineEnd] != '\n' && bytes[lineEnd] != 0) {
                lineEnd++;
            }
            long sequence = lineEnd < head.position() && bytes[lineEnd] == '\n' ? AuditRecordFormat.parseSequence(bytes, 0, lineEnd) : -1;
            file.close();
            if (sequence > 0) {
                Path segment = directory.resolve(JournalSegmentScanner.segmentFileName(sequence));
                log.warn("Audit journal %s: prepared segment holds records from %s on; keeping it as %s", directory, sequence, segment.getFileName());
                Files.move(prepared, segment);
            }
            else {
                Files.delete(prepared);
            }
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot recover prepared audit journal segment " + prepared, e);
        }
    }

    private static boolean endsWithUnusedSpace(Path segment)
    {
        try (FileChannel file = FileChannel.open(segment, READ)) {
            return file.size() > 0 && isUnusedSpace(file, file.size() - 1);
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot read audit journal segment " + segment, e);
        }
    }

    private static boolean isUnusedSpace(FileChannel file, long position)
            throws IOException
    {
        ByteBuffer one = ByteBuffer.allocate(1);
        return file.read(one, position) == 1 && one.get(0) == 0;
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
    public long append(byte[] body)
    {
        AuditJsonWriter buffer = new AuditJsonWriter(body.length + AuditJsonWriter.HEADER_RESERVE + AuditJsonWriter.TRAILER_RESERVE);
        System.arraycopy(body, 0, buffer.buffer(), buffer.bodyStart(), body.length);
        return append(buffer.buffer(), buffer.bodyStart(), buffer.bodyStart() + body.length);
    }

    /**
     * Like {@link #append(byte[])} for a body serialized by an {@link AuditJsonWriter}, turned into the stored line in
     * place (the writer's buffer is modified).
     */
    public long append(AuditJsonWriter body)
    {
        body.reserveTrailer();
        return append(body.buffer(), body.bodyStart(), body.bodyEnd());
    }

    private synchronized long append(byte[] buffer, int bodyStart, int bodyEnd)
    {
        if (closed) {
            recordsDropped.incrementAndGet();
            logError("Audit journal %s is closed; record dropped", directory);
            return -1;
        }
        if (unwritten.size() >= maxUnwrittenRecords) {
            // the disk may be back since the last retry: try once before dropping
            writeUnwritten();
        }
        if (unwritten.size() >= maxUnwrittenRecords) {
            recordsDropped.incrementAndGet();
            logError("Audit journal %s cannot be written and %s records are waiting in memory (audit.journal.max-unwritten-records); record DROPPED. Free disk space or fix the directory",
                    directory, unwritten.size());
            return -1;
        }
        long sequence = nextSequence;
        // hash-chained later by the sealer, off this thread
        int start = AuditRecordFormat.encodeUnsealedInPlace(buffer, bodyStart, bodyEnd, sequence);
        int length = AuditRecordFormat.lineEnd(bodyEnd) - start;
        nextSequence++;
        if (!unwritten.isEmpty()) {
            // records that failed before go first
            unwritten.addLast(new JournalRecord(sequence, Arrays.copyOfRange(buffer, start, start + length)));
            writeUnwritten();
        }
        else if (write(sequence, buffer, start, length)) {
            written(sequence, length);
        }
        else {
            unwritten.addLast(new JournalRecord(sequence, Arrays.copyOfRange(buffer, start, start + length)));
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
            if (!write(record.sequence(), record.line(), 0, record.line().length)) {
                return;
            }
            unwritten.removeFirst();
            written(record.sequence(), record.line().length);
        }
    }

    private void written(long sequence, int length)
    {
        recordsWritten.incrementAndGet();
        lastWrittenSequence = sequence;
        if (fsyncPolicy == FsyncPolicy.EVERY_RECORD) {
            // under the lock on purpose: the caller must not return before its record is on disk
            try {
                active.forceLast(length);
            }
            catch (IOException | RuntimeException e) {
                fsyncFailures.incrementAndGet();
                logError("Cannot fsync audit journal %s (segment %s): %s", directory, active.path().getFileName(), e);
            }
        }
    }

    private boolean write(long sequence, byte[] line, int offset, int length)
    {
        try {
            if (active == null || !active.fits(length)) {
                roll(sequence, length);
            }
            active.append(line, offset, length);
            return true;
        }
        catch (IOException | RuntimeException | InternalError e) {
            writeFailures.incrementAndGet();
            logError("Cannot write audit journal %s (segment %s): %s. %s records are waiting in memory and will be retried; free disk space or fix the directory",
                    directory, active == null ? "-" : active.path().getFileName(), e, unwritten.size() + 1);
            if (active != null) {
                abandonAfterFailure(active);
                active = null;
            }
            return false;
        }
    }

    private void abandonAfterFailure(JournalSegment segment)
    {
        if (segment.size() > 0) {
            // it may hold part of this record past its size: finishing cuts the file back to the last complete one
            finishInBackground(segment);
            return;
        }
        // no record in it: a later segment will need its name
        segments.values().remove(segment.path());
        try {
            segment.discard();
        }
        catch (IOException | RuntimeException e) {
            log.error("Cannot delete empty audit journal segment %s: %s", segment.path(), e);
        }
    }

    /**
     * Makes a segment that starts with {@code sequence} and holds at least {@code length} bytes the active one.
     */
    private void roll(long sequence, int length)
            throws IOException
    {
        // never empty here: a segment gets its first record right after it is made active, or is abandoned
        if (active != null) {
            finishInBackground(active);
            active = null;
        }
        Path path = directory.resolve(JournalSegmentScanner.segmentFileName(sequence));
        JournalSegment next = takePreparedSegment(length);
        if (next != null) {
            try {
                next.moveTo(path);
            }
            catch (IOException | RuntimeException e) {
                next.discard();
                throw e;
            }
        }
        else {
            // nothing prepared in time, the disk is full, or the record is larger than a segment: a plain file,
            // whose write(2) reports a full disk with the call, unlike a page fault in a mapping
            next = JournalSegment.createUnmapped(path, Math.max(segmentSize, length));
        }
        active = next;
        segments.put(sequence, path);
        prepareNextSegment();
    }

    private JournalSegment takePreparedSegment(int length)
    {
        if (prepared == null || !prepared.isDone()) {
            return null;
        }
        JournalSegment segment = prepared.isCompletedExceptionally() ? null : prepared.getNow(null);
        if (segment != null && segment.capacity() < length) {
            // keep it for the next roll
            return null;
        }
        prepared = null;
        return segment;
    }

    private void prepareNextSegment()
    {
        if (prepared != null || closed) {
            return;
        }
        Path path = directory.resolve(PREPARED_SEGMENT_NAME);
        prepared = CompletableFuture.supplyAsync(() -> {
            JournalSegment segment = null;
            try {
                Files.deleteIfExists(path);
                segment = JournalSegment.createMapped(path, segmentSize);
                segment.prefault();
                return segment;
            }
            catch (IOException | RuntimeException | Error e) {
                long now = System.nanoTime();
                long last = lastPrepareErrorLogNanos.get();
                if ((last == 0 || now - last > ERROR_LOG_INTERVAL_NANOS) && lastPrepareErrorLogNanos.compareAndSet(last, now)) {
                    log.error("Cannot prepare the next audit journal segment %s: %s. Records are written without preparation until this works; free disk space or fix the directory",
                            path, e);
                }
                if (segment != null) {
                    try {
                        segment.discard();
                    }
                    catch (IOException | RuntimeException ignored) {
                        // already reported
                    }
                }
                return null;
            }
        }, segmentWorker);
    }

    private void finishInBackground(JournalSegment segment)
    {
        boolean fsync = fsyncPolicy != FsyncPolicy.NONE;
        segmentWorker.execute(() -> finish(segment, fsync));
    }

    private void finish(JournalSegment segment, boolean fsync)
    {
        try {
            segment.finish(fsync);
        }
        catch (IOException | RuntimeException e) {
            fsyncFailures.incrementAndGet();
            log.error("Cannot finish audit journal segment %s: %s. Its records are intact; the unused space at its end stays until the next start",
                    segment.path(), e);
        }
    }

    /**
     * Forces written records to disk (the {@code INTERVAL} policy calls this periodically). The fsync runs outside the
     * append lock: it can take milliseconds, and Trino's threads must not wait for it.
     */
    public void force()
    {
        JournalSegment current;
        synchronized (this) {
            current = active;
        }
        if (current == null) {
            return;
        }
        try {
            current.force();
        }
        catch (IOException | RuntimeException e) {
            fsyncFailures.incrementAndGet();
            synchronized (this) {
                logError("Cannot fsync audit journal %s (segment %s): %s", directory, current.path().getFileName(), e);
            }
        }
    }

    /**
     * Deletes segments whose records have all been delivered to every sink. The newest segment is always kept: it
     * carries the head of the hash chain across restarts.
     */
    public void deleteDeliveredSegments(long deliveredUpToSequence)
    {
        // the segment holding the last sealed record stays too: a restart continues the chain from its hash
        long deletableUpTo = Math.min(deliveredUpToSequence, sealer.sealedSequence() - 1);
        while (true) {
            Map.Entry<Long, Path> oldest = segments.firstEntry();
            Map.Entry<Long, Path> next = oldest == null ? null : segments.higherEntry(oldest.getKey());
            // every record of "oldest" is below next's first sequence
            if (next == null || next.getKey() - 1 > deletableUpTo || next.getKey() > lastWrittenSequence) {
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

    FsyncPolicy getFsyncPolicy()
    {
        return fsyncPolicy;
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

    /**
     * Called at start with the highest sequence number a sink says it holds. If that is beyond the journal's end, a
     * machine crash lost the journal's newest records after a sink had them: new records must not reuse those numbers
     * (a sink would skip them as delivered, or hold two records with one number), so numbering continues after it.
     */
    public synchronized void continueAfter(long sequence)
    {
        if (sequence <= lastWrittenSequence) {
            return;
        }
        log.error("Audit journal %s ends at record %s, but a sink already holds records up to %s: the journal lost its newest records in a crash before they reached the disk. " +
                "New records are numbered from %s on; the hash chain continues from record %s, so verify reports the break there", directory, lastWrittenSequence, sequence, sequence + 1, lastWrittenSequence);
        nextSequence = Math.max(nextSequence, sequence + 1);
        lastWrittenSequence = sequence;
        sealer.skipTo(sequence);
    }

    /**
     * Waits until the next segment is prepared (or its preparation failed).
     */
    @VisibleForTesting
    void awaitPreparedSegment()
            throws InterruptedException
    {
        CompletableFuture<JournalSegment> pending;
        synchronized (this) {
            pending = prepared;
        }
        if (pending != null) {
            try {
                pending.get();
            }
            catch (java.util.concurrent.ExecutionException ignored) {
                // reported by the preparation itself
            }
        }
    }

    /**
     * The hash of the last record, once everything written is sealed.
     */
    @VisibleForTesting
    String previousHash()
    {
        seal();
        return sealer.chainHead();
    }

    /**
     * Hash-chains the records written so far (see {@link JournalSealer}); sinks call this before they read. Never
     * throws: a failure is logged and counted, and the next call tries again.
     *
     * @return the last sealed sequence number
     */
    public long seal()
    {
        try {
            return sealer.seal();
        }
        catch (IOException | RuntimeException e) {
            sealFailures.incrementAndGet();
            long now = System.nanoTime();
            long last = lastSealErrorLogNanos.get();
            if ((last == 0 || now - last > ERROR_LOG_INTERVAL_NANOS) && lastSealErrorLogNanos.compareAndSet(last, now)) {
                log.error(e, "Cannot seal audit journal %s; sinks wait for the records until this works", directory);
            }
            return sealer.sealedSequence();
        }
    }

    @Managed(description = "Sequence number of the last record hash-chained (sealed); sinks receive records up to it")
    public long getSealedSequence()
    {
        return sealer.sealedSequence();
    }

    @Managed(description = "Failed attempts to hash-chain journal records")
    public long getSealFailures()
    {
        return sealFailures.get();
    }

    @Override
    public void close()
    {
        synchronized (this) {
            if (closed) {
                return;
            }
            writeUnwritten();
            seal();
            if (!unwritten.isEmpty()) {
                log.error("Audit journal %s closed with %s records that could not be written; they are LOST", directory, unwritten.size());
                recordsDropped.addAndGet(unwritten.size());
                unwritten.clear();
            }
            if (active != null) {
                finish(active, fsyncPolicy != FsyncPolicy.NONE);
                active = null;
            }
            closed = true;
        }
        stopSegmentWorker(true);
        sealer.close();
        releaseLock();
    }

    /**
     * Leaves the journal the way a killed process does: what was written stays in the page cache, nothing else
     * happens (no retry, no fsync, no cutting of segments to size); only the directory lock is released, as the kernel
     * would.
     */
    @VisibleForTesting
    void abandon()
    {
        synchronized (this) {
            if (active != null) {
                active.abandon();
                active = null;
            }
            closed = true;
        }
        stopSegmentWorker(false);
        sealer.close();
        releaseLock();
    }

    private void stopSegmentWorker(boolean clean)
    {
        CompletableFuture<JournalSegment> pending;
        synchronized (this) {
            pending = prepared;
            prepared = null;
        }
        if (clean) {
            segmentWorker.shutdown();
        }
        else {
            segmentWorker.shutdownNow();
        }
        try {
            if (!segmentWorker.awaitTermination(30, TimeUnit.SECONDS)) {
                log.warn("Audit journal %s: segment preparation did not stop within 30 s", directory);
            }
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        JournalSegment unused = pending == null || !pending.isDone() || pending.isCompletedExceptionally() ? null : pending.getNow(null);
        if (unused != null) {
            try {
                if (clean) {
                    unused.discard();
                }
                else {
                    unused.abandon();
                }
            }
            catch (IOException | RuntimeException e) {
                log.warn("Cannot delete the unused audit journal segment %s: %s", unused.path(), e);
            }
        }
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
