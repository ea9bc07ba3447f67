package dev.trinobundle.eventlistener;

import io.airlift.log.Logger;

import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static io.airlift.concurrent.Threads.daemonThreadsNamed;
import static java.util.Objects.requireNonNull;
import static java.util.concurrent.Executors.newSingleThreadScheduledExecutor;

/**
 * Background side of the listener: the PostgreSQL {@link SinkShipper}, if enabled, and a maintenance task that fsyncs
 * the journal ({@link FsyncPolicy#INTERVAL}), writes checkpoints and applies retention.
 */
public final class AuditDelivery
{
    private static final Logger log = Logger.get(AuditDelivery.class);

    private final AuditJournal journal;
    private final Optional<SinkShipper> shipper;
    private final FsyncPolicy fsyncPolicy;
    private final Checkpoints checkpoints;
    private final long checkpointIntervalNanos;
    private final long maintenanceIntervalMillis;
    private final ScheduledExecutorService maintenance = newSingleThreadScheduledExecutor(daemonThreadsNamed("audit-journal-maintenance"));
    private long lastCheckpointNanos;

    public AuditDelivery(AuditJournal journal, Optional<PostgresqlAuditSink> sink, Checkpoints checkpoints, long checkpointIntervalMillis, FsyncPolicy fsyncPolicy, long maintenanceIntervalMillis)
    {
        this.journal = requireNonNull(journal, "journal is null");
        this.fsyncPolicy = requireNonNull(fsyncPolicy, "fsyncPolicy is null");
        this.checkpoints = requireNonNull(checkpoints, "checkpoints is null");
        this.checkpointIntervalNanos = TimeUnit.MILLISECONDS.toNanos(checkpointIntervalMillis);
        this.maintenanceIntervalMillis = maintenanceIntervalMillis;
        this.shipper = sink.map(postgresql -> new SinkShipper(journal, postgresql, checkpoints));
    }

    public void start()
    {
        shipper.ifPresent(SinkShipper::start);
        maintenance.scheduleWithFixedDelay(this::maintain, maintenanceIntervalMillis, maintenanceIntervalMillis, TimeUnit.MILLISECONDS);
    }

    private void maintain()
    {
        try {
            // taken before the fsync: a checkpoint names only records that are on the disk
            AuditJournal.Written head = journal.written();
            journal.force(fsyncPolicy == FsyncPolicy.INTERVAL);
            long now = System.nanoTime();
            if (now - lastCheckpointNanos >= checkpointIntervalNanos) {
                checkpoints.checkpoint(head);
                lastCheckpointNanos = now;
            }
            journal.deleteOldSegments(delivered());
        }
        catch (Throwable t) {
            log.error(t, "Audit journal maintenance failed for %s", journal.getDirectory());
        }
    }

    private long delivered()
    {
        return shipper.map(SinkShipper::getCommittedSequence).orElse(Long.MAX_VALUE);
    }

    Optional<SinkShipper> shipper()
    {
        return shipper;
    }

    /**
     * Drains what PostgreSQL accepts within the timeout and stops; the rest is delivered after the next start.
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
        AuditJournal.Written head = journal.written();
        journal.force(fsyncPolicy != FsyncPolicy.NONE);
        checkpoints.checkpoint(head);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        shipper.ifPresent(shipper -> {
            shipper.stop(deadline);
            if (shipper.getPendingRecords() > 0) {
                log.warn("Audit sink postgresql: %s records not delivered at shutdown stay in the journal %s and are delivered at the next start",
                        shipper.getPendingRecords(), journal.getDirectory());
            }
        });
        journal.deleteOldSegments(delivered());
    }
}
