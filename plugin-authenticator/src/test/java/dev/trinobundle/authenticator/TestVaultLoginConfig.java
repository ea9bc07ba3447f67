package dev.trinobundle.authenticator;

import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import io.airlift.units.Duration;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.airlift.configuration.testing.ConfigAssertions.assertFullMapping;
import static io.airlift.configuration.testing.ConfigAssertions.assertRecordedDefaults;
import static io.airlift.configuration.testing.ConfigAssertions.recordDefaults;
import static java.util.concurrent.TimeUnit.HOURS;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.MINUTES;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

final class TestVaultLoginConfig
{
    @Test
    void testDefaults()
    {
        assertRecordedDefaults(recordDefaults(VaultLoginConfig.class)
                .setCacheTtl(new Duration(1, MINUTES))
                .setStaleWindow(new Duration(15, MINUTES))
                .setCacheMaxEntries(10_000)
                .setNegativeCacheMaxEntries(10_000)
                .setMaxConcurrentLoads(4)
                .setMaxColdLoadsPerSecond(50)
                .setLoadTimeout(new Duration(10, SECONDS))
                .setCredentialCacheMaxSize(1000)
                .setCredentialCacheTtl(new Duration(10, MINUTES))
                .setThrottleMaxFailures(5)
                .setThrottleLockout(new Duration(30, SECONDS))
                .setThrottleMaxLockout(new Duration(15, MINUTES))
                .setThrottleLockedAttemptInterval(new Duration(1, MINUTES))
                .setThrottleExemptUsers("")
                .setPlaintextPasswords(PlaintextPasswords.PREFIXED)
                .setHashingMaxConcurrent(1)
                .setHashingMaxQueued(4)
                .setHashingMaxWait(new Duration(1, SECONDS)));
    }

    @Test
    void testExplicitPropertyMappings()
    {
        Map<String, String> properties = ImmutableMap.<String, String>builder()
                .put("vault.cache.ttl", "30s")
                .put("vault.cache.stale-window", "1h")
                .put("vault.cache.max-entries", "50")
                .put("vault.cache.negative-max-entries", "60")
                .put("vault.cache.max-concurrent-loads", "7")
                .put("vault.cache.max-cold-loads-per-second", "9")
                .put("vault.cache.load-timeout", "3s")
                .put("vault.credential-cache.max-size", "10")
                .put("vault.credential-cache.ttl", "2m")
                .put("vault.throttle.max-failures", "3")
                .put("vault.throttle.lockout", "5s")
                .put("vault.throttle.max-lockout", "1m")
                .put("vault.throttle.locked-attempt-interval", "2m")
                .put("vault.throttle.exempt-users", "metabase, querybook")
                .put("vault.plaintext-passwords", "ALLOW")
                .put("vault.hashing.max-concurrent", "3")
                .put("vault.hashing.max-queued", "8")
                .put("vault.hashing.max-wait", "500ms")
                .buildOrThrow();

        VaultLoginConfig expected = new VaultLoginConfig()
                .setCacheTtl(new Duration(30, SECONDS))
                .setStaleWindow(new Duration(1, HOURS))
                .setCacheMaxEntries(50)
                .setNegativeCacheMaxEntries(60)
                .setMaxConcurrentLoads(7)
                .setMaxColdLoadsPerSecond(9)
                .setLoadTimeout(new Duration(3, SECONDS))
                .setCredentialCacheMaxSize(10)
                .setCredentialCacheTtl(new Duration(2, MINUTES))
                .setThrottleMaxFailures(3)
                .setThrottleLockout(new Duration(5, SECONDS))
                .setThrottleMaxLockout(new Duration(1, MINUTES))
                .setThrottleLockedAttemptInterval(new Duration(2, MINUTES))
                .setThrottleExemptUsers("metabase,querybook")
                .setPlaintextPasswords(PlaintextPasswords.ALLOW)
                .setHashingMaxConcurrent(3)
                .setHashingMaxQueued(8)
                .setHashingMaxWait(new Duration(500, MILLISECONDS));

        assertFullMapping(properties, expected);
    }

    @Test
    void testExemptUsersAreParsedAndChecked()
    {
        VaultLoginConfig config = new VaultLoginConfig().setThrottleExemptUsers(" metabase ,,querybook");
        assertThat(config.getThrottleExemptUsers()).isEqualTo(ImmutableSet.of("metabase", "querybook"));
        assertThat(config.isThrottleExemptUsersValid()).isTrue();
        assertThat(new VaultLoginConfig().setThrottleExemptUsers("admin,../x").isThrottleExemptUsersValid()).isFalse();
    }
}
