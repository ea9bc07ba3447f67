package dev.trinobundle.authenticator;

import com.google.common.base.Ticker;
import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import com.google.common.collect.ImmutableSet;
import com.google.common.util.concurrent.Striped;
import io.airlift.units.Duration;

import java.util.Set;
import java.util.concurrent.locks.Lock;

import static java.util.Objects.requireNonNull;
import static java.util.concurrent.TimeUnit.NANOSECONDS;

/**
 * Bounds password guessing per user name. An attempt must be admitted before its password is verified, and stays counted
 * as a failure until it succeeds, so parallel guesses cannot overtake the count: at most {@code maxFailures} unverified
 * attempts are admitted before a lock-out. From the {@code maxFailures}-th failure on, the name is locked out for
 * {@code lockout}, doubling with every further failure up to {@code maxLockout}; after a lock-out ends, one attempt at a
 * time is admitted. During a lock-out one attempt per {@code lockedAttemptInterval} is still admitted (if none was in that
 * interval), so that a client holding the right password gets in eventually, also after a restart, while a guesser gets
 * no more than that rate. A success does not clear the failures; they are forgotten {@code 2 * maxLockout} after the last
 * one. {@code exemptUsers} are always admitted.
 * <p>
 * States of names that exist, or that reached a lock-out, are kept apart from those of made-up names with a failure or
 * two, so that a flood of made-up names only evicts its own kind.
 */
final class LoginThrottle
{
    enum Admission
    {
        ADMITTED, LOCKED_OUT
    }

    private record State(int failures, int inFlight, long lockedUntil, long lastAdmitted)
    {
        boolean protect(boolean known, int maxFailures)
        {
            return known || failures >= maxFailures;
        }
    }

    private final Ticker ticker;
    private final int maxFailures;
    private final long lockoutNanos;
    private final long maxLockoutNanos;
    private final long lockedAttemptIntervalNanos;
    private final Set<String> exemptUsers;
    private final Cache<String, State> protectedStates;
    private final Cache<String, State> otherStates;
    private final Striped<Lock> locks = Striped.lock(64);

    LoginThrottle(Ticker ticker, int maxFailures, Duration lockout, Duration maxLockout, Duration lockedAttemptInterval, Set<String> exemptUsers, int maxStates)
    {
        this.ticker = requireNonNull(ticker, "ticker is null");
        this.maxFailures = maxFailures;
        this.lockoutNanos = lockout.roundTo(NANOSECONDS);
        this.maxLockoutNanos = maxLockout.roundTo(NANOSECONDS);
        this.lockedAttemptIntervalNanos = lockedAttemptInterval.roundTo(NANOSECONDS);
        this.exemptUsers = ImmutableSet.copyOf(exemptUsers);
        // a failure streak is forgotten once it could not matter any more
        this.protectedStates = CacheBuilder.newBuilder().ticker(ticker).expireAfterWrite(maxLockoutNanos * 2, NANOSECONDS).maximumSize(maxStates).build();
        this.otherStates = CacheBuilder.newBuilder().ticker(ticker).expireAfterWrite(maxLockoutNanos * 2, NANOSECONDS).maximumSize(maxStates).build();
    }

    /** Asks to verify one password of {@code user}; an admitted attempt must be followed by {@link #completed}. */
    Admission admit(String user, boolean known)
    {
        if (maxFailures == 0 || exemptUsers.contains(user)) {
            return Admission.ADMITTED;
        }
        Lock lock = locks.get(user);
        lock.lock();
        try {
            long now = ticker.read();
            State state = current(user);
            int capacity = now < state.lockedUntil() ? 0 : Math.max(maxFailures - state.failures(), 1);
            boolean slowRateDue = state.failures() + state.inFlight() >= maxFailures && now - state.lastAdmitted() >= lockedAttemptIntervalNanos;
            if (state.inFlight() >= capacity && !slowRateDue) {
                return Admission.LOCKED_OUT;
            }
            store(user, known, new State(state.failures(), state.inFlight() + 1, state.lockedUntil(), now));
            return Admission.ADMITTED;
        }
        finally {
            lock.unlock();
        }
    }

    /** An admitted attempt ended: {@code success} when the password matched; anything else (wrong, not checked) is a failure. */
    /** Ends an admitted attempt; {@code failed} counts it, otherwise (a success, or no verification ran) only the reservation ends. */
    void completed(String user, boolean known, boolean failed)
    {
        if (maxFailures == 0 || exemptUsers.contains(user)) {
            return;
        }
        Lock lock = locks.get(user);
        lock.lock();
        try {
            State state = current(user);
            int inFlight = Math.max(state.inFlight() - 1, 0);
            if (!failed) {
                store(user, known, new State(state.failures(), inFlight, state.lockedUntil(), state.lastAdmitted()));
                return;
            }
            int failures = state.failures() + 1;
            long lockedUntil = state.lockedUntil();
            if (failures >= maxFailures) {
                long lockout = lockoutNanos;
                for (int i = 0; i < failures - maxFailures && lockout < maxLockoutNanos; i++) {
                    lockout *= 2;
                }
                lockedUntil = ticker.read() + Math.min(lockout, maxLockoutNanos);
            }
            store(user, known, new State(failures, inFlight, lockedUntil, state.lastAdmitted()));
        }
        finally {
            lock.unlock();
        }
    }

    private State current(String user)
    {
        State state = protectedStates.getIfPresent(user);
        if (state == null) {
            state = otherStates.getIfPresent(user);
        }
        // lastAdmitted of a new name: long ago, relative to the ticker (whose origin is arbitrary)
        return state == null ? new State(0, 0, 0, ticker.read() - lockedAttemptIntervalNanos) : state;
    }

    private void store(String user, boolean known, State state)
    {
        if (state.protect(known, maxFailures)) {
            protectedStates.put(user, state);
            otherStates.invalidate(user);
        }
        else {
            protectedStates.invalidate(user);
            otherStates.put(user, state);
        }
    }
}
