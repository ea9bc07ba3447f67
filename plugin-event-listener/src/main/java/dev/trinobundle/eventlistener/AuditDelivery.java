package dev.trinobundle.eventlistener;

import com.google.common.collect.ImmutableList;
import io.airlift.log.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static io.airlift.concurrent.Threads.daemonThreadsNamed;
import static java.util.Objects.requireNonNull;
import static java.util.concurrent.Executors.newSingleThreadScheduledExecutor;

/**
 * Background side of the listener: one {@link SinkShipper} per sink, and a maintenance task that fsyncs the journal
 * ({@link FsyncPolicy#INTERVAL}), writes checkpoints and deletes the segments every sink has.
 */
public final class AuditDelivery
{
    private static final Logger log = Logger.get(AuditDelivery.class);

    private final AuditJournal journal;
    private final List<SinkShipper> shippers;
    private final FsyncPolicy fsyncPolicy;
    private final Checkpoints checkpoints;
    private final long checkpointIntervalNanos;
    private final long maintenanceIntervalMillis;
    private final ScheduledExecutorService maintenance = newSingleThreadScheduledExecutor(daemonThreadsNamed("audit-journal-maintenance"));
    private long lastCheckpointNanos;

    public AuditDelivery(AuditJournal journal, List<AuditSink> sinks, Checkpoints checkpoints, long checkpointIntervalMillis, FsyncPolicy fsyncPolicy, long maintenanceIntervalMillis)
    {
        this.journal = requireNonNull(journal, "journal is null");
        this.fsyncPolicy = requireNonNull(fsyncPolicy, "fsyncPolicy is null");
        this.checkpoints = requireNonNull(checkpoints, "checkpoints is null");
        this.checkpointIntervalNanos = TimeUnit.MILLISECONDS.toNanos(checkpointIntervalMillis);
        this.maintenanceIntervalMillis = maintenanceIntervalMillis;
        this.shippers = sinks.stream()
                .map(sink -> new SinkShipper(journal, sink, checkpoints))
                .collect(ImmutableList.toImmutableList());
    }

    public void start()
    {
        // numbers a sink already holds are never given to new records, even if the journal lost them in a crash
        long journalEnd = journal.getLastWrittenSequence();
        journal.continueAfter(shippers.stream().mapToLong(shipper -> shipper.highestKnownSequence(journalEnd)).max().orElse(0));
        shippers.forEach(SinkShipper::start);
        maintenance.scheduleWithFixedDelay(this::maintain, maintenanceIntervalMillis, maintenanceIntervalMillis, TimeUnit.MILLISECONDS);
    }

    private void maintain()
    {
        try {
            // taken before the fsync: a checkpoint names only records that are on the disk
            Checkpoints.Head head = journal.head();
            journal.force(fsyncPolicy == FsyncPolicy.INTERVAL);
            long now = System.nanoTime();
            if (now - lastCheckpointNanos >= checkpointIntervalNanos) {
                checkpoints.checkpoint(head);
                lastCheckpointNanos = now;
            }
            deleteDeliveredSegments(journal, committedByAllSinks());
        }
        catch (Throwable t) {
            log.error(t, "Audit journal maintenance failed for %s", journal.getDirectory());
        }
    }

    private long committedByAllSinks()
    {
        return shippers.stream().mapToLong(SinkShipper::getCommittedSequence).min().orElse(0);
    }

    /**
     * Deletes the journal segments whose records every sink has; the newest stays, the chain continues from it.
     */
    static void deleteDeliveredSegments(AuditJournal journal, long deliveredUpToSequence)
    {
        NavigableMap<Long, Path> segments = journal.segments();
        while (true) {
            Map.Entry<Long, Path> oldest = segments.firstEntry();
            Map.Entry<Long, Path> next = oldest == null ? null : segments.higherEntry(oldest.getKey());
            // every record of "oldest" is below next's first sequence
            if (next == null || next.getKey() - 1 > deliveredUpToSequence || next.getKey() > journal.getLastWrittenSequence()) {
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

    List<SinkShipper> shippers()
    {
        return shippers;
    }

    /**
     * Drains what the sinks accept within the timeout and stops; the rest stays in the journal for the next start.
     */
    public void stop(long timeoutMillis)
    {
        // no interrupt: it would close the journal's channel under a force
        maintenance.shutdown();
        try {
            maintenance.awaitTermination(timeoutMillis, TimeUnit.MILLISECONDS);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Checkpoints.Head head = journal.head();
        journal.force(fsyncPolicy != FsyncPolicy.NONE);
        checkpoints.checkpoint(head);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        // all are told first, so that a sink that is down does not eat the time of the others
        shippers.forEach(shipper -> shipper.stop(deadline));
        shippers.forEach(shipper -> shipper.awaitStop(deadline));
        deleteDeliveredSegments(journal, committedByAllSinks());
        for (SinkShipper shipper : shippers) {
            if (shipper.getPendingRecords() > 0) {
                log.warn("Audit sink %s: %s records not delivered at shutdown stay in the journal %s and are delivered at the next start",
                        shipper.name(), shipper.getPendingRecords(), journal.getDirectory());
            }
        }
    }
}
