package dev.trinobundle.authenticator;

import at.favre.lib.crypto.bcrypt.BCrypt;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Stored values of random passwords, one per kind and cost, computed once: verifying an unknown user's password against
 * one takes as long as verifying a real user's of that kind and cost, so response times do not reveal which user names
 * exist. Kept per kind and cost (never one shared slot that follows the last user tried).
 */
final class DummyPasswords
{
    static final int DEFAULT_BCRYPT_COST = 10;

    private static final Map<Integer, StoredPassword> BCRYPT = new ConcurrentHashMap<>();
    private static final Map<List<Integer>, StoredPassword> PBKDF2 = new ConcurrentHashMap<>();
    private static final StoredPassword PLAIN = new StoredPassword.Plain(Base64.getEncoder().encodeToString(random(32)));

    private DummyPasswords() {}

    static StoredPassword bcrypt(int cost)
    {
        return BCRYPT.computeIfAbsent(cost, key -> {
            String password = Base64.getEncoder().encodeToString(random(24));
            String hash = new String(BCrypt.withDefaults().hash(key, password.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
            return StoredPassword.parse(hash, PlaintextPasswords.DENY);
        });
    }

    static StoredPassword pbkdf2(int iterations, int saltLength, int hashLength)
    {
        return PBKDF2.computeIfAbsent(List.of(iterations, saltLength, hashLength),
                key -> new StoredPassword.Pbkdf2(iterations, random(saltLength), random(hashLength)));
    }

    static StoredPassword plain()
    {
        return PLAIN;
    }

    private static byte[] random(int length)
    {
        byte[] bytes = new byte[length];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }
}
