package dev.trinobundle.authenticator;

import io.airlift.units.Duration;

import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static java.util.concurrent.TimeUnit.NANOSECONDS;

/**
 * Caps the bcrypt/PBKDF2 verifications (real and dummy) that run at once, so that a spray of unknown user names costs at
 * most that many cores and queries keep the rest. At most {@code maxQueued} logins wait for a slot, each at most
 * {@code maxWait}; a login beyond that is refused at once, so a spray cannot park Trino's HTTP threads here. Fair, so
 * waiting logins are served in order. Known and unknown user names queue alike.
 */
final class VerificationSlots
{
    enum Outcome
    {
        MATCH, MISMATCH, NOT_RUN;

        static Outcome of(boolean matches)
        {
            return matches ? MATCH : MISMATCH;
        }
    }

    private final Semaphore slots;
    private final int maxQueued;
    private final long maxWaitNanos;
    private final AtomicInteger queued = new AtomicInteger();

    VerificationSlots(int maxConcurrent, int maxQueued, Duration maxWait)
    {
        this.slots = new Semaphore(maxConcurrent, true);
        this.maxQueued = maxQueued;
        this.maxWaitNanos = maxWait.roundTo(NANOSECONDS);
    }

    /** Runs {@code verification} in a slot; {@link Outcome#NOT_RUN} when the queue was full or no slot became free in time. */
    Outcome runInSlot(BooleanSupplier verification)
    {
        if (!acquire()) {
            return Outcome.NOT_RUN;
        }
        try {
            return Outcome.of(verification.getAsBoolean());
        }
        finally {
            slots.release();
        }
    }

    private boolean acquire()
    {
        // tryAcquire() barges past a fair queue: only when nobody waits, so the order stays fair
        if (queued.get() == 0 && slots.tryAcquire()) {
            return true;
        }
        if (queued.incrementAndGet() > maxQueued) {
            queued.decrementAndGet();
            return false;
        }
        try {
            return slots.tryAcquire(maxWaitNanos, NANOSECONDS);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        finally {
            queued.decrementAndGet();
        }
    }
}
