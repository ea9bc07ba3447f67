package dev.trinobundle.compat;

import dev.trinobundle.authenticator.testing.TestingVaultServer;
import io.trino.spi.classloader.ThreadContextClassLoader;
import io.trino.spi.security.AccessDeniedException;
import io.trino.spi.security.PasswordAuthenticator;
import io.trino.spi.security.PasswordAuthenticatorFactory;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static com.google.common.collect.Iterables.getOnlyElement;
import static dev.trinobundle.authenticator.testing.TestingVaultServer.fields;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Vault authenticator, as built against 476, authenticating through Trino 478's SPI. */
@Tag("plugin-directories")
final class TestVaultAuthenticatorOnTrino478
{
    @Test
    void testLoginAgainstVault()
    {
        try (TestingVaultServer vault = TestingVaultServer.start()) {
            vault.putSecret("secret", "trino/password", fields("admin", "plain:admin-pass", "querybook", "plain:querybook-pass"));
            String token = vault.createToken(Duration.ofHours(1), true, "secret/data/trino/");

            PasswordAuthenticatorFactory factory = getOnlyElement(BundlePlugins.load("vault-authenticator").getPasswordAuthenticatorFactories());
            PasswordAuthenticator authenticator;
            try (ThreadContextClassLoader _ = new ThreadContextClassLoader(factory.getClass().getClassLoader())) {
                authenticator = factory.create(Map.of(
                        "vault.address", vault.address().toString(),
                        "vault.allow-insecure", "true",
                        "vault.token", token));
            }

            assertThat(authenticator.createAuthenticatedPrincipal("admin", "admin-pass").getName()).isEqualTo("admin");
            assertThat(authenticator.createAuthenticatedPrincipal("querybook", "querybook-pass").getName()).isEqualTo("querybook");
            // the plugin throws the engine's (478) AccessDeniedException, so Trino answers 401 as it should
            assertThatThrownBy(() -> authenticator.createAuthenticatedPrincipal("admin", "wrong"))
                    .isExactlyInstanceOf(AccessDeniedException.class)
                    .hasMessage("Access Denied: Invalid credentials");
            assertThatThrownBy(() -> authenticator.createAuthenticatedPrincipal("nobody", "admin-pass"))
                    .isExactlyInstanceOf(AccessDeniedException.class)
                    .hasMessage("Access Denied: Invalid credentials");
        }
    }
}
