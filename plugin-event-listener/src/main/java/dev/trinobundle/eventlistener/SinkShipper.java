package dev.trinobundle.eventlistener;

import com.google.common.util.concurrent.RateLimiter;
import dev.trinobundle.eventlistener.AuditFiles.Line;
import dev.trinobundle.eventlistener.AuditFiles.LineReader;
import io.airlift.log.Logger;
import org.weakref.jmx.Managed;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import static com.google.common.base.Preconditions.checkArgument;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static java.util.Objects.requireNonNull;

/**
 * Ships the audit log's records to PostgreSQL in order and commits the last one delivered to
 * {@code <journal>/sink-postgresql.offset}. A record the database refuses for its data {@value #RECORD_ERROR_ATTEMPTS}
 * times goes to {@code <journal>/dead-letter-postgresql.jsonl}. Logs and JMX never show record content.
 */
public final class SinkShipper
{
    private static final Logger log = Logger.get(SinkShipper.class);
    private static final long RETRY_DELAY_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final int BATCH_SIZE = 500;
    // a crash redelivers at most this much, which the database skips
    private static final long COMMIT_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
    static final int RECORD_ERROR_ATTEMPTS = 3;

    private final AuditJournal journal;
    private final PostgresqlAuditSink sink;
    private final Checkpoints checkpoints;
    private final Path offsetFile;
    private final Path deadLetterFile;
    private final JournalReader reader;

    private final AtomicLong failedDeliveries = new AtomicLong();
    private final AtomicLong deadLetterRecords = new AtomicLong();
    // at once, then at most every 30 s: the counters keep the full count
    private final RateLimiter failureLog = RateLimiter.create(1 / 30.0);
    private final RateLimiter checkpointFailureLog = RateLimiter.create(1 / 30.0);
    private volatile long committedSequence;
    private volatile String lastError;
    private volatile long stopDeadlineNanos = System.nanoTime() + Long.MAX_VALUE / 2;
    // guarded by this
    private long acknowledgedSequence;
    private List<Line> batch = List.of();
    private int recordErrors;
    private long storedCheckpoint;
    private long committedNanos;
    private long failedNanos;

    SinkShipper(AuditJournal journal, PostgresqlAuditSink sink, Checkpoints checkpoints)
    {
        this.journal = requireNonNull(journal, "journal is null");
        this.sink = requireNonNull(sink, "sink is null");
        this.checkpoints = requireNonNull(checkpoints, "checkpoints is null");
        this.offsetFile = journal.getDirectory().resolve("sink-postgresql.offset");
        this.deadLetterFile = journal.getDirectory().resolve("dead-letter-postgresql.jsonl");
        try {
            // not through a link, nor a FIFO that would hang the start
            checkArgument(!Files.exists(offsetFile, NOFOLLOW_LINKS) || Files.isRegularFile(offsetFile, NOFOLLOW_LINKS), "not a regular file");
            committedSequence = Files.exists(offsetFile) ? Long.parseLong(Files.readString(offsetFile, US_ASCII).trim()) : 0;
            checkArgument(committedSequence >= 0, "negative");
        }
        catch (IOException | IllegalArgumentException e) {
            committedSequence = 0;
            // records delivered again are skipped by the database
            log.warn("Cannot read audit sink offset %s (%s); delivering the whole journal to PostgreSQL again", offsetFile, e);
        }
        long journalEnd = journal.getLastWrittenSequence();
        if (committedSequence > journalEnd) {
            // a crash took the newest records after PostgreSQL had them: their numbers are given again, to new hashes
            log.error("Audit sink postgresql offset %s says record %s was delivered, but the audit log ends at record %s (lost in a crash before it reached the disk, or the file was edited); delivering from %s",
                    offsetFile, committedSequence, journalEnd, journalEnd + 1);
            committedSequence = journalEnd;
        }
        acknowledgedSequence = committedSequence;
        reader = new JournalReader(journal, committedSequence + 1);
    }

    // delivers and commits what the journal holds beyond the last delivered record; returns whether that is all of it
    synchronized boolean ship()
    {
        if (failedNanos != 0 && System.nanoTime() - failedNanos < RETRY_DELAY_NANOS) {
            return false;
        }
        try {
            while (System.nanoTime() - stopDeadlineNanos < 0) {
                batch = batch.isEmpty() ? reader.read(BATCH_SIZE) : batch;
                if (batch.isEmpty()) {
                    commit();
                    // after the records it names (caught up, so delivered), and best effort: a table that refuses it
                    // (no grant, no table) must not stop the records
                    Checkpoints.Checkpoint checkpoint = checkpoints.latest().orElse(null);
                    if (checkpoint != null && checkpoint.sequence() != storedCheckpoint) {
                        try {
                            sink.storeCheckpoint(checkpoint);
                            storedCheckpoint = checkpoint.sequence();
                        }
                        catch (Exception e) {
                            if (checkpointFailureLog.tryAcquire()) {
                                log.error("Audit sink postgresql cannot store checkpoint %s: %s; records are still delivered", checkpoint.sequence(), sink.describe(e));
                            }
                        }
                    }
                    return true;
                }
                if (recordErrors >= RECORD_ERROR_ATTEMPTS) {
                    deliverOneByOne(batch);
                }
                else {
                    sink.deliver(batch);
                    acknowledge(batch.getLast().sequence());
                }
                batch = List.of();
                recordErrors = 0;
                failedNanos = 0;
                if (lastError != null) {
                    log.info("Audit sink postgresql recovered; delivering again");
                    lastError = null;
                }
            }
            return false;
        }
        catch (VirtualMachineError e) {
            throw e;
        }
        catch (Throwable e) {
            failedDeliveries.incrementAndGet();
            failedNanos = System.nanoTime();
            recordErrors += sink.isRecordError(e) ? 1 : 0;
            // the sink describes its own failures (only it knows which messages hold no record content); an
            // IOException is the journal's or the shipper's own files (a full disk), which hold none
            lastError = e instanceof IOException ? e.toString() : sink.describe(e);
            if (failureLog.tryAcquire()) {
                log.error("Audit sink postgresql failed: %s. %s records are waiting in the journal %s and will be delivered when the database is back",
                        lastError, getPendingRecords(), journal.getDirectory());
            }
            return false;
        }
    }

    // after a batch failed for its data again and again: only what the database refuses alone is a dead letter
    private void deliverOneByOne(List<Line> batch)
            throws Exception
    {
        for (Line record : batch) {
            if (record.sequence() <= acknowledgedSequence) {
                continue;
            }
            try {
                sink.deliver(List.of(record));
            }
            catch (Exception e) {
                if (!sink.isRecordError(e)) {
                    throw e;
                }
                AuditFiles.appendLine(deadLetterFile, record.line());
                deadLetterRecords.incrementAndGet();
                log.error("Audit sink postgresql refused record %s for its data (%s) %s times; it is in the dead-letter file %s, and delivery goes on",
                        record.sequence(), sink.describe(e), RECORD_ERROR_ATTEMPTS, deadLetterFile);
            }
            acknowledge(record.sequence());
        }
    }

    private void acknowledge(long sequence)
            throws IOException
    {
        acknowledgedSequence = sequence;
        if (System.nanoTime() - committedNanos >= COMMIT_INTERVAL_NANOS) {
            commit();
        }
    }

    private void commit()
            throws IOException
    {
        if (acknowledgedSequence > committedSequence) {
            try {
                AuditFiles.replace(offsetFile, Long.toString(acknowledgedSequence).getBytes(US_ASCII));
            }
            catch (IOException e) {
                // said as such: not the database
                throw new IOException("cannot write the offset file %s (%s)".formatted(offsetFile, e.getMessage()), e);
            }
            committedSequence = acknowledgedSequence;
        }
        committedNanos = System.nanoTime();
    }

    // ships until the deadline (the rest stays in the journal), then closes; a background run stops at it between batches
    void close(long deadlineNanos)
    {
        stopDeadlineNanos = deadlineNanos;
        synchronized (this) {
            while (!ship() && System.nanoTime() - deadlineNanos < 0) {
                LockSupport.parkNanos(Math.min(RETRY_DELAY_NANOS, deadlineNanos - System.nanoTime()));
            }
            if (getPendingRecords() > 0) {
                log.warn("Audit sink postgresql: %s records not delivered at shutdown stay in the journal %s and are delivered after the next start", getPendingRecords(), journal.getDirectory());
            }
            try (JournalReader closingReader = reader; PostgresqlAuditSink closingSink = sink) {
                commit();
            }
            catch (IOException e) {
                log.warn("Audit sink postgresql: cannot write its offset %s at stop (%s); its last records are delivered again at the next start, and skipped", offsetFile, e);
            }
        }
    }

    @Managed(description = "Sequence number of the last record PostgreSQL has acknowledged")
    public long getCommittedSequence()
    {
        return committedSequence;
    }

    @Managed(description = "Records in the journal not yet delivered to PostgreSQL")
    public long getPendingRecords()
    {
        return Math.max(0, journal.getLastWrittenSequence() - committedSequence);
    }

    @Managed(description = "Failed delivery attempts (each is retried)")
    public long getFailedDeliveries()
    {
        return failedDeliveries.get();
    }

    @Managed(description = "Records PostgreSQL refused for their data, written to the dead-letter file in the journal directory")
    public long getDeadLetterRecords()
    {
        return deadLetterRecords.get();
    }

    @Managed(description = "Last delivery error (never record content), null while the sink is healthy")
    public String getLastError()
    {
        return lastError;
    }

    // the journal's cursor; skips a line that is not a record (no number to deliver under), leaves gaps to the verifier
    static final class JournalReader
            implements Closeable
    {
        private final AuditJournal journal;
        private long nextSequence;
        private long segmentStart = -1;
        private LineReader lines;

        JournalReader(AuditJournal journal, long firstSequence)
        {
            this.journal = requireNonNull(journal, "journal is null");
            this.nextSequence = firstSequence;
        }

        List<Line> read(int maxRecords)
                throws IOException
        {
            List<Line> records = new ArrayList<>();
            while (records.size() < maxRecords && (lines != null || openSegmentContaining(nextSequence))) {
                // both looked up before the read: never past the last acknowledged write, and a newer file means this
                // one was complete before the read began
                AuditJournal.Written written = journal.written();
                Map.Entry<Long, Path> newer = journal.segments().higherEntry(segmentStart);
                byte[] line = lines.next(segmentStart == written.segment() ? written.end() : Long.MAX_VALUE);
                if (line == null) {
                    // the end of a finished file (a torn tail, after a failed write, has no newline): on to the next
                    if (newer == null || segmentStart == written.segment()) {
                        break;
                    }
                    nextSequence = Math.max(nextSequence, newer.getKey());
                    close();
                    continue;
                }
                Line record = AuditFiles.parseRecord(line);
                if (record == null || !journal.key().signed(record)) {
                    // a line planted by someone who may write the directory, not a record of this listener's key
                    log.error("Audit journal %s: a line after record %s in file %s is not a record MACed with the listener's key; not delivered", journal.getDirectory(), nextSequence - 1, segmentStart);
                }
                else if (record.sequence() >= nextSequence) {
                    nextSequence = record.sequence() + 1;
                    records.add(record);
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
            try (LineReader closing = lines) {
                lines = null;
            }
        }
    }
}
