package dev.trinobundle.it.deployment;

import at.favre.lib.crypto.bcrypt.BCrypt;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.trinobundle.authenticator.testing.TestingVaultServer;
import dev.trinobundle.testing.TestingKeycloakServer;
import dev.trinobundle.testing.TestingPostgresServer;
import dev.trinobundle.testing.TrinoServer;
import io.airlift.units.Duration;
import io.trino.jdbc.TestingRedirectHandlerInjector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;

import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static dev.trinobundle.it.deployment.ThroughTheProxy.column;
import static io.trino.testing.assertions.Assert.assertEventually;
import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * "Our values -> the real chart -> a running cluster": a Trino 476 coordinator and worker started from what
 * {@code helm template} renders for {@code values.yaml} ({@link RenderedCluster}, which lists every laptop change), with
 * a real PostgreSQL (catalog and audit database), the Vault fixture (AppRole), a real Keycloak that imported
 * {@code deployment/keycloak/realm-trino.json}, and nginx in front as Traefik with the Middleware. Users: JDBC with a
 * Vault password, JDBC with a Keycloak bearer token, and a real Chromium signing in to the Web UI through Keycloak.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Tag("server")
final class TestRenderedChartWithKeycloak
{
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String REALM = "trino";
    private static final String BATCH_CLIENT = "trino-batch";
    private static final String BATCH_PRINCIPAL = "service-account-" + BATCH_CLIENT;
    private static final String ADMIN_PASSWORD = "admin-" + UUID.randomUUID();
    private static final String ALICE_PASSWORD = "alice-" + UUID.randomUUID();
    // the test's own rule, before the shipped ones: our access control denies these two users the postgresql catalog
    private static final String DENIED_POSTGRESQL = "alice|" + BATCH_PRINCIPAL;

    private final Path workDir = Path.of("target/rendered-chart-with-keycloak").toAbsolutePath();
    private TestingPostgresServer postgres;
    private TestingVaultServer vault;
    private TlsTerminatingNginx nginx;
    private ThroughTheProxy proxy;
    private TestingKeycloakServer keycloak;
    private RenderedCluster cluster;
    private ChromeDriver browser;
    private String batchSecret;
    private RenderedChart chart;
    private RenderedCluster.Services services;
    private Map<String, String> mountedSecrets;
    private Map<String, String> environment;
    private String auditDatabase;

    @BeforeAll
    void startDeployment()
            throws Exception
    {
        Files.createDirectories(workDir);
        chart = RenderedChart.render("values.yaml");
        Map<String, String> authenticator = chart.properties("trino-coordinator", "password-authenticator.properties");
        Map<String, String> listener = chart.properties("trino-coordinator", "audit-event-listener.properties");

        // the databases and the audit role the values name, in a real PostgreSQL
        postgres = TestingPostgresServer.start();
        String auditPassword = "audit-" + UUID.randomUUID();
        try (Connection connection = DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), postgres.password());
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE ROLE %s LOGIN PASSWORD '%s'".formatted(listener.get("audit.postgresql.user"), auditPassword));
            auditDatabase = database(listener.get("audit.postgresql.url"));
            statement.execute("CREATE DATABASE %s OWNER %s".formatted(auditDatabase, listener.get("audit.postgresql.user")));
            statement.execute("CREATE DATABASE " + database(chart.properties("trino-catalog", "postgresql.properties").get("connection-url")));
        }

        // Vault: the password map at the values' path, readable with the AppRole login the values configure
        vault = TestingVaultServer.startHttps(Files.createTempDirectory(workDir, "vault-"));
        vault.putSecret(authenticator.get("vault.kv.mount"), authenticator.get("vault.kv.path"),
                Map.of("admin", new String(BCrypt.withDefaults().hash(10, ADMIN_PASSWORD.getBytes(UTF_8)), UTF_8)));
        String roleId = UUID.randomUUID().toString();
        String secretId = UUID.randomUUID().toString();
        vault.enableAppRole("approle", roleId, secretId, java.time.Duration.ofHours(1), true, authenticator.get("vault.kv.mount") + "/data/" + authenticator.get("vault.kv.path"));

        TrinoServer.Builder coordinatorBuilder = TrinoServer.builder();
        nginx = TlsTerminatingNginx.start(workDir.resolve("nginx-" + UUID.randomUUID()), coordinatorBuilder.httpPort());
        proxy = new ThroughTheProxy(nginx);
        keycloak = TestingKeycloakServer.start(Map.of("realm-trino.json", realmForThisLaptop()));
        keycloak.setPassword(REALM, "alice", ALICE_PASSWORD);
        batchSecret = keycloak.clientSecret(REALM, BATCH_CLIENT);

        environment = new LinkedHashMap<>();
        environment.put("TRINO_SHARED_SECRET", UUID.randomUUID().toString());
        environment.put("OAUTH2_CLIENT_SECRET", keycloak.clientSecret(REALM, "trino"));
        environment.put("PG_USER", postgres.user());
        environment.put("PG_PASSWORD", postgres.password());
        environment.put("ICEBERG_CLIENT_SECRET", UUID.randomUUID().toString());
        // the env entries of Secret trino-iceberg-s3 (both pods run the iceberg catalog)
        environment.put("ICEBERG_S3_ACCESS_KEY", "access-" + UUID.randomUUID());
        environment.put("ICEBERG_S3_SECRET_KEY", "secret-" + UUID.randomUUID());
        environment.put("VAULT_APPROLE_ROLE_ID", roleId);
        mountedSecrets = Map.of(
                authenticator.get("vault.ca-cert-file"), Files.readString(vault.caCertFile().orElseThrow()),
                authenticator.get("vault.approle.secret-id-file"), secretId,
                listener.get("audit.postgresql.password-file"), auditPassword,
                // the trino-audit-key Secret: the chain's HMAC key
                listener.get("audit.mac.key-file"), UUID.randomUUID().toString().replace("-", "") + UUID.randomUUID().toString().replace("-", ""),
                chart.properties("trino-coordinator", "group-provider.properties").get("keycloak.client-secret-file"), keycloak.clientSecret(REALM, "trino-groups"));
        services = new RenderedCluster.Services(
                vault.address().toString(),
                URI.create(postgres.jdbcUrl().substring("jdbc:".length())).getAuthority(),
                keycloak.baseUri().toString(),
                keycloak.certificatePem(),
                "http://127.0.0.1:" + closedPort());
        cluster = RenderedCluster.start(coordinatorBuilder, chart, services, mountedSecrets, environment, rulesWithTestRule());
        List<String> differences = cluster.differences().stream().map(RenderedCluster.Difference::toString).toList();
        Files.write(workDir.resolve("rendered-vs-laptop.txt"), differences);
        System.out.printf("Rendered files vs what the servers read (%s differences, also in %s):%n  %s%n", differences.size(), workDir.resolve("rendered-vs-laptop.txt"), String.join("\n  ", differences));

        assertEventually(new Duration(60, SECONDS), new Duration(200, MILLISECONDS), () -> {
            try (Connection connection = connectWithPassword(Map.of());
                    Statement statement = connection.createStatement();
                    ResultSet rows = statement.executeQuery("SELECT count(*) FROM system.runtime.nodes WHERE coordinator = false AND state = 'active'")) {
                rows.next();
                assertThat(rows.getLong(1)).as("active workers; worker log:%n%s", cluster.worker().serverLogTail(40)).isEqualTo(1);
            }
        });
    }

    /** The shipped realm file; the only change: the redirect URIs name the laptop's proxy instead of trino.example.com. */
    private String realmForThisLaptop()
            throws Exception
    {
        String realm = Files.readString(DeploymentFiles.deploymentDir().resolve("keycloak/realm-trino.json"));
        assertThat(realm).contains("https://trino.example.com/oauth2/callback");
        return realm.replace("https://trino.example.com", "https://localhost:" + nginx.port());
    }

    private static JsonNode rulesConfigMap()
            throws Exception
    {
        return RenderedChart.yamlDocuments(DeploymentFiles.deploymentDir().resolve("helm/manifests.yaml")).stream()
                .filter(document -> document.at("/metadata/name").asText().equals("trino-rules"))
                .findFirst().orElseThrow();
    }

    private static String rulesWithTestRule()
            throws Exception
    {
        ObjectNode rules = (ObjectNode) MAPPER.readTree(rulesConfigMap().at("/data/rules.json").asText());
        ((ArrayNode) rules.get("catalogs")).insertObject(0).put("user", DENIED_POSTGRESQL).put("catalog", "postgresql").put("allow", "none");
        return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(rules);
    }

    @AfterAll
    void stopDeployment()
    {
        TestingRedirectHandlerInjector.setRedirectHandler(uri -> {
            throw new IllegalStateException("no browser for the external authentication at " + uri);
        });
        if (browser != null) {
            browser.quit();
        }
        for (AutoCloseable closeable : new AutoCloseable[] {cluster, keycloak, nginx, vault, postgres}) {
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
    void testOnlyTheLaptopChangesDifferFromTheRenderedFiles()
            throws Exception
    {
        // "<role> <file>: <key>" of every difference; authentication, access control, listener and the security of
        // the Vault login must run exactly as rendered
        List<String> changed = cluster.differences().stream()
                .filter(difference -> !difference.file().equals("rules.json"))
                .map(difference -> difference.role() + " " + difference.file() + ": " + difference.key())
                .distinct()
                .toList();
        List<String> expected = new ArrayList<>();
        for (String role : List.of("coordinator", "worker")) {
            expected.addAll(List.of(
                    role + " node.properties: node.data-dir", role + " node.properties: node.internal-address", role + " node.properties: plugin.dir",
                    role + " jvm.config: -", role + " jvm.config: +",
                    role + " config.properties: catalog.config-dir", role + " config.properties: discovery.uri", role + " config.properties: http-server.http.port",
                    role + " config.properties: plugin.dir", role + " config.properties: query.max-memory", role + " config.properties: query.max-memory-per-node",
                    role + " catalog/iceberg.properties: iceberg.rest-catalog.oauth2.server-uri", role + " catalog/iceberg.properties: iceberg.rest-catalog.uri",
                    role + " catalog/iceberg.properties: s3.endpoint", role + " catalog/postgresql.properties: connection-url"));
        }
        expected.addAll(List.of(
                "coordinator config.properties: event-listener.config-files", "coordinator config.properties: http-server.authentication.oauth2.issuer",
                "coordinator config.properties: oauth2-jwk.http-client.trust-store-path", "coordinator access-control.properties: security.config-file",
                "coordinator audit-event-listener.properties: audit.journal.directory",
                "coordinator audit-event-listener.properties: audit.mac.key-file", "coordinator audit-event-listener.properties: audit.checkpoint.directory",
                "coordinator audit-event-listener.properties: audit.postgresql.password-file", "coordinator audit-event-listener.properties: audit.postgresql.url",
                "coordinator password-authenticator.properties: vault.address", "coordinator password-authenticator.properties: vault.approle.secret-id-file",
                "coordinator password-authenticator.properties: vault.ca-cert-file",
                "coordinator group-provider.properties: keycloak.url", "coordinator group-provider.properties: keycloak.client-secret-file",
                "coordinator group-provider.properties: keycloak.trust-certificate-file"));
        assertThat(changed).containsExactlyInAnyOrderElementsOf(expected);

        // the rules: the ConfigMap's, with the test's rule in front
        JsonNode served = MAPPER.readTree(cluster.coordinator().etcDir().resolve("rules/rules.json").toFile());
        assertThat(served.at("/catalogs/0/user").asText()).isEqualTo(DENIED_POSTGRESQL);
        ((ArrayNode) served.get("catalogs")).remove(0);
        assertThat(served).isEqualTo(MAPPER.readTree(rulesConfigMap().at("/data/rules.json").asText()));
    }

    @Test
    void testSeedQueriesWithAVaultPasswordThroughTheProxy()
            throws Exception
    {
        String marker = "seed-" + UUID.randomUUID();
        try (Connection connection = connectWithPassword(Map.of());
                Statement statement = connection.createStatement()) {
            assertThat(column(statement, "SELECT '%s' || current_user".formatted(marker))).containsExactly(marker + "admin");
            assertThat(column(statement, "SELECT custkey FROM tpch.tiny.customer LIMIT 10")).hasSize(10);
            assertThat(column(statement, "SHOW CATALOGS")).contains("tpch", "tpcds", "postgresql", "iceberg", "system");
            statement.execute("CREATE SCHEMA IF NOT EXISTS postgresql.seed_check");
            assertThat(column(statement, "SHOW SCHEMAS FROM postgresql")).contains("public", "seed_check");
            // the worker ran the scan: node-scheduler.include-coordinator=false as rendered
            assertThat(column(statement, "SELECT count(*) FROM tpch.tiny.lineitem")).containsExactly("60175");
        }
        JsonNode record = awaitAuditRecord(marker);
        assertThat(record.at("/identity/principal").asText()).isEqualTo("admin");
        assertThat(record.at("/query/state").asText()).isEqualTo("FINISHED");
        // and in the audit database, written as the values' role with the password file of the trino-audit-db mount
        assertEventually(new Duration(60, SECONDS), () -> {
            try (Connection audit = DriverManager.getConnection(postgres.jdbcUrl(auditDatabase), postgres.user(), postgres.password());
                    Statement statement = audit.createStatement();
                    ResultSet rows = statement.executeQuery("SELECT count(*) FROM audit.trino_queries WHERE sql_text LIKE '%%%s%%'".formatted(marker))) {
                assertThat(rows.next()).isTrue();
                assertThat(rows.getLong(1)).isPositive();
            }
        });
        assertThatThrownBy(() -> connectWithPassword(Map.of("password", "wrong-" + ADMIN_PASSWORD)).createStatement().executeQuery("SELECT 1"))
                .hasMessageContaining("Invalid credentials");
        assertThat(Files.readString(proxy.accessLog())).contains("POST /v1/statement");
    }

    @Test
    void testKeycloakBearerTokenForJdbc()
            throws Exception
    {
        // Trino (oidc.use-userinfo-endpoint, default true) checks every access token at Keycloak's userinfo endpoint,
        // which answers insufficient_scope to a token without `openid`
        String withoutOpenid = keycloak.clientCredentialsToken(REALM, BATCH_CLIENT, batchSecret, "");
        assertThatThrownBy(() -> connectWithToken(withoutOpenid).createStatement().executeQuery("SELECT 1"))
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("Authentication failed");
        String token = keycloak.clientCredentialsToken(REALM, BATCH_CLIENT, batchSecret, "openid");
        String allowed = "bearer-" + UUID.randomUUID();
        String denied = "bearer-denied-" + UUID.randomUUID();
        try (Connection connection = connectWithToken(token);
                Statement statement = connection.createStatement()) {
            assertThat(column(statement, "SELECT '%s', current_user FROM tpch.tiny.region LIMIT 1".formatted(allowed))).containsExactly(allowed);
            assertThat(column(statement, "SELECT current_user")).containsExactly(BATCH_PRINCIPAL);
            // our access control decided for the token's principal: the test rule denies it the postgresql catalog
            assertThatThrownBy(() -> statement.executeQuery("SELECT '%s', schema_name FROM postgresql.information_schema.schemata".formatted(denied)))
                    .hasMessageContaining("Access Denied");
        }
        assertThat(awaitAuditRecord(allowed).at("/identity/principal").asText()).isEqualTo(BATCH_PRINCIPAL);
        JsonNode failed = awaitAuditRecord(denied);
        assertThat(failed.at("/identity/principal").asText()).isEqualTo(BATCH_PRINCIPAL);
        assertThat(failed.toString()).contains("Access Denied");

        // a token Keycloak did not sign is refused
        String forged = token.substring(0, token.lastIndexOf('.') + 1) + "AAAA" + token.substring(token.lastIndexOf('.') + 5);
        assertThatThrownBy(() -> connectWithToken(forged).createStatement().executeQuery("SELECT 1"))
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("Authentication failed");
    }

    @Test
    void testWebUiSignsInThroughKeycloakAndJdbcRidesTheBrowserSession()
            throws Exception
    {
        browser = HeadlessChromium.start(workDir.resolve("chromium"));
        String ui = "https://localhost:%s/ui/".formatted(nginx.port());
        browser.get(ui);
        // trinodb/trino#26564: with oauth2,PASSWORD and no web-ui.authentication.type, this would be Trino's password form
        assertEventually(new Duration(30, SECONDS), () -> assertThat(browser.getCurrentUrl()).startsWith(keycloak.issuer(REALM) + "/protocol/openid-connect/auth"));
        assertThat(browser.findElements(By.id("kc-form-login"))).hasSize(1);
        assertThat(browser.getCurrentUrl()).doesNotContain("/ui/login.html");
        browser.findElement(By.id("username")).sendKeys("alice");
        browser.findElement(By.id("password")).sendKeys(ALICE_PASSWORD);
        browser.findElement(By.id("kc-login")).click();

        // back at the proxy's /ui/ (the callback Trino built from X-Forwarded-*), signed in
        assertEventually(new Duration(30, SECONDS), () -> {
            assertThat(browser.getCurrentUrl()).isEqualTo(ui);
            assertThat(browser.findElements(By.id("logout"))).as(browser.getPageSource()).hasSize(1);
        });
        Path screenshot = workDir.resolve("web-ui-signed-in-as-alice.png");
        Files.write(screenshot, browser.getScreenshotAs(OutputType.BYTES));

        // JDBC with external authentication: its redirect opens in the same browser, where Keycloak knows alice already
        TestingRedirectHandlerInjector.setRedirectHandler(uri -> browser.get(uri.toString()));
        String allowed = "ui-" + UUID.randomUUID();
        String denied = "ui-denied-" + UUID.randomUUID();
        try (Connection connection = proxy.connect(Map.of("user", "alice", "externalAuthentication", "true"));
                Statement statement = connection.createStatement()) {
            assertThat(column(statement, "SELECT '%s' || current_user".formatted(allowed))).containsExactly(allowed + "alice");
            assertThatThrownBy(() -> statement.executeQuery("SELECT '%s' FROM postgresql.information_schema.schemata".formatted(denied)))
                    .hasMessageContaining("Access Denied");
        }
        assertThat(awaitAuditRecord(allowed).at("/identity/principal").asText()).isEqualTo("alice");
        assertThat(awaitAuditRecord(denied).at("/identity/principal").asText()).isEqualTo("alice");

        // the Web UI's own API with the browser's session: alice's queries, as our access control lets her see them
        browser.get(ui);
        Object queries = browser.executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                fetch('/ui/api/query').then(response => response.text()).then(done, error => done('error ' + error));
                """);
        String aliceQuery = null;
        for (JsonNode query : MAPPER.readTree(queries.toString())) {
            if (query.path("queryTextPreview").asText().contains(allowed)) {
                assertThat(query.path("sessionPrincipal").asText()).isEqualTo("alice");
                aliceQuery = query.path("queryId").asText();
            }
        }
        assertThat(aliceQuery).as("alice's query in /ui/api/query: %s", queries).isNotNull();
        // and its page in the UI, for the screenshot
        browser.get(ui + "query.html?" + aliceQuery);
        assertEventually(new Duration(30, SECONDS), () -> assertThat(browser.findElement(By.tagName("body")).getText()).contains(allowed).contains("alice"));
        Path queryScreenshot = workDir.resolve("web-ui-query-of-alice.png");
        Files.write(queryScreenshot, browser.getScreenshotAs(OutputType.BYTES));
        System.out.println("Screenshots of the Web UI signed in as alice: " + screenshot + ", " + queryScreenshot);
    }

    @Test
    void testWithoutWebUiAuthenticationTypeTheUiOffersOnlyThePasswordForm()
            throws Exception
    {
        // trinodb/trino#26564: the same rendered coordinator without web-ui.authentication.type=oauth2
        try (TrinoServer withoutLine = RenderedCluster.startCoordinatorWithout(Set.of("web-ui.authentication.type"), chart, services, mountedSecrets, environment, rulesWithTestRule())) {
            assertThat(proxy.uiRedirect(withoutLine)).endsWith("/ui/login.html");
        }
        // as rendered: Keycloak's authorization endpoint, for the trino client
        URI keycloakLogin = URI.create(proxy.uiRedirect(cluster.coordinator()));
        assertThat(keycloakLogin.toString()).startsWith(keycloak.issuer(REALM) + "/protocol/openid-connect/auth?");
        assertThat(keycloakLogin.getQuery()).contains("client_id=trino").contains("redirect_uri=https://localhost:%s/oauth2/callback".formatted(nginx.port()));
    }

    private JsonNode awaitAuditRecord(String marker)
    {
        return ThroughTheProxy.awaitCompletedRecord(cluster.coordinator().dataDir().resolve("audit/journal"), marker);
    }

    private Connection connectWithPassword(Map<String, String> extra)
            throws SQLException
    {
        Map<String, String> properties = new LinkedHashMap<>(Map.of("user", "admin", "password", ADMIN_PASSWORD));
        properties.putAll(extra);
        return proxy.connect(properties);
    }

    private Connection connectWithToken(String token)
            throws SQLException
    {
        // the session user the token's principal runs as (without it the driver sends the OS user, an impersonation)
        return proxy.connect(Map.of("user", BATCH_PRINCIPAL, "accessToken", token));
    }

    private static String database(String jdbcUrl)
    {
        return URI.create(jdbcUrl.substring("jdbc:".length())).getPath().substring(1);
    }

    private static int closedPort()
            throws Exception
    {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
