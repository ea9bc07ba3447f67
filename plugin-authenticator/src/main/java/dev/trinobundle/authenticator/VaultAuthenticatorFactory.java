package dev.trinobundle.authenticator;

import io.trino.spi.security.PasswordAuthenticator;
import io.trino.spi.security.PasswordAuthenticatorFactory;

import java.util.Map;

public class VaultAuthenticatorFactory
        implements PasswordAuthenticatorFactory
{
    public static final String NAME = "vault";

    @Override
    public String getName()
    {
        return NAME;
    }

    @Override
    public PasswordAuthenticator create(Map<String, String> config)
    {
        // Fail closed until the authenticator exists: nobody logs in through an unfinished authenticator.
        throw new UnsupportedOperationException("password-authenticator.name=vault is not implemented yet");
    }
}
