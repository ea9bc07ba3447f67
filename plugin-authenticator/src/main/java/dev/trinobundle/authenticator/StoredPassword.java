package dev.trinobundle.authenticator;

import at.favre.lib.crypto.bcrypt.BCrypt;
import com.google.common.io.BaseEncoding;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * A password as stored in Vault: a bcrypt hash ({@code $2a$/$2b$/$2y$}, cost at least 8), a PBKDF2 hash in Trino's
 * password-file format ({@code iterations:hexSalt:hexHash}, PBKDF2WithHmacSHA1, at least 1000 iterations), or, as far as
 * {@link PlaintextPasswords} allows, the plain password ({@code plain:<password>}, or unprefixed under the opt-in
 * {@code ALLOW}), compared in constant time. Anything else is refused, never compared as text: otherwise a hash string
 * itself would be a working password. Neither {@link #toString()} nor a refusal's message shows the value.
 */
sealed interface StoredPassword
        permits StoredPassword.Bcrypt, StoredPassword.Pbkdf2, StoredPassword.Plain
{
    int BCRYPT_MIN_COST = 8;
    int PBKDF2_MIN_ITERATIONS = 1000;

    Pattern BCRYPT = Pattern.compile("\\$2[aby]\\$(\\d\\d)\\$[./A-Za-z0-9]{53}");
    Pattern PBKDF2 = Pattern.compile("(\\d{1,9}):([0-9a-fA-F]{2,}):([0-9a-fA-F]{2,})");
    String PLAIN_PREFIX = "plain:";
    // modular-crypt identifiers that name a format; anything else between two '$' may be part of a password and is never logged
    Set<String> CRYPT_IDS = Set.of("1", "2", "2a", "2b", "2x", "2y", "3", "5", "6", "7", "y", "gy", "apr1", "md5", "sha1", "nt",
            "argon2i", "argon2d", "argon2id", "scrypt", "pbkdf2", "pbkdf2-sha1", "pbkdf2-sha256", "pbkdf2-sha512", "bcrypt", "bcrypt-sha256");
    Pattern MODULAR_CRYPT_ID = Pattern.compile("\\$([A-Za-z0-9-]{1,20})\\$.*", Pattern.DOTALL);
    // shapes of hash formats this plugin does not verify: LDAP {SCHEME}, hex digests (MySQL 3.23 16, MD5 32, SHA-1 40,
    // SHA-224 56, SHA-256 64, SHA-384 96, SHA-512 128), base64 MD5/SHA-1/SHA-256/SHA-512 digests, MySQL's *<sha1 hex>, broken PBKDF2
    Pattern OTHER_HASH = Pattern.compile("\\{[A-Za-z0-9_.-]{1,20}}.*"
            + "|[0-9a-fA-F]{16}|[0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{56}|[0-9a-fA-F]{64}|[0-9a-fA-F]{96}|[0-9a-fA-F]{128}|\\*[0-9a-fA-F]{40}"
            + "|[A-Za-z0-9+/_-]{22}(==)?|[A-Za-z0-9+/_-]{27}=?|[A-Za-z0-9+/_-]{43}=?|[A-Za-z0-9+/_-]{86}(==)?"
            + "|\\d{1,9}:[0-9a-fA-F]+:[0-9a-fA-F]+", Pattern.DOTALL);
    // scheme:... values (Werkzeug pbkdf2:sha256:..., scrypt:..., sha1:64000:..., user:$apr1$... htpasswd lines)
    Pattern SCHEME_PREFIX = Pattern.compile("[A-Za-z0-9_-]+:.*", Pattern.DOTALL);

    boolean matches(String password);

    /** A stored value of the same kind and cost that no password matches, to spend the same time on unknown users. */
    StoredPassword dummy();

    /**
     * Rough cost of one verification in common units (one unit ~ one PBKDF2-SHA1 iteration of one block; one bcrypt round
     * of {@code 2^cost} ~ 100 units), to pick the strongest stored kind for the dummy verification of unknown users.
     */
    long workFactor();

    /** As {@link #parse(String, PlaintextPasswords)} under the default, {@link PlaintextPasswords#PREFIXED}. */
    static StoredPassword parse(String value)
    {
        return parse(value, PlaintextPasswords.PREFIXED);
    }

    /**
     * @throws IllegalArgumentException when the value is unusable: a hash of an unsupported format or too weak, or a plain
     * password that {@code plaintext} does not allow (message without the value)
     */
    static StoredPassword parse(String value, PlaintextPasswords plaintext)
    {
        requireNonNull(value, "value is null");
        requireNonNull(plaintext, "plaintext is null");
        if (value.isEmpty()) {
            throw new IllegalArgumentException("stored password is empty");
        }
        if (value.startsWith(PLAIN_PREFIX)) {
            if (plaintext == PlaintextPasswords.DENY) {
                throw new IllegalArgumentException("stored value is a plain password (plain: prefix) and vault.plaintext-passwords=DENY");
            }
            if (value.length() == PLAIN_PREFIX.length()) {
                throw new IllegalArgumentException("stored password is empty (nothing after the plain: prefix)");
            }
            return new Plain(value.substring(PLAIN_PREFIX.length()));
        }
        if (value.startsWith("$2")) {
            Matcher matcher = BCRYPT.matcher(value);
            if (!matcher.matches()) {
                throw new IllegalArgumentException("stored value starts like a bcrypt hash but is not one ($2a$/$2b$/$2y$, two-digit cost, 53 characters)");
            }
            int cost = Integer.parseInt(matcher.group(1));
            if (cost < BCRYPT_MIN_COST || cost > 31) {
                throw new IllegalArgumentException("bcrypt cost " + cost + " is outside " + BCRYPT_MIN_COST + "..31");
            }
            return new Bcrypt(value, cost);
        }
        Matcher matcher = PBKDF2.matcher(value);
        if (matcher.matches() && matcher.group(2).length() % 2 == 0 && matcher.group(3).length() % 2 == 0) {
            int iterations = Integer.parseInt(matcher.group(1));
            if (iterations < PBKDF2_MIN_ITERATIONS) {
                throw new IllegalArgumentException("PBKDF2 iterations " + iterations + " are below " + PBKDF2_MIN_ITERATIONS);
            }
            BaseEncoding hex = BaseEncoding.base16().lowerCase();
            return new Pbkdf2(iterations, hex.decode(matcher.group(2).toLowerCase()), hex.decode(matcher.group(3).toLowerCase()));
        }
        Matcher cryptId = MODULAR_CRYPT_ID.matcher(value);
        if (cryptId.matches() && CRYPT_IDS.contains(cryptId.group(1))) {
            // a listed identifier names the format, it is not part of the secret
            throw new IllegalArgumentException("stored value is a '$" + cryptId.group(1) + "$' hash, a format this plugin does not verify (use bcrypt or Trino's PBKDF2 format)");
        }
        if (plaintext != PlaintextPasswords.ALLOW) {
            throw new IllegalArgumentException("stored value is neither a bcrypt hash, nor Trino's PBKDF2 format, nor a plain:<password> value, so it is refused as an unsupported format"
                    + (plaintext == PlaintextPasswords.DENY ? " (vault.plaintext-passwords=DENY)" : ""));
        }
        // ALLOW: only what cannot be mistaken for a hash, a hash line or a padded copy of one is a plain password
        if (!value.strip().equals(value) || value.indexOf('$') >= 0 || SCHEME_PREFIX.matcher(value).matches() || OTHER_HASH.matcher(value).matches()) {
            throw new IllegalArgumentException("stored value looks like a hash of a format this plugin does not verify, or has surrounding white space, a '$' or a scheme: prefix "
                    + "(use bcrypt or Trino's PBKDF2 format; a plain password of this shape needs the plain: prefix)");
        }
        return new Plain(value);
    }

    final class Bcrypt
            implements StoredPassword
    {
        private final String hash;
        private final int cost;

        Bcrypt(String hash, int cost)
        {
            this.hash = hash;
            this.cost = cost;
        }

        @Override
        public boolean matches(String password)
        {
            try {
                return BCrypt.verifyer().verify(password.getBytes(StandardCharsets.UTF_8), hash.getBytes(StandardCharsets.UTF_8)).verified;
            }
            catch (IllegalArgumentException e) {
                // e.g. a password longer than bcrypt's 72 bytes: it cannot be verified, so it does not match
                return false;
            }
        }

        @Override
        public StoredPassword dummy()
        {
            return DummyPasswords.bcrypt(cost);
        }

        @Override
        public long workFactor()
        {
            return 100L << cost;
        }

        @Override
        public String toString()
        {
            return "Bcrypt{cost=" + cost + "}";
        }
    }

    final class Pbkdf2
            implements StoredPassword
    {
        private final int iterations;
        private final byte[] salt;
        private final byte[] hash;

        Pbkdf2(int iterations, byte[] salt, byte[] hash)
        {
            this.iterations = iterations;
            this.salt = salt.clone();
            this.hash = hash.clone();
        }

        @Override
        public boolean matches(String password)
        {
            return MessageDigest.isEqual(hash, derive(password, salt, iterations, hash.length));
        }

        static byte[] derive(String password, byte[] salt, int iterations, int length)
        {
            PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, length * 8);
            try {
                return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA1").generateSecret(spec).getEncoded();
            }
            catch (GeneralSecurityException e) {
                throw new IllegalStateException("PBKDF2WithHmacSHA1 is not available", e);
            }
            finally {
                spec.clearPassword();
            }
        }

        @Override
        public StoredPassword dummy()
        {
            return DummyPasswords.pbkdf2(iterations, salt.length, hash.length);
        }

        @Override
        public long workFactor()
        {
            // PBKDF2 runs all iterations once per 20-byte (SHA-1) block of output
            return (long) iterations * ((hash.length + 19) / 20);
        }

        @Override
        public String toString()
        {
            return "Pbkdf2{iterations=" + iterations + "}";
        }
    }

    final class Plain
            implements StoredPassword
    {
        private final byte[] password;

        Plain(String password)
        {
            this.password = password.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public boolean matches(String candidate)
        {
            // MessageDigest.isEqual is constant time for equal lengths; hashing first hides the stored length as well
            return MessageDigest.isEqual(sha256(password), sha256(candidate.getBytes(StandardCharsets.UTF_8)));
        }

        private static byte[] sha256(byte[] bytes)
        {
            try {
                return MessageDigest.getInstance("SHA-256").digest(bytes);
            }
            catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public StoredPassword dummy()
        {
            return DummyPasswords.plain();
        }

        @Override
        public long workFactor()
        {
            return 0;
        }

        @Override
        public String toString()
        {
            return "Plain{<redacted>}";
        }
    }
}
