package dev.trinobundle.eventlistener;

import com.google.inject.Inject;
import io.airlift.log.Logger;
import io.trino.spi.eventlistener.EventListener;
import io.trino.spi.eventlistener.QueryCompletedEvent;
import io.trino.spi.eventlistener.QueryCreatedEvent;
import org.weakref.jmx.MBeanExporter;
import org.weakref.jmx.Managed;

import javax.management.ObjectName;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * Trino calls this synchronously on its dispatcher threads, so a callback only serializes the event and appends it to
 * the audit log (a MAC and a page-cache write); PostgreSQL is fed by {@link AuditDelivery} in the background.
 * Callbacks never throw into Trino.
 */
public final class AuditEventListener
        implements EventListener
{
    private static final Logger log = Logger.get(AuditEventListener.class);

    private final AuditRecordSerializer serializer;
    private final AuditJournal journal;
    private final AuditDelivery delivery;
    private final MBeanExporter exporter;
    // how long shutdown waits for the sinks; what is left stays in the journal for the next start
    private static final long SHUTDOWN_TIMEOUT_MILLIS = 10_000;
    private final List<ObjectName> exportedNames = new ArrayList<>();
    private final AtomicLong eventFailures = new AtomicLong();

    @Inject
    public AuditEventListener(AuditRecordSerializer serializer, AuditJournal journal, AuditDelivery delivery, Checkpoints checkpoints, MBeanExporter exporter)
    {
        this.serializer = requireNonNull(serializer, "serializer is null");
        this.journal = requireNonNull(journal, "journal is null");
        this.delivery = requireNonNull(delivery, "delivery is null");
        this.exporter = requireNonNull(exporter, "exporter is null");
        export("AuditEventListener", this);
        export("AuditJournal", journal);
        export("AuditCheckpoints", checkpoints);
        delivery.shipper().ifPresent(shipper -> export("AuditSink,sink=postgresql", shipper));
        try {
            delivery.start();
        }
        catch (RuntimeException e) {
            shutdown();
            throw e;
        }
    }

    private void export(String type, Object object)
    {
        // Keyed by journal directory: several audit listeners (one per journal) can run in one server.
        try {
            ObjectName name = new ObjectName("dev.trinobundle.eventlistener:type=" + type + ",journal=" + ObjectName.quote(journal.getDirectory().toString()));
            exporter.export(name, object);
            exportedNames.add(name);
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
            // No wake-up of the shippers here: an unpark is a futex syscall per query. They poll the journal instead.
            journal.append(record.get());
        }
        catch (Throwable t) {
            eventFailures.incrementAndGet();
            log.error(t, "Cannot record audit event '%s' of query %s", kind, queryId);
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
        delivery.stop(SHUTDOWN_TIMEOUT_MILLIS);
        journal.close();
        for (ObjectName name : exportedNames) {
            try {
                exporter.unexport(name);
            }
            catch (Exception e) {
                log.debug("Cannot unexport %s: %s", name, e);
            }
        }
        exportedNames.clear();
    }
}
