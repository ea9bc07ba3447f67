package dev.trinobundle.authenticator;

import com.google.common.base.Ticker;
import com.google.inject.Binder;
import com.google.inject.Module;
import com.google.inject.Provides;
import com.google.inject.Scopes;
import com.google.inject.Singleton;

import static io.airlift.configuration.ConfigBinder.configBinder;
import static java.util.Objects.requireNonNull;

final class VaultAuthenticatorModule
        implements Module
{
    private final VaultEnvironment environment;

    VaultAuthenticatorModule(VaultEnvironment environment)
    {
        this.environment = requireNonNull(environment, "environment is null");
    }

    @Override
    public void configure(Binder binder)
    {
        configBinder(binder).bindConfig(VaultAuthenticatorConfig.class);
        configBinder(binder).bindConfig(VaultLoginConfig.class);
        configBinder(binder).bindConfig(VaultRetryConfig.class);
        binder.bind(VaultEnvironment.class).toInstance(environment);
        binder.bind(Ticker.class).toInstance(Ticker.systemTicker());
        binder.bind(PasswordVerifier.class).toInstance(PasswordVerifier.DIRECT);
        binder.bind(VaultAuthenticator.class).in(Scopes.SINGLETON);
    }

    @Provides
    @Singleton
    static VaultClient createVaultClient(VaultAuthenticatorConfig config, VaultRetryConfig retry, VaultEnvironment environment, Ticker ticker)
    {
        VaultConnectionSettings settings = VaultConnectionSettings.resolve(config, environment);
        VaultLogin login = VaultLogin.create(config, environment);
        VaultHttp http = new VaultHttp(settings, config.getHttpTimeout(), retry.getRetryMaxAttempts(), retry.getRetryInitialDelay(), retry.getRetryMaxDelay());
        return new VaultClient(http, login, config.getKvMount(), config.getKvVersion(), ticker);
    }
}
