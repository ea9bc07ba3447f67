package dev.trinobundle.eventlistener;

import io.trino.spi.eventlistener.EventListener;
import io.trino.spi.eventlistener.EventListenerFactory;

import java.util.Map;

public class AuditEventListenerFactory
        implements EventListenerFactory
{
    public static final String NAME = "audit";

    @Override
    public String getName()
    {
        return NAME;
    }

    @Override
    public EventListener create(Map<String, String> config, EventListenerContext context)
    {
        throw new UnsupportedOperationException("event-listener.name=audit is not implemented yet");
    }
}
