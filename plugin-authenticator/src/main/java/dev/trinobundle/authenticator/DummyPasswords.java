package dev.trinobundle.authenticator;

import at.favre.lib.crypto.bcrypt.BCrypt;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * bcrypt hashes of random passwords, one per cost, computed once: verifying an unknown user's password against one takes as
 * long as verifying a real user's, so response times do not reveal which user names exist.
 */
final class DummyPasswords
{
    static final int DEFAULT_BCRYPT_COST = 10;

    private static final Map<Integer, StoredPassword> BCRYPT = new ConcurrentHashMap<>();

    private DummyPasswords() {}

    static StoredPassword bcrypt(int cost)
    {
        return BCRYPT.computeIfAbsent(cost, key -> {
            byte[] random = new byte[24];
            new SecureRandom().nextBytes(random);
            String password = Base64.getEncoder().encodeToString(random);
            String hash = new String(BCrypt.withDefaults().hash(key, password.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
            return StoredPassword.parse(hash);
        });
    }
}
