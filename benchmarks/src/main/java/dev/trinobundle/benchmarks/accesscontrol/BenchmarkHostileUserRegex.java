package dev.trinobundle.benchmarks.accesscontrol;

import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import dev.trinobundle.accesscontrol.RulesAccessControlFactory;
import io.trino.plugin.base.security.FileBasedSystemAccessControl;
import io.trino.spi.security.AccessDeniedException;
import io.trino.spi.security.Identity;
import io.trino.spi.security.SystemAccessControl;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
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

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static dev.trinobundle.testing.TestingPluginContext.TRINO_476;
import static java.util.concurrent.TimeUnit.MILLISECONDS;

/**
 * One impersonation check with a hostile session user ({@code X-Trino-User}) against the rule of issue 11's finding 7,
 * {@code new_user: ".*\..*\..*@example\.com"}: a user made of dots backtracks in O(n^3). Trino's {@code file} control
 * side by side; {@code rules} stops each match after a bounded number of input reads and denies. Both deny: the
 * figure is how long the denial takes.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(MILLISECONDS)
@Fork(1)
@Warmup(iterations = 1, time = 2)
@Measurement(iterations = 3, time = 2)
public class BenchmarkHostileUserRegex
{
    @Param({"trino", "rules"})
    public String implementation;

    // 3,000 characters is the finding's figure (33 s in a real Trino); too slow for Trino here, so up to 1,000
    @Param({"100", "300", "1000"})
    public int userLength;

    private Path directory;
    private SystemAccessControl accessControl;
    private Identity gateway;
    private String hostileUser;

    @Setup(Level.Trial)
    public void setup()
            throws IOException
    {
        directory = Files.createTempDirectory("benchmark-hostile-regex");
        Path rulesFile = directory.resolve("rules.json");
        Files.writeString(rulesFile, "{\"impersonation\": [{\"original_user\": \"bi-gateway\", \"new_user\": \".*\\\\..*\\\\..*@example\\\\.com\"}]}");
        Map<String, String> properties = Map.of("security.config-file", rulesFile.toString());
        accessControl = switch (implementation) {
            case "trino" -> new FileBasedSystemAccessControl.Factory().create(properties, TRINO_476);
            case "rules" -> new RulesAccessControlFactory().create(properties, TRINO_476);
            default -> throw new IllegalArgumentException("Unknown implementation: " + implementation);
        };
        gateway = Identity.ofUser("bi-gateway");
        hostileUser = "x.".repeat(userLength / 2);
        // the rule itself works: a legitimate user is allowed
        accessControl.checkCanImpersonateUser(gateway, "first.last.x@example.com");
    }

    @TearDown(Level.Trial)
    public void tearDown()
            throws IOException
    {
        accessControl.shutdown();
        MoreFiles.deleteRecursively(directory, RecursiveDeleteOption.ALLOW_INSECURE);
    }

    @Benchmark
    public String impersonateHostileUser()
    {
        try {
            accessControl.checkCanImpersonateUser(gateway, hostileUser);
        }
        catch (AccessDeniedException e) {
            return e.getMessage();
        }
        throw new IllegalStateException("hostile user was allowed");
    }
}
