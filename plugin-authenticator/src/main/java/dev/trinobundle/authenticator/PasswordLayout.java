package dev.trinobundle.authenticator;

/**
 * Where the passwords are inside Vault.
 */
public enum PasswordLayout
{
    /** One secret ({@code vault.kv.path}) whose fields map user names to passwords: {@code admin=…, querybook=…}. */
    MAP,
    /**
     * One secret ({@code vault.kv.path}) holding a single user's password in {@code vault.kv.password-field}; the user is
     * named by {@code vault.kv.username-field} or, when that field is absent, by {@code vault.single-user.default-user}.
     */
    SINGLE_USER,
    /** One secret per user at {@code vault.kv.user-path-prefix/<user>}, password in {@code vault.kv.password-field}. */
    PER_USER,
}
