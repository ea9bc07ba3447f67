package dev.trinobundle.eventlistener;

import com.google.common.primitives.Longs;
import com.google.common.util.concurrent.RateLimiter;
import io.airlift.log.Logger;
import org.weakref.jmx.Managed;

import javax.crypto.Mac;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkState;
import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static java.nio.file.StandardOpenOption.TRUNCATE_EXISTING;
import static java.util.Objects.requireNonNull;

/**
 * The audit log, files {@code audit-<first sequence, 20 digits>.jsonl} that PostgreSQL is fed from. A record is
 * numbered, MAC-chained and written with one {@code write(2)} before the callback returns: a killed process loses
 * nothing. One that cannot be written is dropped and counted, and takes no number, so the chain on disk stays whole.
 */
public final class AuditJournal
        implements Closeable
{
    private static final Logger log = Logger.get(AuditJournal.class);
    private static final Pattern SEGMENT_NAME = Pattern.compile("(?:audit|journal)-(\\d{20})\\.jsonl");
    private static final Pattern OTHER_VERSION = Pattern.compile("\\{\"schemaVersion\":(?!" + AuditFiles.SCHEMA_VERSION + ",)[0-9]{1,9},");

    private final Path directory;
    private final long segmentSize;
    private final int maxSegments;
    private final FsyncPolicy fsyncPolicy;
    private final AuditKey key;
    private final FileChannel lock;
    // by first sequence number
    private final NavigableMap<Long, Path> segments = new ConcurrentSkipListMap<>();
    private final AtomicLong recordsWritten = new AtomicLong();
    private final AtomicLong recordsDropped = new AtomicLong();
    private final AtomicLong fsyncFailures = new AtomicLong();
    // so that a full disk does not flood the server log; the counters keep the full count
    private final RateLimiter errorLog = RateLimiter.create(0.1);

    // guarded by this, but force() reads active and logs (at worst twice at once) without the lock appends take
    private final Mac mac;
    private volatile FileChannel active;
    private Path activePath;
    private long activeStart;
    private long activeSize;
    private boolean interruptedMeanwhile;
    private boolean closed;

    // what readers may read: complete, acknowledged records only
    private volatile Written written = new Written(0, AuditFiles.GENESIS_HASH, 0, 0);

    // the last record written, and where its file (by first sequence) ends: readers never read past it
    record Written(long sequence, String hash, long segment, long end) {}

    public AuditJournal(Path directory, long segmentSize, int maxSegments, FsyncPolicy fsyncPolicy, AuditKey key)
    {
        this.directory = AuditFiles.createDirectory(requireNonNull(directory, "directory is null").toAbsolutePath(), "audit.journal.directory");
        this.segmentSize = segmentSize;
        this.maxSegments = maxSegments;
        this.fsyncPolicy = requireNonNull(fsyncPolicy, "fsyncPolicy is null");
        this.key = requireNonNull(key, "key is null");
        this.mac = key.newMac();
        this.lock = AuditFiles.lock(this.directory);
        try {
            recover();
        }
        catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    // cuts a torn last line off the newest file only: the older ones were complete when the next began
    private void recover()
    {
        try (Stream<Path> files = Files.list(directory)) {
            files.map(file -> SEGMENT_NAME.matcher(file.getFileName().toString())).filter(Matcher::matches).forEach(name -> {
                Path file = directory.resolve(name.group());
                Long first = Longs.tryParse(name.group(1));
                // a link would have recovery truncate its target
                checkState(first != null && Files.isRegularFile(file, NOFOLLOW_LINKS), "Audit journal file %s is not a regular file of the listener (a link, or a number beyond 2^63): move it away", file);
                segments.put(first, file);
            });
            while (!segments.isEmpty()) {
                byte[] line = AuditFiles.cutAfterLastRecord(segments.lastEntry().getValue(), this::isRecord);
                if (line != null) {
                    AuditFiles.Line last = AuditFiles.parseRecord(line);
                    // a file's numbers start at its name, and the next one must be new: no planted line may have the
                    // next file's name be one that exists, nor the numbers overflow
                    checkState(last.sequence() >= segments.lastKey() && last.sequence() < Long.MAX_VALUE, "The last record of audit file %s has sequence number %s, outside that file's " +
                            "numbers: it was edited or planted. Keep a copy of the file for the audit, delete that line, and start again", segments.lastEntry().getValue(), last.sequence());
                    written = new Written(last.sequence(), last.mac(), 0, 0);
                    log.info("Audit journal %s: %s files, last sequence %s", directory, segments.size(), last.sequence());
                    return;
                }
                Files.delete(segments.pollLastEntry().getValue());
            }
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot recover audit journal " + directory, e);
        }
    }

    private boolean isRecord(byte[] line)
    {
        // cutting them as not-records would delete them
        checkState(!OTHER_VERSION.matcher(new String(line, 0, Math.min(line.length, 30), ISO_8859_1)).lookingAt(), "Audit journal %s (audit.journal.directory) holds records of " +
                "another schema version, written by another version of the listener. Let that version deliver them (a clean shutdown with the sinks up), or move the directory away", directory);
        return AuditFiles.parseRecord(line) != null;
    }

    // returns the record's sequence number, or -1 if it was dropped
    public synchronized long append(byte[] body)
    {
        checkArgument(body.length >= 3 && body[0] == '{' && body[body.length - 1] == '}', "record body is not a non-empty JSON object");
        if (closed || body.length > AuditFiles.MAX_LINE - 256) {
            recordsDropped.incrementAndGet();
            logError(closed ? "Audit journal %s is closed; record dropped" : "Audit journal %s: a record of %s bytes is beyond what its readers take (64 MiB); record dropped", directory, body.length);
            return -1;
        }
        long sequence = written.sequence() + 1;
        byte[] header = AuditFiles.header(sequence, key.keyId(), written.hash());
        mac.update(header);
        mac.update(body, 1, body.length - 2);
        mac.update((byte) '}');
        String hash = HexFormat.of().formatHex(mac.doFinal());
        byte[] suffix = AuditFiles.suffix(AuditFiles.HASH_FIELD, hash);
        long length = header.length + body.length - 2 + suffix.length;
        // A cancelled query's thread may carry an interrupt: FileChannel would close on it and lose the record.
        boolean interrupted = Thread.interrupted();
        try {
            for (int attempt = 1; ; attempt++) {
                try {
                    if (active != null && !active.isOpen()) {
                        reopenActive();
                    }
                    if (active == null || activeSize + length > segmentSize && activeSize > 0) {
                        retireActive();
                        // a file of that name holds at most a failed attempt at this very record
                        Path path = directory.resolve("audit-%020d.jsonl".formatted(sequence));
                        active = AuditFiles.open(path, TRUNCATE_EXISTING);
                        activePath = path;
                        segments.put(sequence, path);
                        activeStart = sequence;
                        activeSize = 0;
                    }
                    AuditFiles.writeFully(active, ByteBuffer.wrap(header), ByteBuffer.wrap(body, 1, body.length - 2), ByteBuffer.wrap(suffix));
                    break;
                }
                catch (ClosedChannelException e) {
                    // An interrupt arrived during the write (or an fsync, or the cut-back): again on a new channel. A
                    // cancelled query must not be a way to drop its record.
                    interrupted |= Thread.interrupted();
                    if (attempt == 3) {
                        throw e;
                    }
                }
            }
            activeSize += length;
            recordsWritten.incrementAndGet();
            if (fsyncPolicy == FsyncPolicy.EVERY_RECORD) {
                force(active);
            }
            written = new Written(sequence, hash, activeStart, activeSize);
            return sequence;
        }
        catch (IOException | RuntimeException e) {
            recordsDropped.incrementAndGet();
            logError("Cannot write audit journal %s: %s. Audit record DROPPED (see RecordsDropped); free disk space or fix the directory", directory, e);
            interrupted |= Thread.interrupted();
            try {
                // never leave part of a record behind
                if (active != null) {
                    reopenActive();
                }
            }
            catch (IOException | RuntimeException cutFailure) {
                // give the file up: readers stop at its last newline; the record, maybe whole in it, keeps its number
                retireActive();
                written = new Written(sequence, hash, activeStart, activeSize + length);
            }
            return -1;
        }
        finally {
            if (interrupted || interruptedMeanwhile) {
                interruptedMeanwhile = false;
                Thread.currentThread().interrupt();
            }
        }
    }

    // The current file cut back to its last record, on its channel or, if an interrupt closed that, a new one. Only
    // an I/O error fails it: an interrupt may close a channel after a write completed, so the record may be whole.
    private void reopenActive()
            throws IOException
    {
        for (int attempt = 1; ; attempt++) {
            try {
                if (!active.isOpen()) {
                    active = AuditFiles.open(activePath);
                }
                active.truncate(activeSize);
                active.position(activeSize);
                return;
            }
            catch (ClosedChannelException e) {
                interruptedMeanwhile |= Thread.interrupted();
                if (attempt == 5) {
                    throw e;
                }
            }
        }
    }

    // INTERVAL's fsync, off Trino's threads; returns the head written before it, which is on the disk unless NONE
    Written force()
    {
        Written head = written;
        FileChannel current = active;
        if (current != null && fsyncPolicy == FsyncPolicy.INTERVAL) {
            force(current);
        }
        return head;
    }

    // a rolled or given-up file: forced (at most one fsync interval of writes) and closed
    private void retireActive()
    {
        if (active == null) {
            return;
        }
        if (fsyncPolicy == FsyncPolicy.INTERVAL) {
            force(active);
        }
        try {
            active.close();
        }
        catch (IOException e) {
            log.warn("Cannot close a finished audit file in %s: %s", directory, e);
        }
        active = null;
    }

    private void force(FileChannel channel)
    {
        try {
            channel.force(false);
        }
        catch (ClosedByInterruptException e) {
            // an interrupted EVERY_RECORD fsync: the next write reopens the file
            fsyncFailures.incrementAndGet();
            logError("Cannot fsync audit journal %s: the thread was interrupted", directory);
        }
        catch (ClosedChannelException e) {
            // rolled meanwhile, and forced then
        }
        catch (IOException | RuntimeException e) {
            // written (a killed process keeps it), only not known to be on the disk
            fsyncFailures.incrementAndGet();
            logError("Cannot fsync audit journal %s: %s", directory, e);
        }
    }

    Written written()
    {
        return written;
    }

    AuditKey key()
    {
        return key;
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
        return written.sequence();
    }

    @Managed(description = "Records written to the journal")
    public long getRecordsWritten()
    {
        return recordsWritten.get();
    }

    @Managed(description = "Records dropped: the journal could not be written (full disk, unwritable directory) or was closed, or the event could not be serialized")
    public long getRecordsDropped()
    {
        return recordsDropped.get();
    }

    // an event that could not be made a record (see the server log): lost like one the disk refused
    void recordDropped()
    {
        recordsDropped.incrementAndGet();
    }

    @Managed(description = "Failed journal fsyncs")
    public long getFsyncFailures()
    {
        return fsyncFailures.get();
    }

    // retention: the oldest files beyond audit.journal.max-files once PostgreSQL has them; never the newest (the chain)
    void deleteOldSegments(long deliveredUpToSequence)
    {
        while (segments.size() > maxSegments) {
            Path oldest = segments.firstEntry().getValue();
            // every record of the oldest file is below the next file's first sequence
            long next = segments.higherKey(segments.firstKey());
            if (next - 1 > deliveredUpToSequence || next > written.sequence()) {
                return;
            }
            try {
                Files.deleteIfExists(oldest);
                segments.pollFirstEntry();
            }
            catch (IOException e) {
                log.error("Cannot delete audit file %s for retention (audit.journal.max-files): %s", oldest, e);
                return;
            }
        }
    }

    @Override
    public synchronized void close()
    {
        if (closed) {
            return;
        }
        retireActive();
        closed = true;
        try {
            lock.close();
        }
        catch (IOException e) {
            log.warn("Cannot release the lock of audit journal %s: %s", directory, e);
        }
    }

    private void logError(String message, Object... args)
    {
        if (errorLog.tryAcquire()) {
            log.error(message, args);
        }
    }
}
