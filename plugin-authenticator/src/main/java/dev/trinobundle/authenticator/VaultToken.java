package dev.trinobundle.authenticator;

import static java.util.Objects.requireNonNull;

/**
 * The plugin's own Vault token, with the times (in {@link com.google.common.base.Ticker} nanoseconds) at which it should
 * be renewed and at which it expires. A lease duration of 0 means the token does not expire (e.g. a root token).
 */
record VaultToken(String value, boolean renewable, long leaseDurationSeconds, long obtainedAtNanos)
{
    VaultToken
    {
        requireNonNull(value, "value is null");
    }

    boolean expires()
    {
        return leaseDurationSeconds > 0;
    }

    boolean isExpired(long nowNanos)
    {
        return expires() && nowNanos - obtainedAtNanos >= leaseDurationSeconds * 1_000_000_000L;
    }

    /** Renew once two thirds of the lease have passed, leaving a third of it to ride out a slow or failed renewal. */
    boolean isRenewalDue(long nowNanos)
    {
        return expires() && renewable && nowNanos - obtainedAtNanos >= leaseDurationSeconds * 1_000_000_000L / 3 * 2;
    }

    @Override
    public String toString()
    {
        return "VaultToken{value=<redacted>, renewable=" + renewable + ", leaseDurationSeconds=" + leaseDurationSeconds + "}";
    }
}
