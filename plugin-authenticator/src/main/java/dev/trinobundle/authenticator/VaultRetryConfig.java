package dev.trinobundle.authenticator;

import io.airlift.configuration.Config;
import io.airlift.configuration.ConfigDescription;
import io.airlift.units.Duration;
import io.airlift.units.MinDuration;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;

/** How {@code password-authenticator.name=vault} retries a Vault request that failed with 412/429/5xx or could not connect. */
public class VaultRetryConfig
{
    private int retryMaxAttempts = 3;
    private Duration retryInitialDelay = new Duration(200, MILLISECONDS);
    private Duration retryMaxDelay = new Duration(2, SECONDS);

    @Min(1)
    @Max(20)
    public int getRetryMaxAttempts()
    {
        return retryMaxAttempts;
    }

    @Config("vault.retry.max-attempts")
    @ConfigDescription("Attempts of one Vault request when Vault answers 429/5xx or cannot be reached")
    public VaultRetryConfig setRetryMaxAttempts(int retryMaxAttempts)
    {
        this.retryMaxAttempts = retryMaxAttempts;
        return this;
    }

    @NotNull
    @MinDuration("0ms")
    public Duration getRetryInitialDelay()
    {
        return retryInitialDelay;
    }

    @Config("vault.retry.initial-delay")
    @ConfigDescription("Delay before the first retry; doubled for each further retry")
    public VaultRetryConfig setRetryInitialDelay(Duration retryInitialDelay)
    {
        this.retryInitialDelay = retryInitialDelay;
        return this;
    }

    @NotNull
    @MinDuration("0ms")
    public Duration getRetryMaxDelay()
    {
        return retryMaxDelay;
    }

    @Config("vault.retry.max-delay")
    @ConfigDescription("Longest delay between two attempts")
    public VaultRetryConfig setRetryMaxDelay(Duration retryMaxDelay)
    {
        this.retryMaxDelay = retryMaxDelay;
        return this;
    }

    @AssertTrue(message = "vault.retry.max-delay must not be shorter than vault.retry.initial-delay")
    public boolean isRetryDelayOrdered()
    {
        return retryInitialDelay == null || retryMaxDelay == null || retryMaxDelay.compareTo(retryInitialDelay) >= 0;
    }
}
