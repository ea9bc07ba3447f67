package dev.trinobundle.benchmarks.eventlistener;

import dev.trinobundle.eventlistener.AuditRecordSerializer;
import io.trino.spi.eventlistener.QueryCompletedEvent;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.function.Function;

import static java.util.concurrent.TimeUnit.MICROSECONDS;

/**
 * Building the audit record of a realistic completed query, no I/O: the listener's hand-written JSON writer next to
 * the Jackson-generator serializer it replaced (same fields, same order). {@code serialize} returns a fresh copy of the
 * body, which the listener itself does not make.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 3)
public class BenchmarkAuditRecordSerialization
{
    @Param({"audit", "jackson"})
    public String serializer;

    private QueryCompletedEvent event;
    private Function<QueryCompletedEvent, byte[]> serialize;

    @Setup
    public void setUp()
    {
        event = RealisticQueryEvents.completed("20260102_030405_00042_abcde");
        serialize = switch (serializer) {
            case "audit" -> new AuditRecordSerializer(100_000)::serialize;
            case "jackson" -> new JacksonAuditRecordSerializer(100_000)::serialize;
            default -> throw new IllegalArgumentException(serializer);
        };
    }

    @Benchmark
    public byte[] serializeCompleted()
    {
        return serialize.apply(event);
    }
}
