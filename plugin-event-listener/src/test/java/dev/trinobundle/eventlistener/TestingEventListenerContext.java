package dev.trinobundle.eventlistener;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Tracer;
import io.trino.spi.eventlistener.EventListenerFactory.EventListenerContext;

final class TestingEventListenerContext
        implements EventListenerContext
{
    @Override
    public String getVersion()
    {
        return "476";
    }

    @Override
    public OpenTelemetry getOpenTelemetry()
    {
        return OpenTelemetry.noop();
    }

    @Override
    public Tracer getTracer()
    {
        return OpenTelemetry.noop().getTracer("test");
    }
}
