package dev.trinobundle.benchmarks.eventlistener;

import com.google.common.collect.Streams;
import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import dev.trinobundle.benchmarks.TrinoBuiltinPlugins;
import dev.trinobundle.eventlistener.AuditEventListenerFactory;
import dev.trinobundle.testing.QueryEvents;
import dev.trinobundle.testing.TestingPluginContext;
import io.trino.spi.eventlistener.EventListener;
import io.trino.spi.eventlistener.QueryCompletedEvent;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

import static java.util.concurrent.TimeUnit.MICROSECONDS;

/**
 * What {@code queryCompleted} costs Trino's calling thread for a realistic BI query: {@code event-listener.name=audit}
 * as deployed, with a MAC key and checkpoints (serialize with Jackson, HMAC-SHA256, one {@code write(2)} to the
 * journal; the file sink ships in the background of the same JVM) next to Trino's own {@code http} event listener
 * posting the same event to a local endpoint (serialize, hand to its HTTP client).
 * <p>
 * {@code pauseMicros=0} calls back to back: on this 2-core machine the listener's background side (shipping, fsync),
 * the JIT and the GC then compete with the measured thread for the CPU, so the tail shows that contention. {@code pauseMicros=100} paces the calls at about 9,000 queries/s (still far more than a coordinator
 * completes), which leaves the background side room, as on a real coordinator; the pause is not measured.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 3)
public class BenchmarkEventListenerCallingThread
{
    // audit-sink-down: the PostgreSQL sink alone, pointed at a closed port, so nothing is shipped: the calling thread
    // without the shipping that competes with it for the 2 cores
    @Param({"audit", "audit-sink-down", "http"})
    public String listener;

    @Param({"0", "100"})
    public int pauseMicros;

    private Path directory;
    private DummyIngestServer ingest;
    private EventListener eventListener;
    private QueryCompletedEvent event;

    @Setup
    public void setUp()
            throws IOException
    {
        event = QueryEvents.biQueryCompleted("20260102_030405_00042_abcde");
        eventListener = switch (listener) {
            case "audit" -> {
                directory = Files.createTempDirectory("audit-benchmark");
                yield new AuditEventListenerFactory().create(Map.of(
                        "audit.journal.directory", directory.resolve("journal").toString(),
                        "audit.mac.key-file", Files.writeString(directory.resolve("audit.key"), "k".repeat(64)).toString(),
                        "audit.checkpoint.directory", directory.resolve("checkpoints").toString(),
                        // bounded disk use: the benchmark writes gigabytes
                        "audit.journal.max-file-size", "64MB",
                        "audit.journal.max-files", "4",
                        "bootstrap.quiet", "true"), TestingPluginContext.TRINO_476);
            }
            case "audit-sink-down" -> {
                directory = Files.createTempDirectory("audit-benchmark");
                yield new AuditEventListenerFactory().create(Map.of(
                        "audit.journal.directory", directory.resolve("journal").toString(),
                        "audit.mac.key-file", Files.writeString(directory.resolve("audit.key"), "k".repeat(64)).toString(),
                        "audit.postgresql.enabled", "true",
                        "audit.postgresql.url", "jdbc:postgresql://127.0.0.1:1/audit",
                        "bootstrap.quiet", "true"), TestingPluginContext.TRINO_476);
            }
            case "http" -> {
                ingest = new DummyIngestServer();
                Map<String, String> config = Map.of(
                        "http-event-listener.log-completed", "true",
                        "http-event-listener.connect-ingest-uri", ingest.uri().toString(),
                        "bootstrap.quiet", "true");
                yield TrinoBuiltinPlugins.create("http-event-listener", plugin -> Streams.stream(plugin.getEventListenerFactories())
                        .filter(factory -> factory.getName().equals("http"))
                        .findFirst()
                        .map(factory -> factory.create(config, TestingPluginContext.TRINO_476)));
            }
            default -> throw new IllegalArgumentException(listener);
        };
    }

    @TearDown
    public void tearDown()
            throws IOException
    {
        eventListener.shutdown();
        if (ingest != null) {
            ingest.close();
        }
        if (directory != null) {
            MoreFiles.deleteRecursively(directory, RecursiveDeleteOption.ALLOW_INSECURE);
        }
    }

    @Setup(Level.Invocation)
    public void pause()
    {
        if (pauseMicros > 0) {
            LockSupport.parkNanos(pauseMicros * 1000L);
        }
    }

    @Benchmark
    public void queryCompleted()
    {
        eventListener.queryCompleted(event);
    }
}
