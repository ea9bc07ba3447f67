package dev.trinobundle.authenticator;

/**
 * Vault could not answer the question "what is this user's password?": unreachable, sealed, standby, rate-limited past
 * our retries, or refusing the plugin's own credentials. Deliberately not an {@code AccessDeniedException}: Trino turns
 * any other {@code RuntimeException} into an authentication error (HTTP 500) and does not fall through to the next
 * authenticator, so a login is never decided without the password having been checked.
 * The message never contains a password, token or secret id.
 */
public class VaultUnavailableException
        extends RuntimeException
{
    public VaultUnavailableException(String message)
    {
        super(message);
    }

    public VaultUnavailableException(String message, Throwable cause)
    {
        super(message, cause);
    }
}
