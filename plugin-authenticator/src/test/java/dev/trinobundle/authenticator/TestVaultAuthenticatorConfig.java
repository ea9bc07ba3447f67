package dev.trinobundle.authenticator;

import com.google.common.collect.ImmutableMap;
import io.airlift.units.Duration;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.airlift.configuration.testing.ConfigAssertions.assertFullMapping;
import static io.airlift.configuration.testing.ConfigAssertions.assertRecordedDefaults;
import static io.airlift.configuration.testing.ConfigAssertions.recordDefaults;
import static java.util.concurrent.TimeUnit.SECONDS;

final class TestVaultAuthenticatorConfig
{
    @Test
    void testDefaults()
    {
        assertRecordedDefaults(recordDefaults(VaultAuthenticatorConfig.class)
                .setAddress(null)
                .setAllowInsecure(false)
                .setNamespace(null)
                .setCaCertFile(null)
                .setHttpTimeout(new Duration(10, SECONDS))
                .setAuthMethod(AuthMethod.TOKEN)
                .setToken(null)
                .setTokenFile(null)
                .setAppRoleMount("approle")
                .setAppRoleRoleId(null)
                .setAppRoleSecretIdFile(null)
                .setKubernetesMount("kubernetes")
                .setKubernetesRole(null)
                .setKubernetesJwtFile("/var/run/secrets/kubernetes.io/serviceaccount/token")
                .setKvMount("secret")
                .setKvVersion(2)
                .setLayout(PasswordLayout.MAP)
                .setKvPath("trino/password")
                .setUserPathPrefix("trino/users")
                .setPasswordField("password")
                .setUsernameField("username")
                .setDefaultUser(null));
    }

    @Test
    void testExplicitPropertyMappings()
    {
        Map<String, String> properties = ImmutableMap.<String, String>builder()
                .put("vault.address", "https://vault.example.com:8200")
                .put("vault.allow-insecure", "true")
                .put("vault.namespace", "team/trino")
                .put("vault.ca-cert-file", "/etc/trino/vault/ca.pem")
                .put("vault.http-timeout", "3s")
                .put("vault.auth-method", "KUBERNETES")
                .put("vault.token", "s.inline")
                .put("vault.token-file", "/etc/trino/vault/token")
                .put("vault.approle.mount", "approle-trino")
                .put("vault.approle.role-id", "role-1")
                .put("vault.approle.secret-id-file", "/etc/trino/vault/secret-id")
                .put("vault.kubernetes.mount", "k8s/prod")
                .put("vault.kubernetes.role", "trino")
                .put("vault.kubernetes.jwt-file", "/var/run/token")
                .put("vault.kv.mount", "kv")
                .put("vault.kv.version", "1")
                .put("vault.password-layout", "PER_USER")
                .put("vault.kv.path", "apps/trino")
                .put("vault.kv.user-path-prefix", "apps/trino/users")
                .put("vault.kv.password-field", "pw")
                .put("vault.kv.username-field", "user")
                .put("vault.single-user.default-user", "admin")
                .buildOrThrow();

        VaultAuthenticatorConfig expected = new VaultAuthenticatorConfig()
                .setAddress("https://vault.example.com:8200")
                .setAllowInsecure(true)
                .setNamespace("team/trino")
                .setCaCertFile("/etc/trino/vault/ca.pem")
                .setHttpTimeout(new Duration(3, SECONDS))
                .setAuthMethod(AuthMethod.KUBERNETES)
                .setToken("s.inline")
                .setTokenFile("/etc/trino/vault/token")
                .setAppRoleMount("approle-trino")
                .setAppRoleRoleId("role-1")
                .setAppRoleSecretIdFile("/etc/trino/vault/secret-id")
                .setKubernetesMount("k8s/prod")
                .setKubernetesRole("trino")
                .setKubernetesJwtFile("/var/run/token")
                .setKvMount("kv")
                .setKvVersion(1)
                .setLayout(PasswordLayout.PER_USER)
                .setKvPath("apps/trino")
                .setUserPathPrefix("apps/trino/users")
                .setPasswordField("pw")
                .setUsernameField("user")
                .setDefaultUser("admin");

        assertFullMapping(properties, expected);
    }

    @Test
    void testRetryDefaults()
    {
        assertRecordedDefaults(recordDefaults(VaultRetryConfig.class)
                .setRetryMaxAttempts(3)
                .setRetryInitialDelay(new Duration(200, java.util.concurrent.TimeUnit.MILLISECONDS))
                .setRetryMaxDelay(new Duration(2, SECONDS)));
    }

    @Test
    void testRetryPropertyMappings()
    {
        assertFullMapping(
                ImmutableMap.of("vault.retry.max-attempts", "5", "vault.retry.initial-delay", "50ms", "vault.retry.max-delay", "1s"),
                new VaultRetryConfig()
                        .setRetryMaxAttempts(5)
                        .setRetryInitialDelay(new Duration(50, java.util.concurrent.TimeUnit.MILLISECONDS))
                        .setRetryMaxDelay(new Duration(1, SECONDS)));
    }
}
