package dev.trinobundle.authenticator;

/**
 * Whether a stored value that is not a bcrypt or PBKDF2 hash may be a plain password ({@code vault.plaintext-passwords}).
 * A value that looks like any other hash ({@code $apr1$}, {@code $6$}, {@code $argon2id$}, {@code {SSHA}}, hex digests,
 * ...) is refused under every setting: comparing it as plain text would let the hash string itself log in.
 */
public enum PlaintextPasswords
{
    /** Values with the {@code plain:} prefix, and other values that look like no hash, are plain passwords. */
    ALLOW,
    /** Only values with the {@code plain:} prefix are plain passwords; anything else must be bcrypt or PBKDF2. */
    PREFIXED,
    /** Only bcrypt and PBKDF2 hashes; {@code plain:} values are refused too. */
    DENY,
}
