package dev.trinobundle.benchmarks.authenticator;

import at.favre.lib.crypto.bcrypt.BCrypt;
import dev.trinobundle.authenticator.VaultAuthenticatorFactory;
import io.trino.spi.security.AccessDeniedException;
import io.trino.spi.security.PasswordAuthenticator;
import io.trino.spi.security.PasswordAuthenticatorFactory;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;

import static java.util.concurrent.TimeUnit.MILLISECONDS;

/**
 * The admin's login latency while 50 threads spray made-up user names (a new name per attempt, as a 400-name spray is
 * to the throttle: no name repeats often enough to be locked out), on the same authenticator and the Vault stub, with
 * the default bounds (1 hashing slot, 4 queued, 1s wait). {@code adminCredential=verified} is a BI tool's next query
 * (its credential was verified before); {@code unverified} disables the credential cache so that every admin login
 * verifies bcrypt (cost 10) like a new client. Prints, per iteration, the sprayed attempts per second and the admin's
 * logins and refusals (the queue was full or no slot became free in time).
 */
@State(Scope.Group)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(MILLISECONDS)
@Fork(1)
@Warmup(iterations = 1, time = 5)
@Measurement(iterations = 2, time = 8)
public class BenchmarkVaultLoginUnderSpray
{
    @Param({"MAP", "PER_USER"})
    public String layout;

    @Param({"verified", "unverified"})
    public String adminCredential;

    private StubVaultServer vault;
    private PasswordAuthenticator authenticator;
    private final LongAdder sprayed = new LongAdder();
    private final LongAdder adminRefused = new LongAdder();
    private final LongAdder adminLogins = new LongAdder();
    private long iterationStart;

    @Setup(Level.Trial)
    public void setUp()
    {
        DiscardedPluginLog.install();
        vault = new StubVaultServer();
        String hash = BCrypt.with(BCrypt.Version.VERSION_2Y).hashToString(10, "admin-pass".toCharArray());
        vault.put("trino/password", Map.of("admin", hash, "querybook", hash));
        vault.put("trino/users/admin", Map.of("password", hash));
        Map<String, String> config = new HashMap<>();
        config.put("vault.address", vault.address());
        config.put("vault.allow-insecure", "true");
        config.put("vault.token", StubVaultServer.TOKEN);
        config.put("vault.password-layout", layout);
        config.put("bootstrap.quiet", "true");
        if (adminCredential.equals("unverified")) {
            config.put("vault.credential-cache.max-size", "0");
        }
        PasswordAuthenticatorFactory factory = new VaultAuthenticatorFactory();
        authenticator = factory.create(config);
        authenticator.createAuthenticatedPrincipal("admin", "admin-pass");
    }

    @Setup(Level.Iteration)
    public void startIteration()
    {
        sprayed.reset();
        adminRefused.reset();
        adminLogins.reset();
        iterationStart = System.nanoTime();
    }

    @TearDown(Level.Iteration)
    public void reportIteration()
    {
        double seconds = (System.nanoTime() - iterationStart) / 1e9;
        System.out.printf("%n    spray: %.0f attempts/s; admin logins: %d, refused: %d%n", sprayed.sum() / seconds, adminLogins.sum(), adminRefused.sum());
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        vault.close();
    }

    @Benchmark
    @Group("spray")
    @GroupThreads(1)
    public boolean adminLogin()
    {
        adminLogins.increment();
        try {
            authenticator.createAuthenticatedPrincipal("admin", "admin-pass");
            return true;
        }
        catch (RuntimeException e) {
            // refused (hashing queue full or no slot in time, or Vault lookups saturated): the admin did not get in
            adminRefused.increment();
            return false;
        }
    }

    @Benchmark
    @Group("spray")
    @GroupThreads(50)
    public boolean sprayLogin()
    {
        sprayed.increment();
        try {
            authenticator.createAuthenticatedPrincipal("u" + Long.toString(ThreadLocalRandom.current().nextLong() >>> 1, 36), "guess");
            throw new IllegalStateException("a made-up user got in");
        }
        catch (AccessDeniedException expected) {
            return true;
        }
        catch (RuntimeException e) {
            // e.g. VaultUnavailableException when the cold lookups are saturated
            return false;
        }
    }
}
