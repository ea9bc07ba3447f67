package dev.trinobundle.authenticator;

import com.google.common.base.Ticker;
import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import io.airlift.units.Duration;

import static java.util.Objects.requireNonNull;
import static java.util.concurrent.TimeUnit.NANOSECONDS;

/**
 * Temporary lock-out of a user name after {@code maxFailures} consecutive failed logins: first {@code lockout}, doubling
 * with every further failure up to {@code maxLockout}. Attempts during a lock-out are refused before Vault is asked or a
 * hash is computed, and do not extend it. Applies to unknown user names too, so the lock-out does not reveal which exist.
 */
final class LoginThrottle
{
    private record State(int failures, long lockedUntil) {}

    private final Ticker ticker;
    private final int maxFailures;
    private final long lockoutNanos;
    private final long maxLockoutNanos;
    private final Cache<String, State> states;

    LoginThrottle(Ticker ticker, int maxFailures, Duration lockout, Duration maxLockout)
    {
        this.ticker = requireNonNull(ticker, "ticker is null");
        this.maxFailures = maxFailures;
        this.lockoutNanos = lockout.roundTo(NANOSECONDS);
        this.maxLockoutNanos = maxLockout.roundTo(NANOSECONDS);
        this.states = CacheBuilder.newBuilder()
                .ticker(ticker)
                // a failure streak is forgotten once it could not matter any more
                .expireAfterWrite(maxLockoutNanos * 2, NANOSECONDS)
                .maximumSize(100_000)
                .build();
    }

    boolean isLockedOut(String user)
    {
        if (maxFailures == 0) {
            return false;
        }
        State state = states.getIfPresent(user);
        return state != null && ticker.read() < state.lockedUntil();
    }

    void recordFailure(String user)
    {
        if (maxFailures == 0) {
            return;
        }
        states.asMap().compute(user, (key, state) -> {
            int failures = state == null ? 1 : state.failures() + 1;
            long lockedUntil = 0;
            if (failures >= maxFailures) {
                long lockout = lockoutNanos;
                for (int i = 0; i < failures - maxFailures && lockout < maxLockoutNanos; i++) {
                    lockout *= 2;
                }
                lockout = Math.min(lockout, maxLockoutNanos);
                lockedUntil = ticker.read() + lockout;
            }
            return new State(failures, lockedUntil);
        });
    }

    void recordSuccess(String user)
    {
        if (states.getIfPresent(user) != null) {
            states.invalidate(user);
        }
    }
}
