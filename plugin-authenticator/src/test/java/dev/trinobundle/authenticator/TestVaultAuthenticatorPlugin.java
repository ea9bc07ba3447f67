package dev.trinobundle.authenticator;

import com.google.common.collect.ImmutableMap;
import dev.trinobundle.authenticator.testing.TestingVaultServer;
import io.trino.spi.security.PasswordAuthenticator;
import io.trino.spi.security.PasswordAuthenticatorFactory;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static com.google.common.collect.Iterables.getOnlyElement;
import static dev.trinobundle.authenticator.testing.TestingVaultServer.fields;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

final class TestVaultAuthenticatorPlugin
{
    @Test
    void testPluginCreatesWorkingAuthenticator()
    {
        PasswordAuthenticatorFactory factory = getOnlyElement(new VaultAuthenticatorPlugin().getPasswordAuthenticatorFactories());
        assertThat(factory.getName()).isEqualTo("vault");
        try (TestingVaultServer vault = TestingVaultServer.start()) {
            vault.putSecret("secret", "trino/password", fields("admin", "plain:admin-pass"));
            PasswordAuthenticator authenticator = factory.create(ImmutableMap.of(
                    "vault.address", vault.address().toString(),
                    "vault.allow-insecure", "true",
                    "vault.token", vault.rootToken(),
                    "bootstrap.quiet", "true"));
            try {
                assertThat(authenticator.createAuthenticatedPrincipal("admin", "admin-pass").toString()).isEqualTo("admin");
            }
            finally {
                ((VaultAuthenticator) authenticator).shutdown();
            }
        }
    }

    @Test
    void testEnvironmentProvidesAddressAndToken()
    {
        try (TestingVaultServer vault = TestingVaultServer.start()) {
            vault.putSecret("secret", "trino/password", fields("admin", "plain:admin-pass"));
            VaultAuthenticatorFactory factory = new VaultAuthenticatorFactory(new VaultEnvironment(Map.of(
                    "VAULT_ADDR", vault.address().toString(),
                    "VAULT_TOKEN", vault.rootToken())));
            VaultAuthenticator authenticator = (VaultAuthenticator) factory.create(Map.of("vault.allow-insecure", "true", "bootstrap.quiet", "true"));
            try {
                assertThat(authenticator.createAuthenticatedPrincipal("admin", "admin-pass").getName()).isEqualTo("admin");
            }
            finally {
                authenticator.shutdown();
            }
        }
    }

    @Test
    void testMisconfigurationFailsAtStartup()
    {
        VaultAuthenticatorFactory factory = new VaultAuthenticatorFactory(new VaultEnvironment(Map.of()));
        assertThatThrownBy(() -> factory.create(Map.of("vault.address", "https://vault:8200", "vault.token", "t", "vault.unknown", "x", "bootstrap.quiet", "true")))
                .hasMessageContaining("Configuration property 'vault.unknown' was not used");
        assertThatThrownBy(() -> factory.create(Map.of("vault.address", "http://vault:8200", "vault.token", "t", "bootstrap.quiet", "true")))
                .hasMessageContaining("vault.allow-insecure=true");
        assertThatThrownBy(() -> factory.create(Map.of("vault.address", "https://vault:8200", "bootstrap.quiet", "true")))
                .hasMessageContaining("set vault.token-file, vault.token or the VAULT_TOKEN environment variable");
        assertThatThrownBy(() -> factory.create(Map.of("vault.address", "https://vault:8200", "vault.auth-method", "APPROLE", "bootstrap.quiet", "true")))
                .hasMessageContaining("vault.auth-method=APPROLE requires vault.approle.role-id and vault.approle.secret-id-file");
        assertThatThrownBy(() -> factory.create(Map.of("vault.address", "https://vault:8200", "vault.token", "hvs.secret-in-config", "vault.kv.user-path-prefix", "../etc",
                "bootstrap.quiet", "true")))
                .hasMessageContaining("vault.kv.user-path-prefix")
                .hasMessageNotContaining("hvs.secret-in-config");
    }
}
