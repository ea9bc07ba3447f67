package dev.trinobundle.benchmarks.accesscontrol;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Tracer;
import io.trino.spi.security.SystemAccessControlFactory.SystemAccessControlContext;

/** The factory context Trino 476 passes to access control factories, with no-op telemetry. */
final class BenchmarkAccessControlContext
        implements SystemAccessControlContext
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
        return OpenTelemetry.noop().getTracer("benchmark");
    }
}
