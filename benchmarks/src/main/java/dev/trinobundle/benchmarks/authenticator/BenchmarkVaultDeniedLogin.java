package dev.trinobundle.benchmarks.authenticator;

import at.favre.lib.crypto.bcrypt.BCrypt;
import dev.trinobundle.authenticator.VaultAuthenticatorFactory;
import io.trino.spi.security.AccessDeniedException;
import io.trino.spi.security.PasswordAuthenticator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Map;

import static java.util.concurrent.TimeUnit.MILLISECONDS;

/**
 * The time of a refused login must not tell whether the user exists: a wrong password for {@code admin} (bcrypt cost 10)
 * next to any password for a user Vault does not know (verified against a dummy hash of the same cost). Throttling is
 * off here so that every attempt does the full work.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(MILLISECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 3)
public class BenchmarkVaultDeniedLogin
{
    @Param({"wrongPassword", "unknownUser"})
    public String attempt;

    private StubVaultServer vault;
    private PasswordAuthenticator authenticator;
    private String user;

    @Setup
    public void setUp()
    {
        DiscardedPluginLog.install();
        vault = new StubVaultServer();
        vault.put("trino/password", Map.of("admin", BCrypt.with(BCrypt.Version.VERSION_2Y).hashToString(10, "admin-pass".toCharArray())));
        authenticator = new VaultAuthenticatorFactory().create(Map.of(
                "vault.address", vault.address(),
                "vault.allow-insecure", "true",
                "vault.token", StubVaultServer.TOKEN,
                "vault.throttle.max-failures", "0",
                "bootstrap.quiet", "true"));
        // the right password once, so that the dummy hash follows the stored one's kind and cost as in production
        authenticator.createAuthenticatedPrincipal("admin", "admin-pass");
        user = attempt.equals("wrongPassword") ? "admin" : "mallory";
    }

    @TearDown
    public void tearDown()
    {
        vault.close();
    }

    @Benchmark
    public boolean deniedLogin()
    {
        try {
            authenticator.createAuthenticatedPrincipal(user, "guess");
            throw new IllegalStateException("a wrong password was accepted");
        }
        catch (AccessDeniedException expected) {
            return true;
        }
    }
}
