package dev.trinobundle.authenticator;

import com.google.common.base.Splitter;
import com.google.common.collect.ImmutableSet;
import io.airlift.configuration.Config;
import io.airlift.configuration.ConfigDescription;
import io.airlift.units.Duration;
import io.airlift.units.MaxDuration;
import io.airlift.units.MinDuration;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

import java.util.Set;

import static java.util.concurrent.TimeUnit.MINUTES;
import static java.util.concurrent.TimeUnit.SECONDS;

/**
 * How {@code password-authenticator.name=vault} caches secrets and verified credentials and protects logins: throttling,
 * plain-text policy and the bounds on what an unauthenticated client can make it do (hashing, Vault lookups, memory).
 */
public class VaultLoginConfig
{
    private Duration cacheTtl = new Duration(1, MINUTES);
    private Duration staleWindow = new Duration(15, MINUTES);
    private int cacheMaxEntries = 10_000;
    private int negativeCacheMaxEntries = 10_000;
    private int maxConcurrentLoads = 4;
    private int maxColdLoadsPerSecond = 50;
    private Duration loadTimeout = new Duration(10, SECONDS);
    private int credentialCacheMaxSize = 1000;
    private Duration credentialCacheTtl = new Duration(10, MINUTES);
    private int throttleMaxFailures = 5;
    private Duration throttleLockout = new Duration(30, SECONDS);
    private Duration throttleMaxLockout = new Duration(15, MINUTES);
    private Duration throttleLockedAttemptInterval = new Duration(1, MINUTES);
    private Set<String> throttleExemptUsers = ImmutableSet.of();
    private PlaintextPasswords plaintextPasswords = PlaintextPasswords.PREFIXED;
    private int hashingMaxConcurrent = 1;
    private int hashingMaxQueued = 4;
    private Duration hashingMaxWait = new Duration(1, SECONDS);

    @NotNull
    @MinDuration("1ms")
    public Duration getCacheTtl()
    {
        return cacheTtl;
    }

    @Config("vault.cache.ttl")
    @ConfigDescription("How long a secret read from Vault is used; it is refreshed in the background after 3/4 of this")
    public VaultLoginConfig setCacheTtl(Duration cacheTtl)
    {
        this.cacheTtl = cacheTtl;
        return this;
    }

    @NotNull
    public Duration getStaleWindow()
    {
        return staleWindow;
    }

    @Config("vault.cache.stale-window")
    @ConfigDescription("How long past its TTL a secret is still used while Vault is unreachable, sealed or standby (0s: never)")
    public VaultLoginConfig setStaleWindow(Duration staleWindow)
    {
        this.staleWindow = staleWindow;
        return this;
    }

    @Min(1)
    public int getCacheMaxEntries()
    {
        return cacheMaxEntries;
    }

    @Config("vault.cache.max-entries")
    @ConfigDescription("Maximum number of secrets that exist in Vault (PER_USER layout: users) kept in memory")
    public VaultLoginConfig setCacheMaxEntries(int cacheMaxEntries)
    {
        this.cacheMaxEntries = cacheMaxEntries;
        return this;
    }

    @Min(0)
    public int getNegativeCacheMaxEntries()
    {
        return negativeCacheMaxEntries;
    }

    @Config("vault.cache.negative-max-entries")
    @ConfigDescription("Maximum number of absent secrets (PER_USER: unknown user names) remembered, apart from the existing ones")
    public VaultLoginConfig setNegativeCacheMaxEntries(int negativeCacheMaxEntries)
    {
        this.negativeCacheMaxEntries = negativeCacheMaxEntries;
        return this;
    }

    @Min(1)
    @Max(1000)
    public int getMaxConcurrentLoads()
    {
        return maxConcurrentLoads;
    }

    @Config("vault.cache.max-concurrent-loads")
    @ConfigDescription("Most secrets read from Vault at the same time for logins with nothing cached, and most such logins waiting for their turn")
    public VaultLoginConfig setMaxConcurrentLoads(int maxConcurrentLoads)
    {
        this.maxConcurrentLoads = maxConcurrentLoads;
        return this;
    }

    @Min(1)
    @Max(100_000)
    public int getMaxColdLoadsPerSecond()
    {
        return maxColdLoadsPerSecond;
    }

    @Config("vault.cache.max-cold-loads-per-second")
    @ConfigDescription("Most Vault reads per second started for logins with nothing cached")
    public VaultLoginConfig setMaxColdLoadsPerSecond(int maxColdLoadsPerSecond)
    {
        this.maxColdLoadsPerSecond = maxColdLoadsPerSecond;
        return this;
    }

    @NotNull
    @MinDuration("1ms")
    public Duration getLoadTimeout()
    {
        return loadTimeout;
    }

    @Config("vault.cache.load-timeout")
    @ConfigDescription("Longest time a login waits for a secret that is not cached")
    public VaultLoginConfig setLoadTimeout(Duration loadTimeout)
    {
        this.loadTimeout = loadTimeout;
        return this;
    }

    @Min(0)
    public int getCredentialCacheMaxSize()
    {
        return credentialCacheMaxSize;
    }

    @Config("vault.credential-cache.max-size")
    @ConfigDescription("Maximum number of verified credentials remembered (as salted digests) to skip bcrypt/PBKDF2; 0 disables")
    public VaultLoginConfig setCredentialCacheMaxSize(int credentialCacheMaxSize)
    {
        this.credentialCacheMaxSize = credentialCacheMaxSize;
        return this;
    }

    @NotNull
    @MinDuration("1ms")
    public Duration getCredentialCacheTtl()
    {
        return credentialCacheTtl;
    }

    @Config("vault.credential-cache.ttl")
    @ConfigDescription("How long a verified credential is remembered; a rotated password invalidates it at once")
    public VaultLoginConfig setCredentialCacheTtl(Duration credentialCacheTtl)
    {
        this.credentialCacheTtl = credentialCacheTtl;
        return this;
    }

    @Min(0)
    public int getThrottleMaxFailures()
    {
        return throttleMaxFailures;
    }

    @Config("vault.throttle.max-failures")
    @ConfigDescription("Failed logins of one user name before unverified attempts are locked out temporarily; 0 disables throttling")
    public VaultLoginConfig setThrottleMaxFailures(int throttleMaxFailures)
    {
        this.throttleMaxFailures = throttleMaxFailures;
        return this;
    }

    @NotNull
    @MinDuration("1ms")
    public Duration getThrottleLockout()
    {
        return throttleLockout;
    }

    @Config("vault.throttle.lockout")
    @ConfigDescription("First lock-out period; it doubles with every further failure up to vault.throttle.max-lockout")
    public VaultLoginConfig setThrottleLockout(Duration throttleLockout)
    {
        this.throttleLockout = throttleLockout;
        return this;
    }

    @NotNull
    @MinDuration("1ms")
    public Duration getThrottleMaxLockout()
    {
        return throttleMaxLockout;
    }

    @Config("vault.throttle.max-lockout")
    @ConfigDescription("Longest lock-out period; failures are forgotten after twice this without a failure")
    public VaultLoginConfig setThrottleMaxLockout(Duration throttleMaxLockout)
    {
        this.throttleMaxLockout = throttleMaxLockout;
        return this;
    }

    @NotNull
    @MinDuration("1s")
    public Duration getThrottleLockedAttemptInterval()
    {
        return throttleLockedAttemptInterval;
    }

    @Config("vault.throttle.locked-attempt-interval")
    @ConfigDescription("During a lock-out, one unverified attempt of the user name is still verified per this interval, so the right password gets in eventually")
    public VaultLoginConfig setThrottleLockedAttemptInterval(Duration throttleLockedAttemptInterval)
    {
        this.throttleLockedAttemptInterval = throttleLockedAttemptInterval;
        return this;
    }

    @NotNull
    public Set<String> getThrottleExemptUsers()
    {
        return throttleExemptUsers;
    }

    @Config("vault.throttle.exempt-users")
    @ConfigDescription("Users never locked out (e.g. BI service users with long random passwords); their failures are still logged")
    public VaultLoginConfig setThrottleExemptUsers(String throttleExemptUsers)
    {
        this.throttleExemptUsers = ImmutableSet.copyOf(Splitter.on(',').trimResults().omitEmptyStrings().split(throttleExemptUsers));
        return this;
    }

    @NotNull
    public PlaintextPasswords getPlaintextPasswords()
    {
        return plaintextPasswords;
    }

    @Config("vault.plaintext-passwords")
    @ConfigDescription("Stored values that may be plain passwords: PREFIXED (plain: prefix only), DENY, or the opt-in ALLOW (also values of no hash shape)")
    public VaultLoginConfig setPlaintextPasswords(PlaintextPasswords plaintextPasswords)
    {
        this.plaintextPasswords = plaintextPasswords;
        return this;
    }

    @Min(1)
    @Max(1000)
    public int getHashingMaxConcurrent()
    {
        return hashingMaxConcurrent;
    }

    @Config("vault.hashing.max-concurrent")
    @ConfigDescription("Most bcrypt/PBKDF2 verifications (real or dummy) running at the same time")
    public VaultLoginConfig setHashingMaxConcurrent(int hashingMaxConcurrent)
    {
        this.hashingMaxConcurrent = hashingMaxConcurrent;
        return this;
    }

    @Min(0)
    @Max(1000)
    public int getHashingMaxQueued()
    {
        return hashingMaxQueued;
    }

    @Config("vault.hashing.max-queued")
    @ConfigDescription("Most logins waiting for a verification slot; a further one is refused at once")
    public VaultLoginConfig setHashingMaxQueued(int hashingMaxQueued)
    {
        this.hashingMaxQueued = hashingMaxQueued;
        return this;
    }

    @NotNull
    @MinDuration("0ms")
    @MaxDuration("5s")
    public Duration getHashingMaxWait()
    {
        return hashingMaxWait;
    }

    @Config("vault.hashing.max-wait")
    @ConfigDescription("Longest time a queued login waits for a verification slot; after that it is refused")
    public VaultLoginConfig setHashingMaxWait(Duration hashingMaxWait)
    {
        this.hashingMaxWait = hashingMaxWait;
        return this;
    }

    @AssertTrue(message = "vault.throttle.max-lockout must not be shorter than vault.throttle.lockout")
    public boolean isThrottleLockoutOrdered()
    {
        return throttleLockout == null || throttleMaxLockout == null || throttleMaxLockout.compareTo(throttleLockout) >= 0;
    }

    @AssertTrue(message = "vault.throttle.exempt-users must list valid user names, separated by commas")
    public boolean isThrottleExemptUsersValid()
    {
        return throttleExemptUsers == null || throttleExemptUsers.stream().allMatch(UserNames::isValid);
    }
}
