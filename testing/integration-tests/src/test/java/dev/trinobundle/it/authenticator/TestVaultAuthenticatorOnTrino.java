package dev.trinobundle.it.authenticator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trinobundle.authenticator.testing.TestingVaultServer;
import dev.trinobundle.testing.TrinoServer;
import io.airlift.units.Duration;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.trinobundle.authenticator.testing.TestingVaultServer.fields;
import static io.trino.testing.assertions.Assert.assertEventually;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
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
    // hash formats the plugin does not verify: they must refuse the user, never be compared as a plain password
    private static final String APR1_HASH = "$apr1$abcdefgh$kzLw5c2Q2CytV5e5vCy3v1";
    private static final String SHA512_CRYPT_HASH = "$6$saltsalt$Hzv5ovWvSBoMtjL.BVx3OnzaiWN6reeO7wGZBqDE2UMEmiXqZGJLfHEqg4mT.HPMkeY9IgUKPBNDluiObR0oo/";
    private static final String ARGON2_HASH = "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG";
    // Werkzeug's format: not a plain password under the default vault.plaintext-passwords=PREFIXED
    private static final String WERKZEUG_HASH = "pbkdf2:sha256:600000$GFo1pSyF$2f1d9a1bb4b8c2cd35c7b6c7ee0f6b0d06e6c0e0d3b4e5e2c2f8a5d8e3e4a1b2";

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static Path workDir;
    private static TestingVaultServer vault;
    private static TrinoServer server;

    @BeforeAll
    static void startServers()
            throws Exception
    {
        workDir = Files.createTempDirectory("vault-it");
        vault = TestingVaultServer.startHttps(workDir);
        vault.putSecret("secret", "trino/password", passwords("plain:first-pass"));
        // the seed's single-user shape, read by a second authenticator that keeps the default MAP layout
        vault.putSecret("secret", "trino/seed", fields("username", "seeduser", "password", ADMIN_HASH));
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
                        "vault.cache.ttl", "4s"))
                .withEtcProperties("seed-authenticator.properties", Map.of(
                        "password-authenticator.name", "vault",
                        "vault.address", vault.address().toString(),
                        "vault.ca-cert-file", vault.caCertFile().orElseThrow().toString(),
                        "vault.kv.path", "trino/seed",
                        // its own lock-outs would blur the first authenticator's log lines (Trino asks both after a refusal)
                        "vault.throttle.max-failures", "0"))
                .withConfigProperty("password-authenticator.config-files",
                        builder.etcDir().resolve("password-authenticator.properties") + "," + builder.etcDir().resolve("seed-authenticator.properties"));
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
        // eleven authenticated queries cost only the background refreshes of one secret (one per 3s: 3/4 of the 4s TTL), not
        // one read each; the refresh clock started before `start`, hence one more than whole periods, plus a partial one
        long elapsedMillis = java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(vault.requestCount(SECRET_PATH)).isLessThanOrEqualTo((int) (elapsedMillis / 3000) + 2);
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
        vault.putSecret("secret", "trino/password", passwords("plain:second-pass"));
        int readsBefore = vault.requestCount(SECRET_PATH);
        // The plugin's background refresh (every 3/4 of the 4s TTL) picks the rotation up without any login. Both reads
        // counted after the write see the new version, and the second starts only once the first is stored (refreshes of
        // one secret never overlap). Polling with logins instead would count failures and lock the user out.
        assertEventually(new Duration(60, SECONDS), new Duration(200, MILLISECONDS),
                () -> assertThat(vault.requestCount(SECRET_PATH)).as("background refreshes").isGreaterThanOrEqualTo(readsBefore + 2));
        assertThat(query("rotating", "second-pass", Map.of(), "SELECT current_user")).isEqualTo("rotating");
        assertThatThrownBy(() -> query("rotating", "first-pass", Map.of(), "SELECT 1"))
                .hasMessageContaining("Authentication failed: Access Denied: Invalid credentials");
    }

    @Test
    void testStrangerCannotLockOutAClientHoldingTheRightPassword()
            throws Exception
    {
        // the BI tool logs in, then someone who only knows the user name fails often enough to reach the lock-out
        assertThat(query("metabase", "admin-pass", Map.of(), "SELECT current_user")).isEqualTo("metabase");
        for (int i = 0; i < 7; i++) {
            assertThatThrownBy(() -> query("metabase", "guess", Map.of(), "SELECT 1"))
                    .hasMessageContaining("Authentication failed: Access Denied: Invalid credentials");
        }
        assertThat(server.serverLogTail(4000)).contains("user=metabase outcome=DENIED reason=locked out");
        // the BI tool's verified credential still works for each of its queries (one authenticator call per query
        // submission: Trino 476 does not authenticate the nextUri polls)
        for (int i = 0; i < 3; i++) {
            assertThat(query("metabase", "admin-pass", Map.of(), "SELECT count(*) FROM tpch.tiny.nation")).isEqualTo("25");
        }
    }

    @Test
    void testASuccessDoesNotResetTheFailuresOfGuesses()
            throws Exception
    {
        // four guesses, one login of the real client, one more guess: five failures in the window, so the next guess is
        // refused as locked out instead of being checked (a success used to clear the count: four guesses per BI login)
        for (int i = 0; i < 4; i++) {
            assertThatThrownBy(() -> query("superset", "guess-a", Map.of(), "SELECT 1")).hasMessageContaining("Invalid credentials");
        }
        assertThat(query("superset", "superset-plain-pass", Map.of(), "SELECT current_user")).isEqualTo("superset");
        assertThatThrownBy(() -> query("superset", "guess-b", Map.of(), "SELECT 1")).hasMessageContaining("Invalid credentials");
        assertThatThrownBy(() -> query("superset", "guess-c", Map.of(), "SELECT 1")).hasMessageContaining("Invalid credentials");
        assertThat(server.serverLogTail(4000)).contains("user=superset outcome=DENIED reason=locked out");
    }

    @Test
    void testUnsupportedHashIsRefusedNotComparedAsPlainText()
    {
        for (String[] user : new String[][] {{"apr", APR1_HASH}, {"sha512crypt", SHA512_CRYPT_HASH}, {"argon", ARGON2_HASH}, {"werkzeug", WERKZEUG_HASH}}) {
            // pass-the-hash: the stored string itself as the password
            assertThatThrownBy(() -> query(user[0], user[1], Map.of(), "SELECT 1"))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("Authentication failed: Access Denied: Invalid credentials");
        }
        String log = server.serverLogTail(4000);
        assertThat(log)
                .contains("user=apr outcome=DENIED reason=stored password unusable")
                .contains("user=sha512crypt outcome=DENIED reason=stored password unusable")
                .contains("user=argon outcome=DENIED reason=stored password unusable")
                .contains("user=werkzeug outcome=DENIED reason=stored password unusable")
                .contains("The password stored in Vault for user argon cannot be used")
                .doesNotContain("kzLw5c2Q2CytV5e5vCy3v1")
                .doesNotContain("RdescudvJCsgt3ub");
    }

    @Test
    void testMapLayoutRefusesTheSingleUserShape()
    {
        // under MAP, the fields of {username=seeduser, password=<bcrypt of admin-pass>} used to be users: "password" logged
        // in with admin-pass (the hash is a valid bcrypt hash), "username" with "seeduser" wherever plain text was allowed
        assertThatThrownBy(() -> query("password", "admin-pass", Map.of(), "SELECT 1"))
                .hasMessageContaining("Authentication failed: Access Denied: Invalid credentials");
        assertThatThrownBy(() -> query("username", "seeduser", Map.of(), "SELECT 1"))
                .hasMessageContaining("Authentication failed: Access Denied: Invalid credentials");
        assertThat(server.serverLogTail(4000)).contains("set vault.password-layout=SINGLE_USER");
    }

    @Test
    void testOnlyTheSubmissionIsAuthenticatedNotTheNextUriPolls()
            throws Exception
    {
        // what the README's cost model rests on: Trino 476 checks the password at POST /v1/statement only; the polls of
        // nextUri are guarded by the slug in the URI and carry no credentials
        String certificate = server.certificatePem().orElseThrow().toString();
        JsonNode response = MAPPER.readTree(curl("--cacert", certificate, "-u", "querybook:querybook-plain-pass", "--data", "SELECT 42",
                server.httpsUri().orElseThrow() + "/v1/statement"));
        List<JsonNode> rows = new ArrayList<>();
        while (response.has("nextUri")) {
            response = MAPPER.readTree(curl("--cacert", certificate, response.get("nextUri").asText()));
            response.path("data").forEach(rows::add);
        }
        assertThat(response.at("/stats/state").asText()).isEqualTo("FINISHED");
        assertThat(rows).hasSize(1);
        assertThat(rows.getFirst().get(0).asInt()).isEqualTo(42);
    }

    /** curl's body; fails on any HTTP status of 400 or more (--fail-with-body). */
    private static String curl(String... arguments)
            throws Exception
    {
        List<String> command = new ArrayList<>(List.of("curl", "--silent", "--show-error", "--fail-with-body"));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as("%s: %s", command, output).isZero();
        return output;
    }

    private static Map<String, String> passwords(String rotatingPassword)
    {
        return fields(
                "admin", ADMIN_HASH,
                "querybook", "plain:querybook-plain-pass",
                "rotating", rotatingPassword,
                "metabase", ADMIN_HASH,
                "superset", "plain:superset-plain-pass",
                "apr", APR1_HASH,
                "sha512crypt", SHA512_CRYPT_HASH,
                "argon", ARGON2_HASH,
                "werkzeug", WERKZEUG_HASH);
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
