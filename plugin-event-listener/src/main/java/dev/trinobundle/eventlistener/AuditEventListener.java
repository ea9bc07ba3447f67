package dev.trinobundle.eventlistener;

import com.google.inject.Inject;
import io.airlift.log.Logger;
import io.trino.spi.eventlistener.EventListener;
import io.trino.spi.eventlistener.QueryCompletedEvent;
import io.trino.spi.eventlistener.QueryCreatedEvent;
import org.weakref.jmx.MBeanExporter;
import org.weakref.jmx.Managed;

import javax.management.ObjectName;

import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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

    private final AuditRecordSerializer serializer;
    private final AuditJournal journal;
    private final Checkpoints checkpoints;
    private final Optional<SinkShipper> shipper;
    private final long checkpointIntervalNanos;
    private final MBeanExporter exporter;
    private final ScheduledExecutorService background = newScheduledThreadPool(2, daemonThreadsNamed("audit-background-%s"));
    private final AtomicLong eventFailures = new AtomicLong();
    private long lastCheckpointNanos;

    @Inject
    public AuditEventListener(AuditEventListenerConfig config, AuditRecordSerializer serializer, AuditJournal journal, Checkpoints checkpoints,
            Optional<PostgresqlAuditSink> postgresql, MBeanExporter exporter)
    {
        this.serializer = requireNonNull(serializer, "serializer is null");
        this.journal = requireNonNull(journal, "journal is null");
        this.checkpoints = requireNonNull(checkpoints, "checkpoints is null");
        this.shipper = postgresql.map(sink -> new SinkShipper(journal, sink, checkpoints));
        this.checkpointIntervalNanos = config.getCheckpointInterval().roundTo(TimeUnit.NANOSECONDS);
        this.exporter = requireNonNull(exporter, "exporter is null");
        export("AuditEventListener", this);
        export("AuditJournal", journal);
        export("AuditCheckpoints", checkpoints);
        shipper.ifPresent(shipper -> export("AuditSink,sink=postgresql", shipper));
        shipper.ifPresent(shipper -> background.scheduleWithFixedDelay(shipper::ship, 0, SHIP_INTERVAL_MILLIS, MILLISECONDS));
        long interval = config.getFsyncInterval().toMillis();
        background.scheduleWithFixedDelay(this::maintain, interval, interval, MILLISECONDS);
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
            eventFailures.incrementAndGet();
            log.error(t, "Cannot record audit event '%s' of query %s", kind, queryId);
        }
    }

    private void maintain()
    {
        try {
            AuditJournal.Written head = journal.force();
            if (System.nanoTime() - lastCheckpointNanos >= checkpointIntervalNanos) {
                checkpoints.checkpoint(head);
                lastCheckpointNanos = System.nanoTime();
            }
            journal.deleteOldSegments(shipper.map(SinkShipper::getCommittedSequence).orElse(Long.MAX_VALUE));
        }
        catch (Throwable t) {
            log.error(t, "Audit journal maintenance failed for %s", journal.getDirectory());
        }
    }

    @Managed(description = "Events that could not be turned into a record (see the server log)")
    public long getEventFailures()
    {
        return eventFailures.get();
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
