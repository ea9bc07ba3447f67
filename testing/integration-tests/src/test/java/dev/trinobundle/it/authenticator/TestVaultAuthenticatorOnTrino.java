package dev.trinobundle.it.authenticator;

import dev.trinobundle.authenticator.testing.TestingVaultServer;
import dev.trinobundle.testing.TrinoServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

import static dev.trinobundle.authenticator.testing.TestingVaultServer.fields;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A real Trino 476 over HTTPS with {@code password-authenticator.name=vault}, reading passwords from the Vault fixture
 * (HTTPS with its own CA, token from the server's VAULT_TOKEN environment variable), used through trino-jdbc.
 * Trino's built-in file access control lets {@code admin} impersonate anyone.
 */
@Tag("server")
final class TestVaultAuthenticatorOnTrino
{
    private static final String SECRET_PATH = "/v1/secret/data/trino/password";
    // htpasswd -nbBC 10 admin admin-pass (bcrypt $2y$, cost 10)
    private static final String ADMIN_HASH = "$2y$10$dhTwbIIGtMGu9XN5TazHf.sjZqh/9LpoSFME6ROixZQBdWtGxjFIm";

    private static Path workDir;
    private static TestingVaultServer vault;
    private static TrinoServer server;

    @BeforeAll
    static void startServers()
            throws Exception
    {
        workDir = Files.createTempDirectory("vault-it");
        vault = TestingVaultServer.startHttps(workDir);
        vault.putSecret("secret", "trino/password", fields(
                "admin", ADMIN_HASH,
                "querybook", "querybook-plain-pass",
                "rotating", "first-pass"));
        String token = vault.createToken(java.time.Duration.ofHours(1), true, "secret/data/trino/");

        TrinoServer.Builder builder = TrinoServer.builder()
                .withBundledPlugins("tpch")
                .withBundlePlugins("vault-authenticator")
                .withCatalog("tpch", Map.of("connector.name", "tpch"))
                .withPasswordAuthentication()
                .withEnvironment("VAULT_TOKEN", token);
        builder.withEtcFile("rules.json", """
                        {"impersonation": [{"original_user": "admin", "new_user": ".*"}]}
                        """)
                .withEtcProperties("access-control.properties", Map.of(
                        "access-control.name", "file",
                        "security.config-file", builder.etcDir().resolve("rules.json").toString()))
                .withEtcProperties("password-authenticator.properties", Map.of(
                        "password-authenticator.name", "vault",
                        "vault.address", vault.address().toString(),
                        "vault.ca-cert-file", vault.caCertFile().orElseThrow().toString(),
                        "vault.cache.ttl", "4s"));
        server = builder.start();
    }

    @AfterAll
    static void stopServers()
    {
        if (server != null) {
            server.close();
        }
        if (vault != null) {
            vault.close();
        }
    }

    @Test
    void testAdminLogsInWithTheVaultPassword()
            throws Exception
    {
        assertThat(query("admin", "admin-pass", Map.of(), "SELECT current_user")).isEqualTo("admin");
        vault.resetRequestCounts();
        long start = System.nanoTime();
        for (int i = 0; i < 10; i++) {
            assertThat(query("admin", "admin-pass", Map.of(), "SELECT current_user")).isEqualTo("admin");
        }
        assertThat(query("querybook", "querybook-plain-pass", Map.of(), "SELECT count(*) FROM tpch.tiny.region")).isEqualTo("5");
        // eleven authenticated queries cost only the background refreshes of one secret (one per 3s: 3/4 of the 4s TTL), not one read each
        long elapsedSeconds = java.util.concurrent.TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
        assertThat(vault.requestCount(SECRET_PATH)).isLessThanOrEqualTo((int) (elapsedSeconds / 3) + 1);
        assertThat(server.serverLogTail(2000)).contains("Vault password authentication: user=admin outcome=SUCCESS reason=password verified");
    }

    @Test
    void testWrongPasswordAndUnknownUserAreRefused()
    {
        for (String[] credentials : new String[][] {{"admin", "wrong-pass"}, {"nobody", "admin-pass"}, {"../password", "admin-pass"}}) {
            assertThatThrownBy(() -> query(credentials[0], credentials[1], Map.of(), "SELECT 1"))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("Authentication failed: Access Denied: Invalid credentials");
        }
        String log = server.serverLogTail(2000);
        assertThat(log)
                .contains("user=admin outcome=DENIED reason=wrong password")
                .contains("user=nobody outcome=DENIED reason=unknown user")
                .doesNotContain("wrong-pass")
                .doesNotContain("admin-pass");
    }

    @Test
    void testAdminImpersonatesAnotherUser()
            throws Exception
    {
        assertThat(query("admin", "admin-pass", Map.of("sessionUser", "alice"), "SELECT current_user")).isEqualTo("alice");
        // querybook has no impersonation rule
        assertThatThrownBy(() -> query("querybook", "querybook-plain-pass", Map.of("sessionUser", "alice"), "SELECT current_user"))
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("Access Denied")
                .hasMessageContaining("cannot impersonate user alice");
    }

    @Test
    void testRotationInVaultReachesTrino()
            throws Exception
    {
        assertThat(query("rotating", "first-pass", Map.of(), "SELECT current_user")).isEqualTo("rotating");
        vault.putSecret("secret", "trino/password", fields(
                "admin", ADMIN_HASH,
                "querybook", "querybook-plain-pass",
                "rotating", "second-pass"));
        int readsBefore = vault.requestCount(SECRET_PATH);
        // The plugin's background refresh (every 3/4 of the 4s TTL) picks the rotation up without any login. Both reads
        // counted after the write see the new version, and the second starts only once the first is stored (refreshes of
        // one secret never overlap). Polling with logins instead would count failures and lock the user out.
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        while (vault.requestCount(SECRET_PATH) < readsBefore + 2) {
            assertThat(System.nanoTime()).as("background refresh within 60s").isLessThan(deadline);
            Thread.sleep(200);
        }
        assertThat(query("rotating", "second-pass", Map.of(), "SELECT current_user")).isEqualTo("rotating");
        assertThatThrownBy(() -> query("rotating", "first-pass", Map.of(), "SELECT 1"))
                .hasMessageContaining("Authentication failed: Access Denied: Invalid credentials");
    }

    private static String query(String user, String password, Map<String, String> properties, String sql)
            throws SQLException
    {
        try (Connection connection = server.connect(user, password, properties);
                Statement statement = connection.createStatement();
                ResultSet resultSet = statement.executeQuery(sql)) {
            assertThat(resultSet.next()).isTrue();
            return resultSet.getString(1);
        }
    }
}
