package dev.trinobundle.authenticator;

/**
 * Whether a stored value that is not a bcrypt or PBKDF2 hash may be a plain password ({@code vault.plaintext-passwords}).
 * Under every setting a value shaped like another hash ({@code $apr1$}, {@code $6$}, {@code $argon2id$}, {@code {SSHA}},
 * hex digests, ...) is refused: comparing it as plain text would let the hash string itself log in.
 */
public enum PlaintextPasswords
{
    /**
     * Opt-in, warned about at startup: besides {@code plain:} values, an unprefixed value is a plain password unless it
     * could be a hash (a {@code $}, surrounding white space, a {@code scheme:} prefix, the length of a hex/base64 digest).
     */
    ALLOW,
    /** The default: only values with the {@code plain:} prefix are plain passwords; anything else must be bcrypt or PBKDF2. */
    PREFIXED,
    /** Only bcrypt and PBKDF2 hashes; {@code plain:} values are refused too. */
    DENY,
}
