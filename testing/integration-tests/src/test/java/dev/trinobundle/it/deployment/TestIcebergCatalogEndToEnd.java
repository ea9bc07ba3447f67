package dev.trinobundle.it.deployment;

import com.fasterxml.jackson.databind.JsonNode;
import dev.trinobundle.testing.AuditLogFiles;
import dev.trinobundle.testing.TestingIcebergRestCatalog;
import dev.trinobundle.testing.TestingKeycloakServer;
import dev.trinobundle.testing.TestingS3Proxy;
import dev.trinobundle.testing.TrinoServer;
import io.airlift.units.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import static dev.trinobundle.it.deployment.DeploymentFiles.deploymentDir;
import static io.trino.testing.assertions.Assert.assertEventually;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The seed's Iceberg catalog end to end, with the stand-ins of {@code deployment/iceberg/README.md}: a real Keycloak
 * with the shipped realm (client {@code trino-lakekeeper}, scope {@code lakekeeper}), Iceberg's REST catalog server
 * behind {@link AudienceCheckingFront} (Lakekeeper's token check), S3Proxy for MinIO, and a Trino 476 with our three
 * plugins whose {@code iceberg} catalog is the one {@code helm template} renders from {@code values.yaml}, changed only
 * by {@link #laptop}. The seed's SQL runs as users {@code admin} impersonates.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Tag("server")
final class TestIcebergCatalogEndToEnd
{
    private static final String REALM = "trino";
    private static final String BUCKET = "warehouse";
    private static final String ADMIN_PASSWORD = "admin-" + UUID.randomUUID();
    // the same catalog asking Keycloak for a token without the lakekeeper scope: what Lakekeeper must refuse
    private static final String WITHOUT_AUDIENCE = "iceberg_without_audience";
    private static final String RULES = """
            {
              "catalogs": [
                {"user": "writer|reader", "catalog": "iceberg|%s", "allow": "all"},
                {"user": "admin", "catalog": "system", "allow": "read-only"}
              ],
              "schemas": [
                {"user": "writer", "catalog": "iceberg|%<s", "schema": "analytics", "owner": true},
                {"user": "reader", "catalog": "iceberg", "schema": "analytics", "owner": false}
              ],
              "tables": [
                {"user": "writer", "catalog": "iceberg|%<s", "schema": "analytics", "privileges": ["SELECT", "INSERT", "DELETE", "UPDATE", "OWNERSHIP"]},
                {"user": "reader", "catalog": "iceberg", "schema": "analytics", "table": "sales", "privileges": ["SELECT"],
                 "filter": "product <> 'prototype'", "columns": [{"name": "amount", "mask": "CAST(NULL AS DECIMAL(10,2))"}]}
              ],
              "impersonation": [{"original_user": "admin", "new_user": "writer|reader"}]
            }
            """.formatted(WITHOUT_AUDIENCE);

    private final Path workDir = Path.of("target/iceberg-catalog-end-to-end").toAbsolutePath();
    private TestingKeycloakServer keycloak;
    private TestingS3Proxy s3;
    private TestingIcebergRestCatalog restCatalog;
    private AudienceCheckingFront front;
    private TrinoServer trino;
    private Path auditFiles;
    private Path auditKey;
    private Path checkpoints;
    private Map<String, String> rendered;
    private Map<String, String> served;

    @BeforeAll
    void startServers()
            throws Exception
    {
        Files.createDirectories(workDir);
        keycloak = TestingKeycloakServer.start(Map.of("realm-trino.json", Files.readString(deploymentDir().resolve("keycloak/realm-trino.json"))));
        s3 = TestingS3Proxy.start(Files.createTempDirectory(workDir, "s3proxy-"), BUCKET);
        restCatalog = TestingIcebergRestCatalog.start(Files.createTempDirectory(workDir, "rest-catalog-"), s3.endpoint(), BUCKET, "us-east-1", s3.accessKey(), s3.secretKey());
        front = AudienceCheckingFront.start(keycloak.issuer(REALM), keycloak.certificatePem(), restCatalog.uri());

        rendered = RenderedChart.render("values.yaml").properties("trino-catalog", "iceberg.properties");
        served = laptop(rendered);
        Map<String, String> withoutAudience = new LinkedHashMap<>(served);
        withoutAudience.put("iceberg.rest-catalog.oauth2.scope", "openid profile");

        TrinoServer.Builder builder = TrinoServer.builder()
                .withBundledPlugins("iceberg")
                .withBundlePlugins("rules-access-control", "vault-authenticator", "audit-event-listener")
                .withCatalog("iceberg", served)
                .withCatalog(WITHOUT_AUDIENCE, withoutAudience)
                // Vault is not what this test is about: Trino's file authenticator logs admin in
                .withFilePasswords(Map.of("admin", ADMIN_PASSWORD))
                // the pods' env: Secret trino-iceberg-s3 (env secretKeyRef) and trino-cluster-secrets (envFrom)
                .withEnvironment("ICEBERG_CLIENT_SECRET", keycloak.clientSecret(REALM, "trino-lakekeeper"))
                .withEnvironment("ICEBERG_S3_ACCESS_KEY", s3.accessKey())
                .withEnvironment("ICEBERG_S3_SECRET_KEY", s3.secretKey());
        trustKeycloak(builder);
        auditFiles = builder.serverDir().resolve("audit/log");
        checkpoints = builder.serverDir().resolve("audit/checkpoints");
        auditKey = builder.etcDir().resolve("audit-key");
        Files.createDirectories(builder.etcDir());
        Files.writeString(auditKey, HexFormat.of().formatHex(UUID.randomUUID().toString().repeat(2).getBytes()) + "\n");
        builder.withEtcFile("rules.json", RULES)
                .withEtcProperties("access-control.properties", Map.of(
                        "access-control.name", "rules",
                        "security.config-file", builder.etcDir().resolve("rules.json").toString()))
                .withEtcProperties("event-listener.properties", Map.of(
                        "event-listener.name", "audit",
                        "audit.journal.directory", auditFiles.toString(),
                        "audit.mac.key-file", auditKey.toString(),
                        "audit.checkpoint.directory", checkpoints.toString()));
        trino = builder.start();
    }

    /**
     * Every change a laptop makes to the rendered catalog: the cluster's service addresses become the stand-ins'.
     * Nothing else differs (asserted by {@link #testOnlyTheServiceAddressesDifferFromTheRenderedCatalog}).
     */
    private Map<String, String> laptop(Map<String, String> catalog)
    {
        Map<String, String> result = new LinkedHashMap<>();
        catalog.forEach((key, value) -> result.put(key, value
                .replace("http://lakekeeper.lakekeeper.svc:8181", front.baseUri().toString())
                .replace("http://minio.minio.svc:9000", s3.endpoint().toString())
                .replace("https://keycloak.example.com", keycloak.baseUri().toString())));
        return result;
    }

    /** Keycloak's certificate is self-signed here (a public CA's in production): the JVM's trust store for the token endpoint. */
    private void trustKeycloak(TrinoServer.Builder builder)
            throws Exception
    {
        Path trustStore = workDir.resolve("keycloak-trust-" + UUID.randomUUID() + ".jks");
        String password = UUID.randomUUID().toString();
        // JKS: its certificates load without the password (PKCS12 encrypts them), and the default type reads JKS files
        KeyStore store = KeyStore.getInstance("JKS");
        store.load(null, null);
        try (InputStream pem = Files.newInputStream(keycloak.certificatePem())) {
            store.setCertificateEntry("keycloak", CertificateFactory.getInstance("X.509").generateCertificate(pem));
        }
        try (OutputStream out = Files.newOutputStream(trustStore)) {
            store.store(out, password.toCharArray());
        }
        // one option only: the launcher joins -J options into one value
        builder.withJvmOption("-Djavax.net.ssl.trustStore=" + trustStore);
    }

    @AfterAll
    void stopServers()
    {
        try (TrinoServer _ = trino; AudienceCheckingFront _ = front; TestingIcebergRestCatalog _ = restCatalog; TestingS3Proxy _ = s3; TestingKeycloakServer _ = keycloak) {
            // all stopped, Trino first
        }
    }

    @Test
    void testOnlyTheServiceAddressesDifferFromTheRenderedCatalog()
    {
        List<String> differences = new ArrayList<>();
        rendered.forEach((key, value) -> {
            if (!value.equals(served.get(key))) {
                differences.add(key);
            }
        });
        assertThat(differences).containsExactlyInAnyOrder("iceberg.rest-catalog.uri", "iceberg.rest-catalog.oauth2.server-uri", "s3.endpoint");
        assertThat(served.keySet()).isEqualTo(rendered.keySet());
    }

    @Test
    void testSeedExamplesUnderRulesAndAudit()
            throws Exception
    {
        List<String> session = new ArrayList<>();
        try (Connection writer = connectAs("writer"); Statement statement = writer.createStatement()) {
            run(statement, session, "writer", "CREATE SCHEMA iceberg.analytics");
            run(statement, session, "writer", "CREATE TABLE iceberg.analytics.sales (date DATE, product VARCHAR, amount DECIMAL(10,2))");
            run(statement, session, "writer", "INSERT INTO iceberg.analytics.sales VALUES (DATE '2025-01-15', 'widget', 19.99), (DATE '2025-01-16', 'gadget', 5.00), (DATE '2025-01-17', 'prototype', 999.00)");
            assertThat(run(statement, session, "writer", "SELECT date, product, amount FROM iceberg.analytics.sales ORDER BY date"))
                    .containsExactly("2025-01-15 | widget | 19.99", "2025-01-16 | gadget | 5.00", "2025-01-17 | prototype | 999.00");
            assertThat(run(statement, session, "writer", "SHOW SCHEMAS FROM iceberg")).contains("analytics");
            assertThat(run(statement, session, "writer", "SHOW TABLES FROM iceberg.analytics")).containsExactly("sales");
        }
        try (Connection reader = connectAs("reader"); Statement statement = reader.createStatement()) {
            // the row filter hides the prototype, the mask the amounts
            assertThat(run(statement, session, "reader", "SELECT date, product, amount FROM iceberg.analytics.sales ORDER BY date"))
                    .containsExactly("2025-01-15 | widget | null", "2025-01-16 | gadget | null");
            assertThatThrownBy(() -> statement.execute("INSERT INTO iceberg.analytics.sales VALUES (DATE '2025-02-01', 'forged', 1.00)"))
                    .hasMessageContaining("Access Denied: Cannot insert into table iceberg.analytics.sales")
                    .hasMessageContaining("denied by rule tables[1]");
            session.add("reader> INSERT INTO iceberg.analytics.sales ... -> Access Denied (denied by rule tables[1])");
        }
        System.out.printf("The seed's Iceberg session (impersonated by admin):%n  %s%n", String.join("\n  ", session));

        // Trino's data and metadata files are in S3Proxy's bucket directory
        Path table = s3.storageDir().resolve(BUCKET).resolve("analytics");
        List<String> objects;
        try (Stream<Path> files = Files.walk(table)) {
            objects = files.filter(Files::isRegularFile).map(path -> s3.storageDir().relativize(path).toString()).sorted().toList();
        }
        System.out.printf("Objects in the bucket:%n  %s%n", String.join("\n  ", objects));
        assertThat(objects).anyMatch(name -> name.matches("warehouse/analytics/sales.*/data/.*\\.parquet"));
        assertThat(objects).anyMatch(name -> name.matches("warehouse/analytics/sales.*/metadata/.*\\.metadata\\.json"));

        // the token Trino presented: Keycloak's, for client trino-lakekeeper, with scope lakekeeper and aud lakekeeper
        JsonNode claims = front.acceptedClaims().getLast();
        assertThat(claims.path("azp").asText()).isEqualTo("trino-lakekeeper");
        assertThat(claims.path("scope").asText().split(" ")).contains("lakekeeper", "profile");
        assertThat(claims.path("aud").toString()).contains("\"lakekeeper\"");
        assertThat(claims.path("preferred_username").asText()).isEqualTo("service-account-trino-lakekeeper");

        assertAudit();
        assertNoSecretKeyIn(s3.storageDir());
        assertNoSecretKeyIn(auditFiles);
        assertNoSecretKeyIn(restCatalog.log());
    }

    @Test
    void testTokenWithoutTheAudienceIsRefusedByTheCatalog()
            throws Exception
    {
        int rejectedBefore = front.rejections().size();
        try (Connection writer = connectAs("writer"); Statement statement = writer.createStatement()) {
            assertThatThrownBy(() -> statement.executeQuery("SHOW SCHEMAS FROM " + WITHOUT_AUDIENCE).close())
                    .isInstanceOf(SQLException.class)
                    .satisfies(failure -> System.out.println("Without the lakekeeper scope: " + failure.getMessage()))
                    .hasStackTraceContaining("uthorized");
        }
        assertThat(front.rejections().subList(rejectedBefore, front.rejections().size()))
                .isNotEmpty()
                .allSatisfy(rejection -> assertThat(rejection).contains("lacks lakekeeper"));
        // the same server, the same client secret, with the lakekeeper scope: accepted
        int acceptedBefore = front.acceptedClaims().size();
        try (Connection writer = connectAs("writer"); Statement statement = writer.createStatement()) {
            rows(statement, "SHOW SCHEMAS FROM iceberg");
        }
        assertThat(front.acceptedClaims().size()).isGreaterThan(acceptedBefore);
    }

    private void assertAudit()
            throws Exception
    {
        assertEventually(new Duration(60, SECONDS), new Duration(200, MILLISECONDS), () -> {
            List<JsonNode> records = AuditLogFiles.records(auditFiles);
            JsonNode insert = completed(records, "INSERT INTO iceberg.analytics.sales VALUES (DATE '2025-01-15'");
            assertThat(insert.at("/identity/user").asText()).isEqualTo("writer");
            assertThat(insert.at("/identity/impersonated").asBoolean()).isTrue();
            assertThat(insert.at("/objects/written").toString()).contains("\"catalog\":\"iceberg\"", "\"schema\":\"analytics\"", "\"table\":\"sales\"");
            JsonNode writerRead = completed(records, "SELECT date, product, amount FROM iceberg.analytics.sales ORDER BY date\u0000writer");
            assertThat(writerRead.at("/objects/read/0/table").asText()).isEqualTo("sales");
            assertThat(writerRead.at("/objects/read/0/columns").toString()).contains("\"date\"", "\"product\"", "\"amount\"");
            // the reader's amount is the mask's constant: the column is not read (the filter reads product)
            JsonNode read = completed(records, "SELECT date, product, amount FROM iceberg.analytics.sales ORDER BY date\u0000reader");
            assertThat(read.at("/identity/user").asText()).isEqualTo("reader");
            assertThat(read.at("/objects/read/0/columns").toString()).contains("\"date\"", "\"product\"").doesNotContain("\"amount\"");
            JsonNode denied = completed(records, "INSERT INTO iceberg.analytics.sales VALUES (DATE '2025-02-01'");
            assertThat(denied.at("/query/state").asText()).isEqualTo("FAILED");
            assertThat(denied.at("/query/error/message").asText()).contains("denied by rule tables[1]");
            System.out.printf("Audit records:%n  %s%n  %s%n  %s%n  %s%n", insert, writerRead, read, denied);
        });
        assertEventually(new Duration(60, SECONDS), new Duration(500, MILLISECONDS), () ->
                assertThat(verify("--key", auditKey.toString(), "--checkpoints", checkpoints.resolve("checkpoints.jsonl").toString(), auditFiles.toString()))
                        .startsWith("OK: "));
    }

    /** The verify command as documented, from the installed plugin directory (no Trino SPI there). */
    private String verify(String... arguments)
            throws IOException, InterruptedException
    {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", trino.pluginDir().resolve("audit-event-listener") + "/*", "dev.trinobundle.eventlistener.AuditLogVerifier"));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes()).trim();
        assertThat(process.waitFor()).as(output).isZero();
        return output;
    }

    /** The completed record of the query starting with this text ({@code \0user}: of this user). */
    private static JsonNode completed(List<JsonNode> records, String textAndUser)
    {
        String[] parts = textAndUser.split("\u0000");
        List<JsonNode> found = records.stream()
                .filter(record -> record.path("kind").asText().equals("completed"))
                .filter(record -> record.at("/query/sql").asText().startsWith(parts[0]))
                .filter(record -> parts.length == 1 || record.at("/identity/user").asText().equals(parts[1]))
                .toList();
        assertThat(found).as("completed records of %s", textAndUser).hasSize(1);
        return found.getFirst();
    }

    private void assertNoSecretKeyIn(Path path)
            throws IOException
    {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(path)) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        assertThat(files).isNotEmpty();
        for (Path file : files) {
            assertThat(new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1)).as(file.toString()).doesNotContain(s3.secretKey());
        }
    }

    private Connection connectAs(String user)
            throws SQLException
    {
        return trino.connect("admin", ADMIN_PASSWORD, Map.of("sessionUser", user));
    }

    private static List<String> run(Statement statement, List<String> session, String user, String sql)
            throws SQLException
    {
        List<String> result = rows(statement, sql);
        session.add("%s> %s%n    %s".formatted(user, sql, result.isEmpty() ? "(ok)" : String.join("\n    ", result)));
        return result;
    }

    private static List<String> rows(Statement statement, String sql)
            throws SQLException
    {
        List<String> rows = new ArrayList<>();
        if (!statement.execute(sql)) {
            return rows;
        }
        try (ResultSet result = statement.getResultSet()) {
            while (result.next()) {
                List<String> row = new ArrayList<>();
                for (int column = 1; column <= result.getMetaData().getColumnCount(); column++) {
                    row.add(String.valueOf(result.getString(column)));
                }
                rows.add(String.join(" | ", row));
            }
        }
        return rows;
    }
}
