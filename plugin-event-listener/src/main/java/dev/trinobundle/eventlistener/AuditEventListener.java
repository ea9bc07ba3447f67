package dev.trinobundle.eventlistener;

import com.google.inject.Inject;
import io.airlift.log.Logger;
import io.trino.spi.eventlistener.EventListener;
import io.trino.spi.eventlistener.QueryCompletedEvent;
import io.trino.spi.eventlistener.QueryCreatedEvent;
import org.weakref.jmx.MBeanExporter;

import javax.management.ObjectName;

import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;

import static io.airlift.concurrent.Threads.daemonThreadsNamed;
import static java.util.Objects.requireNonNull;
import static java.util.concurrent.Executors.newScheduledThreadPool;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.NANOSECONDS;

/**
 * A callback, on Trino's dispatcher thread, only appends the record to the audit log and never throws. Two background
 * threads (a slow database must not hold the fsync back): the {@link SinkShipper}; fsync, checkpoints, retention.
 */
public final class AuditEventListener
        implements EventListener
{
    private static final Logger log = Logger.get(AuditEventListener.class);
    // how long shutdown waits for PostgreSQL; what is left is delivered after the next start
    private static final long SHUTDOWN_TIMEOUT_MILLIS = 10_000;
    // the delivery latency to PostgreSQL; no wake-up per record (an unpark is a futex syscall per query)
    private static final long SHIP_INTERVAL_MILLIS = 200;
    // INTERVAL's fsync period (as Redis' everysec), and the checkpoints': a truncated tail shows up to the last second.
    // Only after new records: at most one checkpoint line (about 230 bytes) per record.
    private static final long MAINTENANCE_INTERVAL_MILLIS = 1000;

    private final AuditRecordSerializer serializer;
    private final AuditJournal journal;
    private final Checkpoints checkpoints;
    private final Optional<SinkShipper> shipper;
    private final MBeanExporter exporter;
    private final ScheduledExecutorService background = newScheduledThreadPool(2, daemonThreadsNamed("audit-background-%s"));

    @Inject
    public AuditEventListener(AuditRecordSerializer serializer, AuditJournal journal, Checkpoints checkpoints,
            Optional<PostgresqlAuditSink> postgresql, MBeanExporter exporter)
    {
        this.serializer = requireNonNull(serializer, "serializer is null");
        this.journal = requireNonNull(journal, "journal is null");
        this.checkpoints = requireNonNull(checkpoints, "checkpoints is null");
        this.shipper = postgresql.map(sink -> new SinkShipper(journal, sink, checkpoints));
        this.exporter = requireNonNull(exporter, "exporter is null");
        export("AuditJournal", journal);
        export("AuditCheckpoints", checkpoints);
        shipper.ifPresent(shipper -> export("AuditSink,sink=postgresql", shipper));
        shipper.ifPresent(shipper -> background.scheduleWithFixedDelay(shipper::ship, 0, SHIP_INTERVAL_MILLIS, MILLISECONDS));
        background.scheduleWithFixedDelay(this::maintain, MAINTENANCE_INTERVAL_MILLIS, MAINTENANCE_INTERVAL_MILLIS, MILLISECONDS);
    }

    private void export(String type, Object object)
    {
        // Keyed by journal directory: several audit listeners (one per journal) can run in one server.
        try {
            exporter.export(new ObjectName("dev.trinobundle.eventlistener:type=" + type + ",journal=" + ObjectName.quote(journal.getDirectory().toString())), object);
        }
        catch (Exception e) {
            log.warn("Cannot export JMX bean %s for audit journal %s: %s", type, journal.getDirectory(), e);
        }
    }

    @Override
    public void queryCreated(QueryCreatedEvent event)
    {
        append("created", event.getMetadata().getQueryId(), () -> serializer.write(event));
    }

    @Override
    public void queryCompleted(QueryCompletedEvent event)
    {
        append("completed", event.getMetadata().getQueryId(), () -> serializer.write(event));
    }

    private void append(String kind, String queryId, Supplier<byte[]> record)
    {
        try {
            journal.append(record.get());
        }
        catch (Throwable t) {
            journal.recordDropped();
            log.error(t, "Cannot record audit event '%s' of query %s", kind, queryId);
        }
    }

    private void maintain()
    {
        try {
            // a checkpoint names only what is on the disk; none without new records
            checkpoints.checkpoint(journal.force());
            journal.deleteOldSegments(shipper.map(SinkShipper::getCommittedSequence).orElse(Long.MAX_VALUE));
        }
        catch (Throwable t) {
            log.error(t, "Audit journal maintenance failed for %s", journal.getDirectory());
        }
    }

    @Override
    public void shutdown()
    {
        long deadline = System.nanoTime() + MILLISECONDS.toNanos(SHUTDOWN_TIMEOUT_MILLIS);
        // no interrupt: it would close the journal's channel under a force
        background.shutdown();
        checkpoints.checkpoint(journal.force());
        // stops a delivery in progress at the deadline, then delivers until it, the last checkpoint included
        shipper.ifPresent(shipper -> shipper.close(deadline));
        try {
            background.awaitTermination(Math.max(0, deadline - System.nanoTime()), NANOSECONDS);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        journal.close();
        // the module gives every listener its own exporter: these are this listener's beans only
        exporter.unexportAllAndReportMissing().forEach((name, e) -> log.debug("Cannot unexport %s: %s", name, e));
    }
}
