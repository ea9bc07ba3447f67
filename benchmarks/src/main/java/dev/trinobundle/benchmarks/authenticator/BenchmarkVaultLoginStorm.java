package dev.trinobundle.benchmarks.authenticator;

import dev.trinobundle.authenticator.VaultAuthenticatorFactory;
import io.trino.spi.security.PasswordAuthenticator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.security.Principal;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import static java.util.concurrent.TimeUnit.SECONDS;

/**
 * A login storm (4 threads, 50 users each with their own secret, PER_USER layout, {@code vault.cache.ttl=4s}) against
 * the Vault stub: prints the Vault reads per minute next to the logins per minute at the end of every iteration. Expected:
 * about one read per secret per 3s (three quarters of the TTL, the background refresh point), independent of the login rate.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(SECONDS)
@Fork(1)
@Threads(4)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 10)
public class BenchmarkVaultLoginStorm
{
    private static final int USERS = 50;

    private StubVaultServer vault;
    private PasswordAuthenticator authenticator;
    private long readsAtStart;
    private long startNanos;
    private final java.util.concurrent.atomic.LongAdder logins = new java.util.concurrent.atomic.LongAdder();

    @Setup(Level.Trial)
    public void setUp()
    {
        DiscardedPluginLog.install();
        vault = new StubVaultServer();
        for (int i = 0; i < USERS; i++) {
            vault.put("trino/users/user" + i, Map.of("password", "plain:pass-" + i));
        }
        Map<String, String> config = new HashMap<>();
        config.put("vault.address", vault.address());
        config.put("vault.allow-insecure", "true");
        config.put("vault.token", StubVaultServer.TOKEN);
        config.put("vault.password-layout", "PER_USER");
        config.put("vault.cache.ttl", "4s");
        config.put("bootstrap.quiet", "true");
        authenticator = new VaultAuthenticatorFactory().create(config);
    }

    @Setup(Level.Iteration)
    public void startIteration()
    {
        readsAtStart = vault.kvReads();
        logins.reset();
        startNanos = System.nanoTime();
    }

    @TearDown(Level.Iteration)
    public void reportIteration()
    {
        double minutes = (System.nanoTime() - startNanos) / 60e9;
        long reads = vault.kvReads() - readsAtStart;
        System.out.printf("%n    Vault KV reads: %d (%.0f/min, %.1f/min per secret) for %d logins (%.0f/min)%n",
                reads, reads / minutes, reads / minutes / USERS, logins.sum(), logins.sum() / minutes);
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        vault.close();
    }

    @Benchmark
    public Principal stormLogin()
    {
        int user = ThreadLocalRandom.current().nextInt(USERS);
        logins.increment();
        return authenticator.createAuthenticatedPrincipal("user" + user, "pass-" + user);
    }
}
