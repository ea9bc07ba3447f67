package dev.trinobundle.authenticator;

/**
 * How the plugin obtains its own Vault token.
 */
public enum AuthMethod
{
    /** A static token: {@code vault.token}, {@code vault.token-file} or the {@code VAULT_TOKEN} environment variable. */
    TOKEN,
    /** {@code POST /v1/auth/<mount>/login} with a role id and a secret id read from a file. */
    APPROLE,
    /** {@code POST /v1/auth/<mount>/login} with a role and the service-account JWT, re-read at every login. */
    KUBERNETES,
}
