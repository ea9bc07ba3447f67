package dev.trinobundle.authenticator;

import com.google.common.base.Ticker;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** A clock the test moves by hand, so that TTLs and lock-outs are exercised without sleeping. */
final class ManualTicker
        extends Ticker
{
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    @Override
    public long read()
    {
        return nanos.get();
    }

    void advance(Duration duration)
    {
        nanos.addAndGet(duration.toNanos());
    }
}
