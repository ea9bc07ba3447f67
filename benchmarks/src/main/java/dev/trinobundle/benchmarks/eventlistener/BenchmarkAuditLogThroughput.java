package dev.trinobundle.benchmarks.eventlistener;

import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import dev.trinobundle.eventlistener.AuditEventListenerFactory;
import dev.trinobundle.testing.QueryEvents;
import dev.trinobundle.testing.TestingPluginContext;
import io.trino.spi.eventlistener.EventListener;
import io.trino.spi.eventlistener.QueryCompletedEvent;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static java.util.concurrent.TimeUnit.SECONDS;

/**
 * Sustained records per second into the audit log, with the default fsync policy and without fsync: each invocation
 * hands {@value #BATCH} completed events to the listener, which returns each only when its record is in the log file
 * (the journal is the file log); the maintenance thread fsyncs, checkpoints and rotates beside it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 3)
public class BenchmarkAuditLogThroughput
{
    private static final int BATCH = 10_000;

    @Param({"interval", "none"})
    public String fsync;

    private Path directory;
    private EventListener eventListener;
    private QueryCompletedEvent event;
    private MBeanServer mbeanServer;
    private ObjectName journal;

    @Setup
    public void setUp()
            throws IOException, JMException
    {
        event = QueryEvents.biQueryCompleted("20260102_030405_00042_abcde");
        directory = Files.createTempDirectory("audit-throughput");
        Path journalDirectory = directory.resolve("journal");
        eventListener = new AuditEventListenerFactory().create(Map.of(
                "audit.journal.directory", journalDirectory.toString(),
                "audit.mac.key-file", Files.writeString(directory.resolve("audit.key"), "k".repeat(64)).toString(),
                "audit.checkpoint.directory", directory.resolve("checkpoints").toString(),
                // bounded disk use: the benchmark writes gigabytes
                "audit.journal.max-file-size", "64MB",
                "audit.journal.max-files", "4",
                "audit.journal.fsync", fsync,
                "bootstrap.quiet", "true"), TestingPluginContext.TRINO_476);
        mbeanServer = ManagementFactory.getPlatformMBeanServer();
        journal = new ObjectName("dev.trinobundle.eventlistener:type=AuditJournal,journal=" + ObjectName.quote(journalDirectory.toAbsolutePath().toString()));
    }

    @TearDown
    public void tearDown()
            throws IOException
    {
        eventListener.shutdown();
        MoreFiles.deleteRecursively(directory, RecursiveDeleteOption.ALLOW_INSECURE);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long recordsToTheAuditLog()
            throws JMException
    {
        for (int i = 0; i < BATCH; i++) {
            eventListener.queryCompleted(event);
        }
        // what a dropped record would not count
        return (Long) mbeanServer.getAttribute(journal, "RecordsWritten");
    }
}
