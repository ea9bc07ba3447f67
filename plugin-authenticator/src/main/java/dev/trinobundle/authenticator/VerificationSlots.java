package dev.trinobundle.authenticator;

import io.airlift.units.Duration;

import java.util.concurrent.Semaphore;

import static java.util.concurrent.TimeUnit.NANOSECONDS;

/**
 * Caps the bcrypt/PBKDF2 verifications (real and dummy) that run at once, so that a spray of unknown user names costs at
 * most that many cores and queries keep the rest; a login that cannot get a slot within {@code maxWait} is refused
 * instead of holding one of Trino's HTTP threads. Fair, so waiting logins are served in order.
 */
final class VerificationSlots
{
    private final Semaphore slots;
    private final long maxWaitNanos;

    VerificationSlots(int maxConcurrent, Duration maxWait)
    {
        this.slots = new Semaphore(maxConcurrent, true);
        this.maxWaitNanos = maxWait.roundTo(NANOSECONDS);
    }

    /** @return false if no slot became free within the wait; true after running {@code verification} in one */
    boolean runInSlot(Runnable verification)
    {
        try {
            if (!slots.tryAcquire(maxWaitNanos, NANOSECONDS)) {
                return false;
            }
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        try {
            verification.run();
            return true;
        }
        finally {
            slots.release();
        }
    }
}
