package dev.trinobundle.it.eventlistener;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trinobundle.testing.AuditLogFiles;
import dev.trinobundle.testing.TestingPostgresServer;
import dev.trinobundle.testing.TrinoServer;
import io.airlift.units.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.function.Supplier;

import static io.trino.testing.assertions.Assert.assertEventually;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.TestInstance.Lifecycle.PER_CLASS;

/**
 * {@code event-listener.name=audit} in a real Trino 476 server over HTTPS with Trino's own {@code file} password
 * authenticator and built-in {@code file} access control: {@code admin} may impersonate {@code alice}, {@code bob} may
 * impersonate nobody. One server is shared; every test marks its queries with a unique string and looks only for them.
 */
@TestInstance(PER_CLASS)
@Tag("server")
final class TestAuditEventListenerOnTrino
{
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private TestingPostgresServer postgres;
    private TrinoServer server;
    private Path journalDirectory;
    private Path keyFile;

    @BeforeAll
    void startServer()
            throws IOException
    {
        postgres = TestingPostgresServer.start();
        TrinoServer.Builder builder = TrinoServer.builder()
                .withBundledPlugins("tpch", "postgresql", "geospatial")
                .withBundlePlugins("audit-event-listener")
                .withCatalog("tpch", Map.of("connector.name", "tpch"))
                // the PostgreSQL sink's table, read back through Trino's own connector
                .withCatalog("postgresql", Map.of(
                        "connector.name", "postgresql",
                        "connection-url", postgres.jdbcUrl(),
                        "connection-user", postgres.user(),
                        "connection-password", postgres.password()))
                .withFilePasswords(Map.of("admin", "secret", "bob", "bobpw"));
        journalDirectory = builder.serverDir().resolve("audit/journal");
        keyFile = Files.writeString(Files.createDirectories(builder.serverDir().resolve("audit")).resolve("key"), "k".repeat(64));
        builder.withEtcFile("rules.json", """
                        {"impersonation": [{"original_user": "admin", "new_user": "alice", "allow": true}]}
                        """)
                .withEtcProperties("access-control.properties", Map.of(
                        "access-control.name", "file",
                        "security.config-file", builder.etcDir().resolve("rules.json").toString()))
                .withEtcProperties("event-listener.properties", Map.ofEntries(
                        Map.entry("event-listener.name", "audit"),
                        Map.entry("audit.journal.directory", journalDirectory.toString()),
                        Map.entry("audit.mac.key-file", keyFile.toString()),
                        // no fsync at all: a killed process must not lose what is in the page cache
                        Map.entry("audit.journal.fsync", "NONE"),
                        // about one record per file: delivery and retention cross files all the time
                        Map.entry("audit.journal.max-file-size", "1kB"),
                        Map.entry("audit.journal.max-files", "100000"),
                        Map.entry("audit.postgresql.enabled", "true"),
                        Map.entry("audit.postgresql.url", postgres.jdbcUrl()),
                        Map.entry("audit.postgresql.user", postgres.user()),
                        Map.entry("audit.postgresql.password", postgres.password())));
        server = builder.start();
    }

    @AfterAll
    void stopServer()
    {
        if (server != null) {
            server.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void testQueryTextWithNulReachesBothSinksAndLaterQueriesKeepFlowing()
            throws Exception
    {
        // PostgreSQL refuses U+0000 in text and jsonb: such a record once stopped the PostgreSQL copy for good
        String marker = marker();
        String nulQuery = "SELECT '%s' -- \u0000 a NUL in a comment".formatted(marker);
        String laterMarker = marker();
        try (Connection connection = server.connect("admin", "secret");
                Statement statement = connection.createStatement()) {
            try (ResultSet rows = statement.executeQuery(nulQuery)) {
                assertThat(rows.next()).isTrue();
                assertThat(rows.next()).isFalse();
            }
            try (ResultSet rows = statement.executeQuery("SELECT '%s'".formatted(laterMarker))) {
                assertThat(rows.next()).isTrue();
                assertThat(rows.next()).isFalse();
            }
        }

        // the audit log keeps the exact text
        JsonNode completed = awaitRecord(journalDirectory, marker, "completed");
        assertThat(completed.get("query").get("sql").asText()).isEqualTo(nulQuery);
        String queryId = completed.get("query").get("id").asText();

        // PostgreSQL: the text column holds a storable copy, the record column the exact record
        await(() -> postgresRows("SELECT event_kind FROM postgresql.audit.trino_queries WHERE query_id = '%s'".formatted(queryId)).size() == 2,
                "both records of the NUL query in PostgreSQL");
        List<List<String>> stored = postgresRows("SELECT sql_text, record FROM postgresql.audit.trino_queries WHERE query_id = '%s' AND event_kind = 'completed'".formatted(queryId));
        assertThat(stored.getFirst().getFirst()).isEqualTo(nulQuery.replace('\u0000', '\uFFFD'));
        assertThat(MAPPER.readTree(stored.getFirst().get(1)).get("query").get("sql").asText()).isEqualTo(nulQuery);

        // and the next query is delivered behind it
        String laterQueryId = awaitRecord(journalDirectory, laterMarker, "completed").get("query").get("id").asText();
        await(() -> postgresRows("SELECT event_kind FROM postgresql.audit.trino_queries WHERE query_id = '%s'".formatted(laterQueryId)).size() == 2,
                "the records of the query after the NUL query in PostgreSQL");
        assertThat(verify(journalDirectory)).startsWith("OK: ");
    }

    private List<List<String>> postgresRows(String sql)
    {
        List<List<String>> rows = new ArrayList<>();
        try (Connection connection = server.connect("admin", "secret");
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery(sql)) {
            while (result.next()) {
                List<String> row = new ArrayList<>();
                for (int column = 1; column <= result.getMetaData().getColumnCount(); column++) {
                    row.add(result.getString(column));
                }
                rows.add(row);
            }
        }
        catch (SQLException e) {
            // the table does not exist yet
        }
        return rows;
    }

    @Test
    void testImpersonatedQueryRecordsPrincipalUserAndTables()
            throws Exception
    {
        String marker = marker();
        try (Connection connection = server.connect("admin", "secret", Map.of("sessionUser", "alice"));
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT '%s', count(*) FROM tpch.tiny.nation".formatted(marker))) {
            assertThat(rows.next()).isTrue();
            assertThat(rows.getLong(2)).isEqualTo(25);
            // read to the end: closing a result set early cancels the query
            assertThat(rows.next()).isFalse();
        }

        JsonNode completed = awaitRecord(journalDirectory, marker, "completed");
        JsonNode identity = completed.get("identity");
        assertThat(identity.get("principal").asText()).isEqualTo("admin");
        assertThat(identity.get("user").asText()).isEqualTo("alice");
        assertThat(identity.get("impersonated").asBoolean()).isTrue();
        assertThat(completed.get("query").get("state").asText()).as(completed.toString()).isEqualTo("FINISHED");
        assertThat(completed.get("query").get("error").isNull()).isTrue();
        assertThat(completed.get("objects").get("read").toString())
                .contains("{\"catalog\":\"tpch\",\"schema\":\"tiny\",\"table\":\"nation\"");
        assertThat(completed.get("server").get("version").asText()).isEqualTo("476");
        assertThat(completed.get("client").get("userAgent").asText()).contains("Trino JDBC");

        JsonNode created = awaitRecord(journalDirectory, marker, "created");
        assertThat(created.get("identity").get("principal").asText()).isEqualTo("admin");
        assertThat(created.get("seq").asLong()).isLessThan(completed.get("seq").asLong());

        assertThat(verify(journalDirectory)).startsWith("OK: ");
    }

    @Test
    void testDeniedImpersonationIsRecordedAsFailedQuery()
            throws Exception
    {
        String marker = marker();
        try (Connection connection = server.connect("bob", "bobpw", Map.of("sessionUser", "alice"));
                Statement statement = connection.createStatement()) {
            assertThatThrownBy(() -> statement.executeQuery("SELECT '%s'".formatted(marker)))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("cannot impersonate user alice");
        }

        JsonNode completed = awaitRecord(journalDirectory, marker, "completed");
        assertThat(completed.get("identity").get("principal").asText()).isEqualTo("bob");
        assertThat(completed.get("identity").get("user").asText()).isEqualTo("alice");
        assertThat(completed.get("identity").get("impersonated").asBoolean()).isTrue();
        JsonNode query = completed.get("query");
        assertThat(query.get("state").asText()).isEqualTo("FAILED");
        assertThat(query.get("error").get("code").asText()).isEqualTo("PERMISSION_DENIED");
        assertThat(query.get("error").get("type").asText()).isEqualTo("USER_ERROR");
        assertThat(query.get("error").get("message").asText()).contains("User bob cannot impersonate user alice");
    }

    @Test
    void testKilledServerLosesNoCompletedRecord()
            throws Exception
    {
        // PostgreSQL is down: records wait in the audit log
        awaitDeliveredEverything();
        postgres.stop();
        String marker = marker();
        List<String> markers = new ArrayList<>();
        try (Connection connection = server.connect("admin", "secret")) {
            for (int i = 0; i < 10; i++) {
                String queryMarker = marker + "-" + i;
                try (Statement statement = connection.createStatement();
                        ResultSet rows = statement.executeQuery("SELECT '%s', count(*) FROM tpch.tiny.region".formatted(queryMarker))) {
                    assertThat(rows.next()).isTrue();
                    assertThat(rows.next()).isFalse();
                }
                markers.add(queryMarker);
            }
        }

        // Kill while more queries complete on another connection.
        String concurrentMarker = marker + "-concurrent";
        List<String> clientCompleted = new CopyOnWriteArrayList<>();
        Thread load = Thread.ofPlatform().daemon().start(() -> runUntilServerDies(concurrentMarker, clientCompleted));
        await(() -> clientCompleted.size() >= 5, "queries completing concurrently");
        server.kill();
        // no query can complete after the kill; the client thread may hang in its retries, so it is not joined
        List<String> completedBeforeKill = List.copyOf(clientCompleted);
        load.interrupt();

        // What the killed server's callbacks wrote: the audit log as the kernel has it, read without a listener.
        List<JsonNode> logged = records(journalDirectory).stream()
                .filter(record -> record.get("query").get("sql").asText().contains(marker + "-"))
                .toList();
        // every sequential query: created + completed, each exactly once
        assertThat(logged.stream().filter(record -> !record.get("query").get("sql").asText().contains(concurrentMarker))).hasSize(20);
        long concurrentCompleted = logged.stream()
                .filter(record -> record.get("kind").asText().equals("completed") && record.get("query").get("sql").asText().contains(concurrentMarker))
                .count();
        // a query the client saw finish may have been killed before its completion callback ran, but not many
        assertThat(concurrentCompleted).isGreaterThanOrEqualTo(completedBeforeKill.size() - 2);
        assertThat(verify(journalDirectory)).startsWith("OK: ");

        // after the restart, with PostgreSQL back, every logged record reaches it exactly once
        postgres.restart();
        server.restart();
        for (JsonNode record : logged) {
            String id = record.get("query").get("id").asText();
            String kind = record.get("kind").asText();
            await(() -> postgresRows("SELECT seq FROM postgresql.audit.trino_queries WHERE query_id = '%s' AND event_kind = '%s'".formatted(id, kind))
                    .equals(List.of(List.of(record.get("seq").asText()))), "record %s in PostgreSQL once".formatted(record.get("seq")));
        }
    }

    /**
     * Runs the verify command exactly as documented, from the installed plugin directory, which holds no Trino SPI.
     */
    private String verify(Path path, String... options)
            throws IOException, InterruptedException
    {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>(List.of(java.toString(), "-cp", server.pluginDir().resolve("audit-event-listener") + "/*",
                "dev.trinobundle.eventlistener.AuditLogVerifier"));
        command.addAll(List.of("--key", keyFile.toString()));
        command.addAll(List.of(options));
        command.add(path.toString());
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes()).trim();
        assertThat(process.waitFor()).as(output).isZero();
        return output;
    }

    private void runUntilServerDies(String marker, List<String> completed)
    {
        try (Connection connection = server.connect("admin", "secret", Map.of("sessionUser", "alice"))) {
            for (int i = 0; !Thread.currentThread().isInterrupted(); i++) {
                String queryMarker = marker + "-" + i;
                try (Statement statement = connection.createStatement();
                        ResultSet rows = statement.executeQuery("SELECT '%s', count(*) FROM tpch.tiny.nation".formatted(queryMarker))) {
                    while (rows.next()) {
                        assertThat(rows.getLong(2)).isEqualTo(25);
                    }
                }
                completed.add(queryMarker);
            }
        }
        catch (SQLException | RuntimeException e) {
            // the server was killed
        }
    }

    private void awaitDeliveredEverything()
    {
        long last = lastSequence(journalDirectory);
        await(() -> !postgresRows("SELECT seq FROM postgresql.audit.trino_queries WHERE seq = %s".formatted(last)).isEmpty(), "PostgreSQL caught up with the audit log");
    }

    private static long lastSequence(Path directory)
    {
        return records(directory).stream().mapToLong(record -> record.get("seq").asLong()).max().orElse(0);
    }

    private static String marker()
    {
        return "audit-it-" + UUID.randomUUID();
    }

    private static JsonNode awaitRecord(Path directory, String marker, String kind)
    {
        Predicate<JsonNode> matches = record -> record.get("kind").asText().equals(kind)
                && record.get("query").get("sql").asText().contains("'" + marker + "'");
        Supplier<List<JsonNode>> found = () -> records(directory).stream().filter(matches).toList();
        await(() -> !found.get().isEmpty(), "a '%s' record of the query marked %s in %s".formatted(kind, marker, directory));
        List<JsonNode> records = found.get();
        assertThat(records).as("records of the query marked " + marker).hasSize(1);
        return records.getFirst();
    }

    private static List<JsonNode> records(Path directory)
    {
        return AuditLogFiles.records(directory);
    }

    private static void await(Supplier<Boolean> condition, String what)
    {
        // Waiting for asynchronous delivery, not timing it: the deadline only keeps a broken build from hanging.
        assertEventually(new Duration(60, SECONDS), () -> assertThat(condition.get()).as(what).isTrue());
    }
}
