package dev.trinobundle.authenticator;

import com.google.common.collect.ImmutableMap;

import java.util.Map;
import java.util.Optional;

/**
 * The process environment as far as the standard Vault client variables go; a value so tests need not mutate the real one.
 */
public record VaultEnvironment(Map<String, String> variables)
{
    public static final String VAULT_ADDR = "VAULT_ADDR";
    public static final String VAULT_TOKEN = "VAULT_TOKEN";
    public static final String VAULT_NAMESPACE = "VAULT_NAMESPACE";
    public static final String VAULT_CACERT = "VAULT_CACERT";

    public VaultEnvironment
    {
        variables = ImmutableMap.copyOf(variables);
    }

    public static VaultEnvironment system()
    {
        return new VaultEnvironment(System.getenv());
    }

    public Optional<String> get(String name)
    {
        return Optional.ofNullable(variables.get(name)).map(String::trim).filter(value -> !value.isEmpty());
    }

    @Override
    public String toString()
    {
        // VAULT_TOKEN and whatever else the process holds must never be printed
        return "VaultEnvironment{variables=" + variables.keySet().size() + "}";
    }
}
