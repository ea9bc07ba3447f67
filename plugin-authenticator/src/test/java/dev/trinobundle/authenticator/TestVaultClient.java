package dev.trinobundle.authenticator;

import dev.trinobundle.authenticator.testing.TestingVaultServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import static dev.trinobundle.authenticator.testing.TestingVaultServer.fields;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

final class TestVaultClient
{
    private static final String SECRET_PATH = "/v1/secret/data/trino/password";
    private static final String APPROLE_LOGIN = "/v1/auth/approle/login";
    private static final String RENEW = "/v1/auth/token/renew-self";

    @TempDir
    Path tempDir;

    private TestingVaultServer vault;
    private final ManualTicker ticker = new ManualTicker();

    @BeforeEach
    void setUp()
    {
        vault = TestingVaultServer.start();
        vault.putSecret("secret", "trino/password", fields("admin", "admin-pass"));
    }

    @AfterEach
    void tearDown()
    {
        vault.close();
    }

    @Test
    void testAppRoleLoginRenewalAndReLogin()
            throws Exception
    {
        Path secretId = Files.writeString(tempDir.resolve("secret-id"), "secret-id-1\n");
        vault.enableAppRole("approle", "role-1", "secret-id-1", Duration.ofMinutes(10), true, "secret/data/trino/");
        VaultClient client = VaultTesting.client(VaultTesting.config(vault)
                .setToken(null)
                .setAuthMethod(AuthMethod.APPROLE)
                .setAppRoleRoleId("role-1")
                .setAppRoleSecretIdFile(secretId.toString()), ticker);

        assertThat(client.readSecret("trino/password")).contains(Map.of("admin", "admin-pass"));
        assertThat(client.readSecret("trino/password")).isPresent();
        assertThat(vault.requestCount(APPROLE_LOGIN)).isEqualTo(1);
        assertThat(vault.requestCount(RENEW)).isZero();

        // two thirds into the 10 minute lease the token is renewed, not replaced
        ticker.advance(Duration.ofMinutes(7));
        client.maintainToken();
        assertThat(vault.requestCount(RENEW)).isEqualTo(1);
        assertThat(vault.requestCount(APPROLE_LOGIN)).isEqualTo(1);
        ticker.advance(Duration.ofMinutes(5));
        assertThat(client.readSecret("trino/password")).isPresent();
        assertThat(vault.requestCount(RENEW)).isEqualTo(1);

        // Vault forgot the token (expired or revoked): 403, one new login with the secret id re-read from its file, and the read succeeds
        vault.revokeAllIssuedTokens();
        Files.writeString(secretId, "secret-id-2");
        vault.setAcceptedCredential("approle", "role-1", "secret-id-2");
        assertThat(client.readSecret("trino/password")).contains(Map.of("admin", "admin-pass"));
        assertThat(vault.requestCount(APPROLE_LOGIN)).isEqualTo(2);
        assertThat(vault.requestCount(SECRET_PATH)).isEqualTo(5);

        // the lease ran out on our clock without renewal: log in again before asking
        ticker.advance(Duration.ofMinutes(11));
        assertThat(client.readSecret("trino/password")).isPresent();
        assertThat(vault.requestCount(APPROLE_LOGIN)).isEqualTo(3);
    }

    @Test
    void testRefusedRenewalLeadsToANewLogin()
            throws Exception
    {
        Path secretId = Files.writeString(tempDir.resolve("secret-id"), "secret-id-1");
        vault.enableAppRole("approle", "role-1", "secret-id-1", Duration.ofMinutes(10), true, "secret/data/trino/");
        VaultClient client = VaultTesting.client(VaultTesting.config(vault)
                .setToken(null)
                .setAuthMethod(AuthMethod.APPROLE)
                .setAppRoleRoleId("role-1")
                .setAppRoleSecretIdFile(secretId.toString()), ticker);
        assertThat(client.readSecret("trino/password")).isPresent();

        // the token was revoked behind our back: renew-self gets 403, so the background upkeep logs in again
        vault.revokeAllIssuedTokens();
        ticker.advance(Duration.ofMinutes(7));
        client.maintainToken();
        assertThat(vault.requestCount(RENEW)).isEqualTo(1);
        assertThat(vault.requestCount(APPROLE_LOGIN)).isEqualTo(2);
        vault.resetRequestCounts();
        assertThat(client.readSecret("trino/password")).isPresent();
        assertThat(vault.totalRequestCount()).isEqualTo(1);
    }

    @Test
    void testNonRenewableTokenIsUsedUntilItExpires()
    {
        String token = vault.createToken(Duration.ofMinutes(30), false, "secret/data/trino/");
        VaultClient client = VaultTesting.client(VaultTesting.config(vault).setToken(token), ticker);
        assertThat(client.readSecret("trino/password")).isPresent();
        ticker.advance(Duration.ofMinutes(25));
        client.maintainToken();
        assertThat(client.readSecret("trino/password")).isPresent();
        assertThat(vault.requestCount(RENEW)).isZero();
        assertThat(vault.requestCount("/v1/auth/token/lookup-self")).isEqualTo(1);
    }

    @Test
    void testAppRoleWithWrongSecretIdSaysWhatToCheck()
            throws Exception
    {
        Path secretId = Files.writeString(tempDir.resolve("secret-id"), "not-the-secret-id");
        vault.enableAppRole("approle", "role-1", "secret-id-1", Duration.ofMinutes(10), true, "secret/data/trino/");
        VaultClient client = VaultTesting.client(VaultTesting.config(vault)
                .setToken(null)
                .setAuthMethod(AuthMethod.APPROLE)
                .setAppRoleRoleId("role-1")
                .setAppRoleSecretIdFile(secretId.toString()), ticker);
        assertThatThrownBy(() -> client.readSecret("trino/password"))
                .isInstanceOf(VaultUnavailableException.class)
                .hasMessageContaining("HTTP 400 (invalid role or secret ID)")
                .hasMessageContaining("vault.approle.role-id")
                .hasMessageNotContaining("not-the-secret-id");
    }

    @Test
    void testKubernetesLoginReReadsTheJwtAtEveryLogin()
            throws Exception
    {
        Path jwt = Files.writeString(tempDir.resolve("token"), "jwt-1");
        vault.enableKubernetes("k8s/prod", "trino", "jwt-1", Duration.ofHours(1), true, "secret/data/trino/");
        VaultClient client = VaultTesting.client(VaultTesting.config(vault)
                .setToken(null)
                .setAuthMethod(AuthMethod.KUBERNETES)
                .setKubernetesMount("k8s/prod")
                .setKubernetesRole("trino")
                .setKubernetesJwtFile(jwt.toString()), ticker);
        assertThat(client.readSecret("trino/password")).isPresent();
        assertThat(vault.requestCount("/v1/auth/k8s/prod/login")).isEqualTo(1);

        // the projected token rotated and the old Vault token is gone
        Files.writeString(jwt, "jwt-2");
        vault.setAcceptedCredential("k8s/prod", "trino", "jwt-2");
        vault.revokeAllIssuedTokens();
        assertThat(client.readSecret("trino/password")).isPresent();
        assertThat(vault.requestCount("/v1/auth/k8s/prod/login")).isEqualTo(2);

        // a JWT Vault does not accept: 403 on login, reported as a Vault failure naming the role and file
        Files.writeString(jwt, "jwt-stolen");
        vault.revokeAllIssuedTokens();
        assertThatThrownBy(() -> client.readSecret("trino/password"))
                .isInstanceOf(VaultUnavailableException.class)
                .hasMessageContaining("Vault login failed: HTTP 403")
                .hasMessageContaining("vault.kubernetes.role=trino")
                .hasMessageNotContaining("jwt-stolen");
    }

    @Test
    void testTokenFileIsReReadWhenVaultRejectsTheToken()
            throws Exception
    {
        String first = vault.createToken(Duration.ofHours(1), false, "secret/data/trino/");
        Path tokenFile = Files.writeString(tempDir.resolve("token"), first);
        VaultClient client = VaultTesting.client(VaultTesting.config(vault).setToken(null).setTokenFile(tokenFile.toString()), ticker);
        assertThat(client.readSecret("trino/password")).isPresent();
        assertThat(vault.requestCount("/v1/auth/token/lookup-self")).isEqualTo(1);

        vault.revokeToken(first);
        Files.writeString(tokenFile, vault.createToken(Duration.ofHours(1), false, "secret/data/trino/"));
        assertThat(client.readSecret("trino/password")).isPresent();
        assertThat(vault.requestCount("/v1/auth/token/lookup-self")).isEqualTo(2);
    }

    @Test
    void testRevokedInlineTokenFailsClosedWithoutShowingIt()
    {
        String token = vault.createToken(Duration.ofHours(1), false, "secret/data/trino/");
        VaultClient client = VaultTesting.client(VaultTesting.config(vault).setToken(token), ticker);
        assertThat(client.readSecret("trino/password")).isPresent();
        vault.revokeToken(token);
        assertThatThrownBy(() -> client.readSecret("trino/password"))
                .isInstanceOf(VaultUnavailableException.class)
                .hasMessageContaining("403")
                .hasMessageNotContaining(token);

        VaultClient fresh = VaultTesting.client(VaultTesting.config(vault).setToken(token), ticker);
        assertThatThrownBy(() -> fresh.readSecret("trino/password"))
                .isInstanceOf(VaultUnavailableException.class)
                .hasMessageContaining("invalid token")
                .hasMessageNotContaining(token);
    }

    @Test
    void testPolicyWithoutReadIsReportedAsSuch()
            throws Exception
    {
        vault.enableAppRole("approle", "role-1", "secret-id-1", Duration.ofMinutes(10), true, "secret/data/other/");
        Path secretId = Files.writeString(tempDir.resolve("secret-id"), "secret-id-1");
        VaultClient client = VaultTesting.client(VaultTesting.config(vault)
                .setToken(null)
                .setAuthMethod(AuthMethod.APPROLE)
                .setAppRoleRoleId("role-1")
                .setAppRoleSecretIdFile(secretId.toString()), ticker);
        assertThatThrownBy(() -> client.readSecret("trino/password"))
                .isInstanceOf(VaultUnavailableException.class)
                .hasMessageContaining("grant the plugin's policy \"read\" on secret/data/trino/password");
        assertThat(vault.requestCount(APPROLE_LOGIN)).isEqualTo(2);
    }

    @Test
    void testNotFoundIsDecidedOnTheStatusCode()
    {
        VaultClient client = VaultTesting.client(VaultTesting.config(vault), ticker);
        assertThat(client.readSecret("trino/never-written")).isEmpty();
        vault.putSecret("secret", "trino/deleted", fields("admin", "x"));
        vault.deleteSecret("secret", "trino/deleted");
        assertThat(client.readSecret("trino/deleted")).isEmpty();
        // a new version after the deletion is readable again
        vault.putSecret("secret", "trino/deleted", fields("admin", "y"));
        assertThat(client.readSecret("trino/deleted")).contains(Map.of("admin", "y"));
    }

    @Test
    void testNamespaceHeaderAndEnvironmentDefaults()
    {
        VaultEnvironment environment = new VaultEnvironment(Map.of(
                "VAULT_ADDR", vault.address().toString(),
                "VAULT_TOKEN", vault.rootToken(),
                "VAULT_NAMESPACE", "team-a/"));
        VaultAuthenticatorConfig config = VaultTesting.config(vault).setAddress(null).setToken(null);
        VaultClient client = VaultTesting.client(config, environment, ticker);
        assertThat(client.readSecret("trino/password")).isPresent();
        assertThat(vault.requests()).allSatisfy(request -> assertThat(request.namespace()).contains("team-a/"));

        // the property wins over the environment
        vault.resetRequestCounts();
        VaultClient explicit = VaultTesting.client(config.setNamespace("team-b"), environment, ticker);
        assertThat(explicit.readSecret("trino/password")).isPresent();
        assertThat(vault.requests()).allSatisfy(request -> assertThat(request.namespace()).contains("team-b"));
    }

    @Test
    void testPlainHttpNeedsExplicitPermission()
    {
        VaultAuthenticatorConfig config = VaultTesting.config(vault).setAllowInsecure(false);
        assertThatThrownBy(() -> VaultConnectionSettings.resolve(config, new VaultEnvironment(Map.of())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("vault.allow-insecure=true");
        assertThatThrownBy(() -> VaultConnectionSettings.resolve(new VaultAuthenticatorConfig(), new VaultEnvironment(Map.of())))
                .hasMessageContaining("set vault.address (or the VAULT_ADDR environment variable)");
        assertThatThrownBy(() -> VaultConnectionSettings.resolve(new VaultAuthenticatorConfig().setAddress("ftp://vault:21"), new VaultEnvironment(Map.of())))
                .hasMessageContaining("must start with https://");
    }

    @Test
    void testTlsWithCustomCaFile()
    {
        try (TestingVaultServer tlsVault = TestingVaultServer.startHttps(tempDir)) {
            tlsVault.putSecret("secret", "trino/password", fields("admin", "tls-pass"));
            VaultAuthenticatorConfig config = VaultTesting.config(tlsVault).setAllowInsecure(false).setToken(tlsVault.rootToken());

            VaultClient trusting = VaultTesting.client(config.setCaCertFile(tlsVault.caCertFile().orElseThrow().toString()), ticker);
            assertThat(trusting.readSecret("trino/password")).contains(Map.of("admin", "tls-pass"));

            // VAULT_CACERT as the default
            VaultClient fromEnvironment = VaultTesting.client(VaultTesting.config(tlsVault).setAllowInsecure(false).setToken(tlsVault.rootToken()),
                    new VaultEnvironment(Map.of("VAULT_CACERT", tlsVault.caCertFile().orElseThrow().toString())), ticker);
            assertThat(fromEnvironment.readSecret("trino/password")).isPresent();

            // without the CA the certificate is not trusted: a Vault failure, never a login decision
            VaultClient untrusting = VaultTesting.client(VaultTesting.config(tlsVault).setAllowInsecure(false).setToken(tlsVault.rootToken()), ticker);
            assertThatThrownBy(() -> untrusting.readSecret("trino/password"))
                    .isInstanceOf(VaultUnavailableException.class)
                    .hasMessageContaining("SSLHandshakeException");
        }
    }

    @Test
    void testUnreadableCaFileIsAStartupError()
    {
        Path missing = tempDir.resolve("missing.pem");
        assertThatThrownBy(() -> VaultConnectionSettings.resolve(VaultTesting.config(vault).setCaCertFile(missing.toString()), new VaultEnvironment(Map.of())))
                .hasMessageContaining("vault.ca-cert-file (or VAULT_CACERT) is not a readable file: " + missing);
    }

    @Test
    void testNoRetryForClientErrors()
    {
        VaultClient client = VaultTesting.client(VaultTesting.config(vault), ticker);
        assertThat(client.readSecret("trino/password")).isPresent();
        vault.resetRequestCounts();
        vault.failNextRequests(500, 3);
        assertThatThrownBy(() -> client.readSecret("trino/password"))
                .isInstanceOf(VaultUnavailableException.class)
                .hasMessageContaining("after 3 attempt(s): HTTP 500");
        assertThat(vault.requestCount(SECRET_PATH)).isEqualTo(3);
        assertThat(client.readSecret("trino/missing")).isEqualTo(Optional.empty());
        assertThat(vault.requestCount("/v1/secret/data/trino/missing")).isEqualTo(1);
    }
}
