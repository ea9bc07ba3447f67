package dev.trinobundle.it.deployment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trinobundle.testing.TestingPostgresServer;
import dev.trinobundle.testing.TrinoServer;
import io.airlift.units.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import static dev.trinobundle.it.deployment.DeploymentFiles.deploymentDir;
import static dev.trinobundle.it.deployment.ThroughTheProxy.awaitCompletedRecord;
import static dev.trinobundle.it.deployment.ThroughTheProxy.column;
import static io.trino.testing.assertions.Assert.assertEventually;
import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The deployment as in production, on one small cluster: a coordinator configured as the chart configures it (our
 * access control with the shipped rules, the audit listener, password authentication, {@code process-forwarded}, no
 * query work on the coordinator), one worker with none of our plugins, a real PostgreSQL, and nginx terminating TLS in
 * front of the coordinator's plain HTTP port, as Traefik does.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Tag("server")
final class TestDeploymentEndToEnd
{
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String ADMIN_PASSWORD = "admin-" + UUID.randomUUID();
    private static final String SHARED_SECRET = UUID.randomUUID().toString();

    private TestingPostgresServer postgres;
    private TrinoServer coordinator;
    private TrinoServer worker;
    private TlsTerminatingNginx nginx;
    private Path auditLog;
    private String catalogDatabase;
    private String auditDatabase;

    @BeforeAll
    void startCluster()
            throws Exception
    {
        postgres = TestingPostgresServer.start();
        // the two databases values.yaml names: the one the postgresql catalog serves, and the audit listener's own
        Map<String, String> values = DeploymentFiles.textBlocks(deploymentDir().resolve("helm/values.yaml"));
        catalogDatabase = database(properties(values.get("catalogs.postgresql")).get("connection-url"));
        auditDatabase = database(properties(values.get("coordinator.additionalConfigFiles.audit-event-listener.properties")).get("audit.postgresql.url"));
        try (Connection connection = DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), postgres.password());
                Statement statement = connection.createStatement()) {
            for (String database : new java.util.TreeSet<>(List.of(catalogDatabase, auditDatabase))) {
                statement.execute("CREATE DATABASE " + database);
            }
        }
        Map<String, String> postgresCatalog = Map.of(
                "connector.name", "postgresql",
                "connection-url", postgres.jdbcUrl(catalogDatabase),
                "connection-user", postgres.user(),
                "connection-password", postgres.password());

        TrinoServer.Builder builder = TrinoServer.builder()
                .withBundledPlugins("tpch", "postgresql", "geospatial")
                .withBundlePlugins("rules-access-control", "audit-event-listener")
                .withCatalog("tpch", Map.of("connector.name", "tpch"))
                .withCatalog("postgresql", postgresCatalog)
                .withFilePasswords(Map.of("admin", ADMIN_PASSWORD))
                // as the chart renders it with server.workers > 0, and as values.yaml sets it for Traefik
                .withConfigProperty("node-scheduler.include-coordinator", "false")
                .withConfigProperty("http-server.process-forwarded", "true");
        auditLog = builder.serverDir().resolve("audit/log");
        // the shipped example files, with paths of this server
        Map<String, String> accessControl = new java.util.HashMap<>(etcProperties("access-control.properties"));
        accessControl.put("security.config-file", builder.etcDir().resolve("rules.json").toString());
        Map<String, String> eventListener = new java.util.HashMap<>(etcProperties("event-listener.properties"));
        eventListener.put("audit.journal.directory", auditLog.toString());
        // the Secret's key file and the checkpoint directory, as local files
        Path auditKey = Files.writeString(Files.createDirectories(builder.serverDir().resolve("audit-key")).resolve("key"), UUID.randomUUID().toString().replace("-", ""));
        eventListener.put("audit.mac.key-file", auditKey.toString());
        eventListener.put("audit.checkpoint.directory", builder.serverDir().resolve("audit/checkpoints").toString());
        eventListener.put("audit.postgresql.enabled", "true");
        eventListener.put("audit.postgresql.url", postgres.jdbcUrl(auditDatabase));
        eventListener.put("audit.postgresql.user", postgres.user());
        eventListener.put("audit.postgresql.password", postgres.password());
        // the shipped config.properties line: the secret comes from the environment, on every node
        builder.withConfigProperty("internal-communication.shared-secret", etcProperties("config.properties").get("internal-communication.shared-secret"))
                .withEnvironment("TRINO_SHARED_SECRET", SHARED_SECRET);
        coordinator = builder
                .withEtcFile("rules.json", Files.readString(deploymentDir().resolve("etc/rules.json")))
                .withEtcProperties("access-control.properties", accessControl)
                .withEtcProperties("event-listener.properties", eventListener)
                .start();

        // workers need none of our plugins: only the catalogs and the cluster's shared secret (asWorkerOf copies it)
        worker = TrinoServer.builder()
                .withBundledPlugins("tpch", "postgresql", "geospatial")
                .withCatalog("tpch", Map.of("connector.name", "tpch"))
                .withCatalog("postgresql", postgresCatalog)
                .asWorkerOf(coordinator)
                .withEnvironment("TRINO_SHARED_SECRET", SHARED_SECRET)
                .start();
        awaitActiveWorkers(1);

        nginx = TlsTerminatingNginx.start(coordinator.serverDir().resolve("nginx"), coordinator.httpPort());
    }

    @AfterAll
    void stopCluster()
    {
        for (AutoCloseable closeable : new AutoCloseable[] {nginx, worker, coordinator, postgres}) {
            if (closeable != null) {
                try {
                    closeable.close();
                }
                catch (Exception e) {
                    throw new RuntimeException(e);
                }
            }
        }
    }

    @Test
    void testJdbcThroughTlsProxyWithImpersonationIsAudited()
            throws Exception
    {
        String marker = "proxy-" + UUID.randomUUID();
        try (Connection connection = connectThroughProxy(Map.of("sessionUser", "alice"));
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT '%s', current_user, (SELECT count(*) FROM tpch.tiny.nation)".formatted(marker))) {
            assertThat(rows.next()).isTrue();
            assertThat(rows.getString(2)).isEqualTo("alice");
            assertThat(rows.getLong(3)).isEqualTo(25);
            assertThat(rows.next()).isFalse();
        }

        JsonNode completed = awaitCompletedRecord(auditLog, marker);
        assertThat(completed.at("/identity/principal").asText()).isEqualTo("admin");
        assertThat(completed.at("/identity/user").asText()).isEqualTo("alice");
        assertThat(completed.at("/query/state").asText()).isEqualTo("FINISHED");
        // the request really went through the proxy
        assertThat(Files.readString(coordinator.serverDir().resolve("nginx/access.log"))).contains("POST /v1/statement");
    }

    @Test
    void testNextUriUsesTheExternalHttpsHost()
            throws Exception
    {
        String externalHost = "trino.example.test";
        HttpResponse response = postThroughProxy(externalHost + ":" + nginx.port(), "SELECT 1");
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        String nextUri = MAPPER.readTree(response.body()).get("nextUri").asText();
        assertThat(nextUri).startsWith("https://%s:%s/v1/statement/".formatted(externalHost, nginx.port()));
        assertThat(nextUri).doesNotContain("localhost").doesNotContain(":" + coordinator.httpPort() + "/");
    }

    @Test
    void testPasswordOverPlainHttpIsRefusedWithoutTheProxy()
            throws Exception
    {
        // the same request straight to Trino's HTTP port: no X-Forwarded-Proto, so no password over cleartext
        HttpURLConnection connection = (HttpURLConnection) URI.create("http://127.0.0.1:%s/v1/statement".formatted(coordinator.httpPort())).toURL().openConnection();
        connection.setRequestMethod("POST");
        connection.setDoOutput(true);
        connection.setRequestProperty("Authorization", basicAuthorization());
        connection.setRequestProperty("X-Trino-User", "admin");
        try (OutputStream body = connection.getOutputStream()) {
            body.write("SELECT 1".getBytes(UTF_8));
        }
        assertThat(connection.getResponseCode()).isIn(401, 403);
        connection.disconnect();
    }

    @Test
    void testTwoNodeClusterRunsTpchOnTheWorker()
            throws Exception
    {
        try (Connection connection = connectThroughProxy(Map.of());
                Statement statement = connection.createStatement()) {
            List<String> nodes = new ArrayList<>();
            try (ResultSet rows = statement.executeQuery("SELECT node_id, coordinator FROM system.runtime.nodes WHERE state = 'active'")) {
                while (rows.next()) {
                    nodes.add(rows.getString(1) + ":" + rows.getBoolean(2));
                }
            }
            assertThat(nodes).hasSize(2).anyMatch(node -> node.endsWith(":false"));
            String workerId = nodes.stream().filter(node -> node.endsWith(":false")).findFirst().orElseThrow().split(":")[0];

            String marker = "cluster-" + UUID.randomUUID();
            try (ResultSet rows = statement.executeQuery("SELECT '%s', count(*), sum(quantity) FROM tpch.tiny.lineitem".formatted(marker))) {
                assertThat(rows.next()).isTrue();
                assertThat(rows.getLong(2)).isEqualTo(60175);
            }
            // node-scheduler.include-coordinator=false: the scan ran on the worker, which has none of our plugins
            try (ResultSet rows = statement.executeQuery("""
                    SELECT count(*) FROM system.runtime.tasks t JOIN system.runtime.queries q ON t.query_id = q.query_id
                    WHERE q.query LIKE '%%%s%%' AND q.query NOT LIKE '%%system.runtime%%' AND t.node_id = '%s'""".formatted(marker, workerId))) {
                assertThat(rows.next()).isTrue();
                assertThat(rows.getLong(1)).isPositive();
            }
        }
    }

    @Test
    void testSeedExampleQueries()
            throws Exception
    {
        try (Connection connection = connectThroughProxy(Map.of());
                Statement statement = connection.createStatement()) {
            try (ResultSet rows = statement.executeQuery("SELECT * FROM tpch.tiny.customer LIMIT 10")) {
                assertThat(rows.getMetaData().getColumnCount()).isEqualTo(8);
                int count = 0;
                while (rows.next()) {
                    count++;
                }
                assertThat(count).isEqualTo(10);
            }
            assertThat(column(statement, "SHOW CATALOGS")).contains("tpch", "postgresql", "system");

            // a schema created in the real PostgreSQL through Trino shows up
            statement.execute("CREATE SCHEMA IF NOT EXISTS postgresql.seed_check");
            assertThat(column(statement, "SHOW SCHEMAS FROM postgresql")).contains("public", "seed_check");
        }
    }

    @Test
    void testUsersSeeOnlyTheirOwnQueries()
            throws Exception
    {
        // the example rules' queries section: query texts are other users' data; only admin sees every query
        String marker = "own-" + UUID.randomUUID();
        String listing = "SELECT query FROM system.runtime.queries WHERE query LIKE '%%%s%%' AND query NOT LIKE '%%system.runtime%%'".formatted(marker);
        try (Connection admin = connectThroughProxy(Map.of());
                Connection alice = connectThroughProxy(Map.of("sessionUser", "alice"));
                Statement asAdmin = admin.createStatement();
                Statement asAlice = alice.createStatement()) {
            asAdmin.executeQuery("SELECT 'admin-%s'".formatted(marker)).close();
            asAlice.executeQuery("SELECT 'alice-%s'".formatted(marker)).close();
            assertThat(column(asAlice, listing)).containsExactly("SELECT 'alice-%s'".formatted(marker));
            assertThat(column(asAdmin, listing)).containsExactlyInAnyOrder("SELECT 'admin-%s'".formatted(marker), "SELECT 'alice-%s'".formatted(marker));
        }
    }

    @Test
    void testSharedSecretPlaceholderRefusesToStart()
            throws Exception
    {
        // the shipped line without TRINO_SHARED_SECRET: no cluster runs with a secret everybody knows
        String shipped = etcProperties("config.properties").get("internal-communication.shared-secret");
        TrinoServer.Builder server = TrinoServer.builder().withConfigProperty("internal-communication.shared-secret", shipped);
        assertThatThrownBy(server::start).hasMessageContaining("TRINO_SHARED_SECRET");
    }

    @Test
    void testNoUserReadsTheAuditTableThroughTheCatalog()
            throws Exception
    {
        String marker = "audit-db-" + UUID.randomUUID();
        try (Connection connection = connectThroughProxy(Map.of("sessionUser", "alice"));
                Statement statement = connection.createStatement()) {
            statement.executeQuery("SELECT '%s'".formatted(marker)).close();
        }
        // the record reaches the audit database ...
        assertEventually(new Duration(60, SECONDS), () -> {
            try (Connection audit = DriverManager.getConnection(postgres.jdbcUrl(auditDatabase), postgres.user(), postgres.password());
                    Statement statement = audit.createStatement();
                    ResultSet rows = statement.executeQuery("SELECT count(*) FROM audit.trino_queries WHERE sql_text LIKE '%%%s%%'".formatted(marker))) {
                assertThat(rows.next()).isTrue();
                assertThat(rows.getLong(1)).isPositive();
            }
        });
        // ... which the postgresql catalog does not serve: even admin, whom the example rules allow everything, sees none of it
        try (Connection connection = connectThroughProxy(Map.of());
                Statement statement = connection.createStatement()) {
            assertThat(column(statement, "SHOW SCHEMAS FROM postgresql")).doesNotContain("audit");
            assertThatThrownBy(() -> statement.executeQuery("SELECT sql_text FROM postgresql.audit.trino_queries"))
                    .hasMessageContaining("does not exist");
        }
    }

    private static Map<String, String> properties(String text)
            throws IOException
    {
        Properties properties = new Properties();
        properties.load(new java.io.StringReader(text));
        Map<String, String> result = new java.util.HashMap<>();
        properties.stringPropertyNames().forEach(key -> result.put(key, properties.getProperty(key).trim()));
        return result;
    }

    private static String database(String jdbcUrl)
    {
        return URI.create(jdbcUrl.substring("jdbc:".length())).getPath().substring(1);
    }

    private Connection connectThroughProxy(Map<String, String> extra)
            throws SQLException
    {
        Properties properties = new Properties();
        properties.setProperty("user", "admin");
        properties.setProperty("password", ADMIN_PASSWORD);
        properties.setProperty("SSL", "true");
        properties.setProperty("SSLTrustStorePath", nginx.certificatePem().toString());
        properties.putAll(extra);
        return DriverManager.getConnection("jdbc:trino://localhost:" + nginx.port(), properties);
    }

    private HttpResponse postThroughProxy(String hostHeader, String sql)
            throws Exception
    {
        // a raw request: java.net.http refuses to send a Host header that differs from the connected address
        try (SSLSocket socket = (SSLSocket) trustingProxy().getSocketFactory().createSocket("127.0.0.1", nginx.port())) {
            byte[] body = sql.getBytes(UTF_8);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/statement HTTP/1.1\r\nHost: %s\r\nAuthorization: %s\r\nX-Trino-User: admin\r\n" +
                    "Content-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n").formatted(hostHeader, basicAuthorization(), body.length).getBytes(UTF_8));
            out.write(body);
            out.flush();
            InputStream in = socket.getInputStream();
            String response = new String(in.readAllBytes(), UTF_8);
            int status = Integer.parseInt(response.substring(9, 12));
            String responseBody = response.substring(response.indexOf("\r\n\r\n") + 4);
            if (response.toLowerCase(java.util.Locale.ROOT).contains("transfer-encoding: chunked")) {
                responseBody = dechunk(responseBody);
            }
            return new HttpResponse(status, responseBody);
        }
    }

    private static String dechunk(String chunked)
    {
        StringBuilder result = new StringBuilder();
        int position = 0;
        while (true) {
            int lineEnd = chunked.indexOf("\r\n", position);
            int size = Integer.parseInt(chunked.substring(position, lineEnd).trim(), 16);
            if (size == 0) {
                return result.toString();
            }
            result.append(chunked, lineEnd + 2, lineEnd + 2 + size);
            position = lineEnd + 2 + size + 2;
        }
    }

    private SSLContext trustingProxy()
            throws Exception
    {
        KeyStore trustStore = KeyStore.getInstance(KeyStore.getDefaultType());
        trustStore.load(null, null);
        try (InputStream pem = Files.newInputStream(nginx.certificatePem())) {
            trustStore.setCertificateEntry("proxy", CertificateFactory.getInstance("X.509").generateCertificate(pem));
        }
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trustStore);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trustManagers.getTrustManagers(), null);
        return context;
    }

    private static String basicAuthorization()
    {
        return "Basic " + Base64.getEncoder().encodeToString(("admin:" + ADMIN_PASSWORD).getBytes(UTF_8));
    }

    private void awaitActiveWorkers(int count)
            throws SQLException
    {
        assertEventually(new Duration(60, SECONDS), new Duration(200, MILLISECONDS), () -> {
            try (Connection connection = coordinator.connect("admin", ADMIN_PASSWORD);
                    Statement statement = connection.createStatement();
                    ResultSet rows = statement.executeQuery("SELECT count(*) FROM system.runtime.nodes WHERE coordinator = false AND state = 'active'")) {
                rows.next();
                assertThat(rows.getLong(1)).as("active workers; worker log:%n%s", worker.serverLogTail(50)).isGreaterThanOrEqualTo(count);
            }
        });
    }

    private static Map<String, String> etcProperties(String name)
            throws IOException
    {
        Properties properties = new Properties();
        try (var reader = Files.newBufferedReader(deploymentDir().resolve("etc").resolve(name))) {
            properties.load(reader);
        }
        Map<String, String> result = new java.util.HashMap<>();
        properties.stringPropertyNames().forEach(key -> result.put(key, properties.getProperty(key)));
        return result;
    }

    private record HttpResponse(int status, String body) {}
}
