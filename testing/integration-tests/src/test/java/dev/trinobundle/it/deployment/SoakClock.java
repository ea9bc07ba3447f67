package dev.trinobundle.it.deployment;

import java.util.concurrent.TimeUnit;

/** Seconds since the soak's load started; the schedule and every outcome are on this clock. */
final class SoakClock
{
    private final long startNanos = System.nanoTime();

    double seconds()
    {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    /** Waits for a point of the schedule (a time, not a condition: nothing to poll). False if interrupted. */
    boolean sleepUntil(double seconds)
    {
        long remaining = Math.round((seconds - seconds()) * 1e9);
        if (remaining <= 0) {
            return true;
        }
        try {
            TimeUnit.NANOSECONDS.sleep(remaining);
            return true;
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
