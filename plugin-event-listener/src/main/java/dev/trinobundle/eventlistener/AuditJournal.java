package dev.trinobundle.eventlistener;

import io.airlift.log.Logger;
import org.weakref.jmx.Managed;

import javax.crypto.Mac;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static dev.trinobundle.eventlistener.AuditRecordFormat.HASH_FIELD;
import static java.lang.String.format;
import static java.util.Objects.requireNonNull;

/**
 * Local append-only journal. On Trino's calling thread a record is numbered, MAC-chained to the previous one and
 * written with one {@code write(2)} to the current segment, before the callback returns: a killed process loses
 * nothing (the page cache belongs to the kernel), on any file system. Sinks read it back in the background.
 * <p>
 * Segments are files {@code journal-<first sequence, 20 digits>.jsonl} of {@link AuditRecordFormat} lines. When a
 * write fails (full disk, directory removed) the numbered record stays in memory and is retried in order; nothing
 * after it is written before it. One process per journal directory (a file lock).
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
    private final AuditKey key;
    private final JournalSegments segments;
    private final FileLock lock;

    private final AtomicLong recordsWritten = new AtomicLong();
    private final AtomicLong recordsDropped = new AtomicLong();
    private final AtomicLong writeFailures = new AtomicLong();
    private final AtomicLong fsyncFailures = new AtomicLong();

    // guarded by this
    private final Mac mac;
    private final ArrayDeque<JournalRecord> unwritten = new ArrayDeque<>();
    // rolled segments, fsynced and closed by the maintenance task, off Trino's threads
    private final List<FileChannel> retired = new ArrayList<>();
    private long nextSequence = 1;
    private String lastHash = AuditRecordFormat.GENESIS_HASH;
    private FileChannel active;
    private long activeSize;
    private long lastErrorLogNanos;
    private boolean closed;

    private volatile long lastWrittenSequence;
    private volatile String lastWrittenHash = AuditRecordFormat.GENESIS_HASH;

    public AuditJournal(Path directory, long segmentSize, FsyncPolicy fsyncPolicy, int maxUnwrittenRecords, AuditKey key)
    {
        this.directory = AuditFiles.createDirectory(requireNonNull(directory, "directory is null").toAbsolutePath(), "audit.journal.directory");
        this.segmentSize = segmentSize;
        this.fsyncPolicy = requireNonNull(fsyncPolicy, "fsyncPolicy is null");
        this.maxUnwrittenRecords = maxUnwrittenRecords;
        this.key = requireNonNull(key, "key is null");
        this.mac = key.newMac();
        this.segments = new JournalSegments(this.directory);
        // Two writers would interleave sequence numbers and break the chain: one journal, one listener.
        this.lock = AuditFiles.lock(this.directory);
        try {
            recover();
        }
        catch (RuntimeException | Error e) {
            releaseLock();
            throw e;
        }
    }

    private synchronized void recover()
    {
        byte[] last = segments.recover();
        if (last != null) {
            nextSequence = AuditRecordFormat.parseSequence(last, 0, last.length) + 1;
            lastHash = AuditRecordFormat.hashOf(last, last.length);
            log.info("Audit journal %s: %s segments, last sequence %s", directory, segments.count(), nextSequence - 1);
        }
        lastWrittenSequence = nextSequence - 1;
        lastWrittenHash = lastHash;
    }

    /**
     * Numbers, chains and writes one record. Never throws: a failed write is logged with the path, counted and
     * retried later; a record that cannot even be kept in memory is dropped, logged and counted.
     *
     * @param body a serialized JSON object with at least one member, in {@code body[0, length)}
     * @return the record's sequence number, or -1 if it was dropped
     */
    public synchronized long append(byte[] body, int length)
    {
        if (closed) {
            recordsDropped.incrementAndGet();
            logError("Audit journal %s is closed; record dropped", directory);
            return -1;
        }
        if (unwritten.size() >= maxUnwrittenRecords) {
            // the disk may be back since the last retry: try once before dropping
            writeUnwritten();
            if (unwritten.size() >= maxUnwrittenRecords) {
                recordsDropped.incrementAndGet();
                logError("Audit journal %s cannot be written and %s records are waiting in memory (audit.journal.max-unwritten-records); record DROPPED. Free disk space or fix the directory",
                        directory, unwritten.size());
                return -1;
            }
        }
        if (length < 3 || body[0] != '{' || body[length - 1] != '}') {
            throw new IllegalArgumentException("record body is not a non-empty JSON object");
        }
        long sequence = nextSequence++;
        byte[] header = AuditRecordFormat.header(sequence, key.keyId(), lastHash);
        mac.update(header);
        mac.update(body, 1, length - 2);
        mac.update((byte) '}');
        byte[] suffix = AuditRecordFormat.suffix(HASH_FIELD, mac.doFinal());
        lastHash = AuditRecordFormat.hashOf(suffix, suffix.length);
        byte[] line = new byte[header.length + length - 2 + suffix.length];
        System.arraycopy(header, 0, line, 0, header.length);
        System.arraycopy(body, 1, line, header.length, length - 2);
        System.arraycopy(suffix, 0, line, header.length + length - 2, suffix.length);
        // a record that cannot be written now waits in memory; records that failed before go first
        unwritten.addLast(new JournalRecord(sequence, line));
        writeUnwritten();
        return sequence;
    }

    /**
     * Writes the records waiting in memory, in order. Called on every append and by the maintenance task.
     */
    public synchronized void writeUnwritten()
    {
        while (!unwritten.isEmpty()) {
            JournalRecord record = unwritten.peekFirst();
            if (!write(record.sequence(), record.line())) {
                return;
            }
            unwritten.removeFirst();
        }
    }

    private boolean write(long sequence, byte[] line)
    {
        long before = activeSize;
        try {
            if (active == null || activeSize + line.length > segmentSize && activeSize > 0) {
                roll(sequence);
                before = 0;
            }
            ByteBuffer buffer = ByteBuffer.wrap(line);
            while (buffer.hasRemaining()) {
                active.write(buffer);
            }
            activeSize += line.length;
            if (fsyncPolicy == FsyncPolicy.EVERY_RECORD) {
                active.force(false);
            }
        }
        catch (IOException | RuntimeException e) {
            writeFailures.incrementAndGet();
            logError("Cannot write audit journal %s: %s. %s records are waiting in memory and will be retried; free disk space or fix the directory",
                    directory, e, unwritten.size());
            try {
                // never leave part of a record behind: the retry appends it whole
                if (active != null) {
                    active.truncate(before);
                    active.position(before);
                }
            }
            catch (IOException | RuntimeException cutFailure) {
                // give the segment up: its torn tail is cut at the next start, and readers skip it
                retired.add(active);
                active = null;
            }
            return false;
        }
        recordsWritten.incrementAndGet();
        lastWrittenHash = AuditRecordFormat.hashOf(line, line.length);
        lastWrittenSequence = sequence;
        return true;
    }

    private void roll(long sequence)
            throws IOException
    {
        if (active != null) {
            retired.add(active);
            active = null;
        }
        active = segments.create(sequence);
        activeSize = 0;
    }

    /**
     * Fsyncs and closes rolled segments, and with {@code fsync} the current one; off Trino's threads, since an fsync
     * can take milliseconds.
     */
    public void force(boolean fsync)
    {
        List<FileChannel> toClose;
        FileChannel current;
        synchronized (this) {
            toClose = List.copyOf(retired);
            retired.clear();
            current = active;
        }
        for (FileChannel channel : toClose) {
            try (channel) {
                if (fsyncPolicy != FsyncPolicy.NONE) {
                    channel.force(false);
                }
            }
            catch (IOException | RuntimeException e) {
                fsyncFailures.incrementAndGet();
                log.error("Cannot fsync a finished audit journal segment in %s: %s", directory, e);
            }
        }
        if (fsync && current != null) {
            try {
                current.force(false);
            }
            catch (IOException | RuntimeException e) {
                fsyncFailures.incrementAndGet();
                synchronized (this) {
                    logError("Cannot fsync audit journal %s: %s", directory, e);
                }
            }
        }
    }

    /**
     * Deletes segments whose records every sink has; the newest always stays.
     */
    public void deleteDeliveredSegments(long deliveredUpToSequence)
    {
        segments.deleteDelivered(deliveredUpToSequence, lastWrittenSequence);
    }

    /**
     * Called at start with the highest sequence number a sink holds. Beyond the journal's end, a machine crash lost
     * the journal's newest records after a sink had them: new records must not reuse those numbers (a sink would skip
     * them as delivered), so numbering continues after it, and verify reports the gap.
     */
    public synchronized void continueAfter(long sequence)
    {
        if (sequence <= lastWrittenSequence) {
            return;
        }
        log.error("Audit journal %s ends at record %s, but a sink already holds records up to %s: the journal lost its newest records in a crash before they reached the disk. " +
                "New records are numbered from %s on; verify reports the break there", directory, lastWrittenSequence, sequence, sequence + 1);
        nextSequence = Math.max(nextSequence, sequence + 1);
        lastWrittenSequence = sequence;
        // no checkpoint may name a record this journal does not have
        lastWrittenHash = null;
    }

    /**
     * The last written record's sequence number and hash, for a checkpoint.
     */
    public synchronized Checkpoints.Head head()
    {
        return new Checkpoints.Head(lastWrittenSequence, lastWrittenHash);
    }

    JournalSegments segments()
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
        return segments.sizeBytes();
    }

    @Override
    public void close()
    {
        synchronized (this) {
            if (closed) {
                return;
            }
            writeUnwritten();
            if (!unwritten.isEmpty()) {
                log.error("Audit journal %s closed with %s records that could not be written; they are LOST", directory, unwritten.size());
                recordsDropped.addAndGet(unwritten.size());
                unwritten.clear();
            }
            if (active != null) {
                retired.add(active);
                active = null;
            }
            closed = true;
        }
        force(false);
        releaseLock();
    }

    private void releaseLock()
    {
        try {
            lock.channel().close();
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
