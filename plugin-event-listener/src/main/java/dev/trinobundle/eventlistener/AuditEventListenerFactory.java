package dev.trinobundle.eventlistener;

import com.google.inject.Injector;
import io.airlift.bootstrap.Bootstrap;
import io.trino.spi.eventlistener.EventListener;
import io.trino.spi.eventlistener.EventListenerFactory;

import java.util.Map;

public class AuditEventListenerFactory
        implements EventListenerFactory
{
    @Override
    public String getName()
    {
        return "audit";
    }

    @Override
    public EventListener create(Map<String, String> config, EventListenerContext context)
    {
        Bootstrap app = new Bootstrap(new AuditEventListenerModule());
        Injector injector = app
                .doNotInitializeLogging()
                .setRequiredConfigurationProperties(config)
                .initialize();
        return injector.getInstance(AuditEventListener.class);
    }
}
