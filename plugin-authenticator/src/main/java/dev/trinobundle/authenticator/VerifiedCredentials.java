package dev.trinobundle.authenticator;

import com.google.common.base.Ticker;
import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import com.google.common.io.BaseEncoding;
import com.google.common.util.concurrent.UncheckedExecutionException;
import io.airlift.units.Duration;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.concurrent.ExecutionException;

import static com.google.common.base.Throwables.throwIfUnchecked;

import static java.util.concurrent.TimeUnit.NANOSECONDS;

/**
 * Credentials that passed bcrypt/PBKDF2 verification, so that the next query of the same user skips the slow hash.
 * The key is an HMAC-SHA256, under a random key that lives only in this process, of the user, the stored value the
 * password was verified against and the password: the plaintext password is never kept, and a password rotated in Vault
 * (a new stored value) no longer matches any remembered entry, nor does a user removed from Vault (no stored value to
 * key with). Only successes are remembered, each until it was not used for {@code ttl}.
 */
final class VerifiedCredentials
{
    private final SecretKeySpec key;
    // Mac.getInstance and init cost more than the digest itself; a Mac is not thread-safe, hence one per thread
    private final ThreadLocal<Mac> macs;
    private final Cache<String, Boolean> verified;
    private final boolean enabled;

    VerifiedCredentials(Ticker ticker, int maxSize, Duration ttl)
    {
        byte[] keyBytes = new byte[32];
        new SecureRandom().nextBytes(keyBytes);
        this.key = new SecretKeySpec(keyBytes, "HmacSHA256");
        this.macs = ThreadLocal.withInitial(this::newMac);
        this.enabled = maxSize > 0;
        this.verified = CacheBuilder.newBuilder()
                .ticker(ticker)
                .maximumSize(maxSize)
                // refreshed on use: a client that keeps querying is never asked to verify again (a rotated stored value is another key)
                .expireAfterAccess(ttl.roundTo(NANOSECONDS), NANOSECONDS)
                .build();
    }

    String digest(String user, String storedValue, String password)
    {
        Mac mac = macs.get();
        update(mac, user);
        update(mac, storedValue);
        update(mac, password);
        return BaseEncoding.base16().encode(mac.doFinal());
    }

    private Mac newMac()
    {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac;
        }
        catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    private static void update(Mac mac, String value)
    {
        // length-prefixed, so that ("ab", "c") and ("a", "bc") give different digests
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        mac.update(new byte[] {(byte) (bytes.length >>> 24), (byte) (bytes.length >>> 16), (byte) (bytes.length >>> 8), (byte) bytes.length});
        mac.update(bytes);
    }

    boolean contains(String digest)
    {
        return enabled && verified.getIfPresent(digest) != null;
    }

    /**
     * Runs {@code verification} (which throws when the password does not match) unless {@code digest} is remembered, and
     * remembers it when it passes. Concurrent calls with the same digest share one run and its outcome: a pool of
     * connections that a BI tool opens at once is one verification and one throttle admission, not one each (the throttle
     * admits only a few attempts of a name at a time, so the rest of the pool would be refused).
     */
    void verifyOnce(String digest, Runnable verification)
    {
        try {
            verified.get(digest, () -> {
                verification.run();
                return Boolean.TRUE;
            });
        }
        catch (ExecutionException | UncheckedExecutionException e) {
            throwIfUnchecked(e.getCause());
            throw new IllegalStateException(e.getCause());
        }
    }

    long size()
    {
        return verified.size();
    }
}
