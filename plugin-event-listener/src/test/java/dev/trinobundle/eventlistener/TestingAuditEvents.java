package dev.trinobundle.eventlistener;

import io.trino.spi.eventlistener.QueryCompletedEvent;
import io.trino.spi.eventlistener.QueryCreatedEvent;

import java.util.List;

/**
 * The audit listener's test helpers; the events themselves come from {@link dev.trinobundle.testing.QueryEvents}.
 */
final class TestingAuditEvents
{
    private TestingAuditEvents() {}

    static long append(AuditJournal journal, byte[] body)
    {
        return journal.append(body);
    }

    static byte[] serialize(AuditRecordSerializer serializer, QueryCompletedEvent event)
    {
        return serializer.write(event);
    }

    static byte[] serialize(AuditRecordSerializer serializer, QueryCreatedEvent event)
    {
        return serializer.write(event);
    }

    static AuditLogVerifier.Result verify(java.nio.file.Path path)
            throws java.io.IOException
    {
        return AuditLogVerifier.verify(path, new AuditLogVerifier.Options(List.of(), List.of(), 1));
    }
}
