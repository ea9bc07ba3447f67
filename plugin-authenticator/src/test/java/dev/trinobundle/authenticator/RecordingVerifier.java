package dev.trinobundle.authenticator;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

import static java.util.concurrent.TimeUnit.SECONDS;

/**
 * Verifies for real and records what was verified (the stored value's kind and cost, never the value). While a gate is
 * set, each verification waits for it, so that a test can hold the hashing slots deterministically.
 */
final class RecordingVerifier
        implements PasswordVerifier
{
    private final List<String> verified = new CopyOnWriteArrayList<>();
    private volatile CountDownLatch gate;
    private volatile CountDownLatch entered = new CountDownLatch(0);

    @Override
    public boolean verify(StoredPassword stored, String password)
    {
        verified.add(stored.toString());
        CountDownLatch currentGate = gate;
        if (currentGate != null) {
            entered.countDown();
            try {
                if (!currentGate.await(60, SECONDS)) {
                    throw new IllegalStateException("gate not opened within 60s");
                }
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        return stored.matches(password);
    }

    /** From now on, verifications wait until {@link #open()}; returns a latch that counts {@code expected} entries. */
    CountDownLatch close(int expected)
    {
        entered = new CountDownLatch(expected);
        gate = new CountDownLatch(1);
        return entered;
    }

    void open()
    {
        CountDownLatch currentGate = gate;
        gate = null;
        if (currentGate != null) {
            currentGate.countDown();
        }
    }

    int count()
    {
        return verified.size();
    }

    List<String> verified()
    {
        return List.copyOf(verified);
    }

    void reset()
    {
        verified.clear();
    }
}
