package dev.trinobundle.compat;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Tracer;
import io.trino.spi.eventlistener.EventListenerFactory;
import io.trino.spi.security.SystemAccessControlFactory;

/** What the 478 engine hands a factory: its version and (here, no-op) tracing. */
record EngineContext()
        implements SystemAccessControlFactory.SystemAccessControlContext, EventListenerFactory.EventListenerContext
{
    @Override
    public String getVersion()
    {
        return "478";
    }

    @Override
    public OpenTelemetry getOpenTelemetry()
    {
        return OpenTelemetry.noop();
    }

    @Override
    public Tracer getTracer()
    {
        return OpenTelemetry.noop().getTracer("trino-security-bundle");
    }
}
