package dev.trinobundle.authenticator;

import dev.trinobundle.authenticator.testing.TestingVaultServer;
import io.airlift.units.Duration;

import java.util.Map;

import static java.util.concurrent.TimeUnit.MILLISECONDS;

/** Wiring shared by the unit tests: an authenticator or client pointed at a {@link TestingVaultServer}. */
final class VaultTesting
{
    private VaultTesting() {}

    static VaultAuthenticatorConfig config(TestingVaultServer vault)
    {
        return new VaultAuthenticatorConfig()
                .setAddress(vault.address().toString())
                .setAllowInsecure(true)
                .setToken(vault.rootToken());
    }

    /** Three attempts, with short delays so that tests of outages stay fast. */
    static final VaultRetryConfig RETRY = new VaultRetryConfig()
            .setRetryMaxAttempts(3)
            .setRetryInitialDelay(new Duration(1, MILLISECONDS))
            .setRetryMaxDelay(new Duration(5, MILLISECONDS));

    static VaultClient client(VaultAuthenticatorConfig config, ManualTicker ticker)
    {
        return client(config, new VaultEnvironment(Map.of()), ticker);
    }

    static VaultClient client(VaultAuthenticatorConfig config, VaultEnvironment environment, ManualTicker ticker)
    {
        return new VaultClient(
                new VaultHttp(VaultConnectionSettings.resolve(config, environment), config.getHttpTimeout(), RETRY.getRetryMaxAttempts(), RETRY.getRetryInitialDelay(), RETRY.getRetryMaxDelay()),
                VaultLogin.create(config, environment),
                config.getKvMount(),
                config.getKvVersion(),
                ticker);
    }

    /** Background refreshes run on the calling thread, so that tests are deterministic. */
    static VaultAuthenticator authenticator(VaultAuthenticatorConfig config, ManualTicker ticker)
    {
        return authenticator(config, new VaultLoginConfig(), ticker);
    }

    static VaultAuthenticator authenticator(VaultAuthenticatorConfig config, VaultLoginConfig loginConfig, ManualTicker ticker)
    {
        return authenticator(config, loginConfig, ticker, PasswordVerifier.DIRECT);
    }

    static VaultAuthenticator authenticator(VaultAuthenticatorConfig config, VaultLoginConfig loginConfig, ManualTicker ticker, PasswordVerifier verifier)
    {
        return new VaultAuthenticator(config, loginConfig, client(config, ticker), ticker, verifier, Runnable::run);
    }
}
