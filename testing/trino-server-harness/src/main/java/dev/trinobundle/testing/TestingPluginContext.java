package dev.trinobundle.testing;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Tracer;
import io.trino.spi.eventlistener.EventListenerFactory.EventListenerContext;
import io.trino.spi.security.SystemAccessControlFactory.SystemAccessControlContext;

/** What the engine hands a plugin's factory: its version and (here, no-op) tracing. */
public record TestingPluginContext(String version)
        implements SystemAccessControlContext, EventListenerContext
{
    public static final TestingPluginContext TRINO_476 = new TestingPluginContext("476");

    @Override
    public String getVersion()
    {
        return version;
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
