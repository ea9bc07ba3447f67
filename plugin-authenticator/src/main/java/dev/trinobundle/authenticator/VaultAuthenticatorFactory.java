package dev.trinobundle.authenticator;

import com.google.inject.Injector;
import io.airlift.bootstrap.Bootstrap;
import io.trino.spi.security.PasswordAuthenticator;
import io.trino.spi.security.PasswordAuthenticatorFactory;

import java.util.Map;

import static java.util.Objects.requireNonNull;

public class VaultAuthenticatorFactory
        implements PasswordAuthenticatorFactory
{
    public static final String NAME = "vault";

    private final VaultEnvironment environment;

    public VaultAuthenticatorFactory()
    {
        this(VaultEnvironment.system());
    }

    VaultAuthenticatorFactory(VaultEnvironment environment)
    {
        this.environment = requireNonNull(environment, "environment is null");
    }

    @Override
    public String getName()
    {
        return NAME;
    }

    @Override
    public PasswordAuthenticator create(Map<String, String> config)
    {
        Bootstrap app = new Bootstrap(new VaultAuthenticatorModule(environment));
        Injector injector = app
                .doNotInitializeLogging()
                .setRequiredConfigurationProperties(config)
                .initialize();
        return injector.getInstance(VaultAuthenticator.class);
    }
}
