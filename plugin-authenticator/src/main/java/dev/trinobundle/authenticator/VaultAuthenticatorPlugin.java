package dev.trinobundle.authenticator;

import com.google.common.collect.ImmutableList;
import io.trino.spi.Plugin;
import io.trino.spi.security.PasswordAuthenticatorFactory;

public class VaultAuthenticatorPlugin
        implements Plugin
{
    @Override
    public Iterable<PasswordAuthenticatorFactory> getPasswordAuthenticatorFactories()
    {
        return ImmutableList.of(new VaultAuthenticatorFactory());
    }
}
