package dev.trinobundle.benchmarks.authenticator;

import at.favre.lib.crypto.bcrypt.BCrypt;
import com.google.common.collect.Streams;
import dev.trinobundle.authenticator.VaultAuthenticatorFactory;
import dev.trinobundle.benchmarks.TrinoBuiltinPlugins;
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

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Principal;
import java.util.Map;

import static com.google.common.base.Preconditions.checkState;
import static java.util.concurrent.TimeUnit.MICROSECONDS;

/**
 * Warm-cache login, {@code password-authenticator.name=vault} next to Trino's own {@code file} authenticator, both holding
 * the same bcrypt (cost 10) hash for {@code admin}: what Trino pays on every query submission once the caches are warm.
 * Setup checks that both accept the right password and refuse a wrong one, so a fast wrong answer gives no figure.
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.Throughput, Mode.SampleTime})
@OutputTimeUnit(MICROSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 3)
public class BenchmarkPasswordAuthenticators
{
    private static final String USER = "admin";
    private static final String PASSWORD = "admin-pass";

    @Param({"file", "vault"})
    public String authenticator;

    private StubVaultServer vault;
    private Path passwordFile;
    private PasswordAuthenticator passwordAuthenticator;

    @Setup
    public void setUp()
            throws IOException
    {
        String hash = BCrypt.with(BCrypt.Version.VERSION_2Y).hashToString(10, PASSWORD.toCharArray());
        passwordAuthenticator = switch (authenticator) {
            case "file" -> {
                passwordFile = Files.createTempFile("password", ".db");
                Files.writeString(passwordFile, USER + ":" + hash + "\n");
                Map<String, String> config = Map.of("file.password-file", passwordFile.toString());
                yield TrinoBuiltinPlugins.create("password-authenticators", plugin -> Streams.stream(plugin.getPasswordAuthenticatorFactories())
                        .filter(factory -> factory.getName().equals("file"))
                        .findFirst()
                        .map(factory -> factory.create(config)));
            }
            case "vault" -> {
                DiscardedPluginLog.install();
                vault = new StubVaultServer();
                vault.put("trino/password", Map.of(USER, hash, "querybook", "plain:querybook-pass"));
                yield new VaultAuthenticatorFactory().create(Map.of(
                        "vault.address", vault.address(),
                        "vault.allow-insecure", "true",
                        "vault.token", StubVaultServer.TOKEN,
                        "bootstrap.quiet", "true"));
            }
            default -> throw new IllegalArgumentException(authenticator);
        };
        checkState(passwordAuthenticator.createAuthenticatedPrincipal(USER, PASSWORD).toString().equals(USER), "right password refused");
        try {
            passwordAuthenticator.createAuthenticatedPrincipal(USER, "wrong-pass");
            throw new IllegalStateException("wrong password accepted");
        }
        catch (AccessDeniedException expected) {
            // as it must be
        }
    }

    @TearDown
    public void tearDown()
            throws IOException
    {
        if (vault != null) {
            vault.close();
        }
        if (passwordFile != null) {
            Files.deleteIfExists(passwordFile);
        }
    }

    @Benchmark
    public Principal warmLogin()
    {
        return passwordAuthenticator.createAuthenticatedPrincipal(USER, PASSWORD);
    }
}
