package dev.trinobundle.authenticator;

import com.google.common.base.Ticker;
import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import com.google.common.collect.ImmutableSet;
import io.airlift.units.Duration;

import java.util.Set;

import static java.util.Objects.requireNonNull;
import static java.util.concurrent.TimeUnit.NANOSECONDS;

/**
 * Bounds password guessing per user name: after {@code maxFailures} failed logins, unverified attempts are refused for
 * {@code lockout}, doubling with every further failure up to {@code maxLockout}. Attempts during a lock-out are refused
 * before a hash is computed and do not extend it. A success does not clear the failures (otherwise a guesser gets
 * {@code maxFailures - 1} guesses between every login of the real client); they are forgotten {@code 2 * maxLockout} after
 * the last failure. The caller lets an already verified credential through before asking, so a lock-out only stops
 * attempts whose password has not been verified; {@code exemptUsers} are never locked out. Applies to unknown user names
 * too, so the lock-out does not reveal which exist.
 */
final class LoginThrottle
{
    private record State(int failures, long lockedUntil) {}

    private final Ticker ticker;
    private final int maxFailures;
    private final long lockoutNanos;
    private final long maxLockoutNanos;
    private final Set<String> exemptUsers;
    private final Cache<String, State> states;

    LoginThrottle(Ticker ticker, int maxFailures, Duration lockout, Duration maxLockout, Set<String> exemptUsers)
    {
        this.ticker = requireNonNull(ticker, "ticker is null");
        this.maxFailures = maxFailures;
        this.lockoutNanos = lockout.roundTo(NANOSECONDS);
        this.maxLockoutNanos = maxLockout.roundTo(NANOSECONDS);
        this.exemptUsers = ImmutableSet.copyOf(exemptUsers);
        this.states = CacheBuilder.newBuilder()
                .ticker(ticker)
                // a failure streak is forgotten once it could not matter any more
                .expireAfterWrite(maxLockoutNanos * 2, NANOSECONDS)
                .maximumSize(100_000)
                .build();
    }

    boolean isLockedOut(String user)
    {
        if (maxFailures == 0 || exemptUsers.contains(user)) {
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
}
