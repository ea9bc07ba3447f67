package dev.trinobundle.compat;

import dev.trinobundle.testing.TestingPluginContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.trino.plugin.tpch.TpchPlugin;
import io.trino.spi.classloader.ThreadContextClassLoader;
import io.trino.spi.eventlistener.EventListener;
import io.trino.spi.eventlistener.EventListenerFactory;
import io.trino.spi.security.Identity;
import io.trino.testing.DistributedQueryRunner;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static com.google.common.collect.Iterables.getOnlyElement;
import static io.trino.testing.TestingSession.testSessionBuilder;
import static org.assertj.core.api.Assertions.assertThat;

/** The audit listener, as built against 476, recording queries of an in-process Trino 478 (which has no splitCompleted). */
@Tag("server")
final class TestAuditEventListenerOnTrino478
{
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void testQueriesAreAudited(@TempDir Path directory)
            throws Exception
    {
        Path auditLog = directory.resolve("log");
        EventListenerFactory factory = getOnlyElement(BundlePlugins.load("audit-event-listener").getEventListenerFactories());
        EventListener listener;
        try (ThreadContextClassLoader _ = new ThreadContextClassLoader(factory.getClass().getClassLoader())) {
            listener = factory.create(
                    Map.of("audit.journal.directory", directory.resolve("journal").toString(),
                            "audit.file.directory", auditLog.toString()),
                    new TestingPluginContext("478"));
        }
        try (DistributedQueryRunner queryRunner = DistributedQueryRunner.builder(testSessionBuilder().setCatalog("tpch").setSchema("tiny").build())
                .setWorkerCount(0)
                .setEventListener(listener)
                .build()) {
            queryRunner.installPlugin(new TpchPlugin());
            queryRunner.createCatalog("tpch", "tpch", Map.of());

            queryRunner.execute(
                    testSessionBuilder().setCatalog("tpch").setSchema("tiny").setIdentity(Identity.ofUser("alice")).build(),
                    "SELECT count(*) FROM nation");

            JsonNode completed = awaitCompletedRecord(auditLog, "nation");
            assertThat(completed.at("/identity/user").asText()).isEqualTo("alice");
            assertThat(completed.at("/query/state").asText()).isEqualTo("FINISHED");
            assertThat(completed.at("/objects/read/0/catalog").asText()).isEqualTo("tpch");
            assertThat(completed.at("/schemaVersion").asInt()).isEqualTo(2);
        }
        finally {
            listener.shutdown();
        }
    }

    private static JsonNode awaitCompletedRecord(Path auditLog, String table)
            throws IOException, InterruptedException
    {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            Optional<JsonNode> found = records(auditLog).stream()
                    .filter(record -> record.path("kind").asText().equals("completed"))
                    .filter(record -> record.at("/objects/read/0/table").asText().equals(table))
                    .findFirst();
            if (found.isPresent()) {
                return found.get();
            }
            Thread.sleep(100);
        }
        throw new AssertionError("No completed record for a query reading %s in %s within 60s: %s".formatted(table, auditLog, records(auditLog)));
    }

    private static List<JsonNode> records(Path auditLog)
            throws IOException
    {
        List<JsonNode> records = new ArrayList<>();
        if (!Files.isDirectory(auditLog)) {
            return records;
        }
        try (Stream<Path> files = Files.list(auditLog)) {
            for (Path file : files.filter(path -> path.toString().endsWith(".jsonl")).sorted().toList()) {
                for (String line : completeLines(file)) {
                    records.add(JSON.readTree(line));
                }
            }
        }
        return records;
    }

    /**
     * The newline-terminated lines of a file the audit file sink may be writing: its last line can be half written.
     */
    private static List<String> completeLines(Path file)
            throws IOException
    {
        String content = Files.readString(file);
        return content.substring(0, content.lastIndexOf('\n') + 1).lines().toList();
    }
}
