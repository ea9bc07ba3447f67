package dev.trinobundle.compat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.trinobundle.testing.AuditLogFiles;
import dev.trinobundle.testing.TestingPluginContext;
import io.airlift.units.Duration;
import io.trino.plugin.tpch.TpchPlugin;
import io.trino.spi.classloader.ThreadContextClassLoader;
import io.trino.spi.eventlistener.EventListener;
import io.trino.spi.eventlistener.EventListenerFactory;
import io.trino.spi.security.Identity;
import io.trino.testing.DistributedQueryRunner;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static com.google.common.collect.Iterables.getOnlyElement;
import static io.trino.testing.TestingSession.testSessionBuilder;
import static io.trino.testing.assertions.Assert.assertEventually;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

/** The audit listener, as built against 476, recording queries of an in-process Trino 478 (which has no splitCompleted). */
@Tag("server")
final class TestAuditEventListenerOnTrino478
{
    @Test
    void testQueriesAreAudited(@TempDir Path directory)
            throws Exception
    {
        Path auditLog = directory.resolve("log");
        EventListenerFactory factory = getOnlyElement(BundlePlugins.load("audit-event-listener").getEventListenerFactories());
        EventListener listener;
        try (ThreadContextClassLoader _ = new ThreadContextClassLoader(factory.getClass().getClassLoader())) {
            listener = factory.create(
                    Map.of("audit.journal.directory", auditLog.toString(),
                            "audit.mac.key-file", Files.writeString(directory.resolve("audit.key"), "k".repeat(64)).toString()),
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
    {
        AtomicReference<JsonNode> completed = new AtomicReference<>();
        assertEventually(new Duration(60, SECONDS), () -> completed.set(AuditLogFiles.records(auditLog).stream()
                .filter(record -> record.path("kind").asText().equals("completed"))
                .filter(record -> record.at("/objects/read/0/table").asText().equals(table))
                .findFirst()
                .orElseThrow(() -> new AssertionError("No completed record for a query reading %s in %s".formatted(table, auditLog)))));
        return completed.get();
    }
}
