package dev.trinobundle.benchmarks.accesscontrol;

import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import dev.trinobundle.accesscontrol.RulesAccessControlFactory;
import io.trino.plugin.base.security.FileBasedSystemAccessControl;
import io.trino.spi.QueryId;
import io.trino.spi.connector.CatalogSchemaTableName;
import io.trino.spi.security.AccessDeniedException;
import io.trino.spi.security.Identity;
import io.trino.spi.security.SystemAccessControl;
import io.trino.spi.security.SystemSecurityContext;
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
import java.time.Instant;
import java.util.Map;
import java.util.Set;

import static dev.trinobundle.testing.TestingPluginContext.TRINO_476;
import static java.util.concurrent.TimeUnit.MILLISECONDS;

/**
 * Hostile session users ({@code X-Trino-User}) against the regex of issue 11's finding 7,
 * {@code ".*\..*\..*@example\.com"}: a user made of dots backtracks in O(n^3). Trino's {@code file} control side by
 * side with {@code rules}, which draws every match of one decision from one budget of input reads and denies when it
 * runs out.
 * <ul>
 * <li>{@code impersonateHostileUser}: one impersonation rule ({@code new_user}); both deny, the figure is how long the
 * denial takes.</li>
 * <li>{@code selectWithManyUserRules}: one {@code checkCanSelectFromColumns} against {@code rules} table rules that all
 * carry the regex as {@code user}, then a catch-all rule. Trino tries every rule (and allows through the catch-all);
 * {@code rules} spends one budget on the whole check however many rules there are, and denies. A budget per match
 * would cost the rule count times the budget.</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(MILLISECONDS)
@Fork(1)
@Warmup(iterations = 1, time = 2)
@Measurement(iterations = 3, time = 2)
public class BenchmarkHostileUserRegex
{
    private static final String HOSTILE_REGEX = ".*\\\\..*\\\\..*@example\\\\.com";

    private static SystemAccessControl create(String implementation, Path rulesFile)
    {
        Map<String, String> properties = Map.of("security.config-file", rulesFile.toString());
        return switch (implementation) {
            case "trino" -> new FileBasedSystemAccessControl.Factory().create(properties, TRINO_476);
            case "rules" -> new RulesAccessControlFactory().create(properties, TRINO_476);
            default -> throw new IllegalArgumentException("Unknown implementation: " + implementation);
        };
    }

    @State(Scope.Benchmark)
    public static class Impersonation
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
            Files.writeString(rulesFile, "{\"impersonation\": [{\"original_user\": \"bi-gateway\", \"new_user\": \"" + HOSTILE_REGEX + "\"}]}");
            accessControl = create(implementation, rulesFile);
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
    }

    @State(Scope.Benchmark)
    public static class ManyRules
    {
        @Param({"trino", "rules"})
        public String implementation;

        @Param("300")
        public int rules;

        // 100: each match alone stays under the budget (125,000 reads); 300: each match alone exceeds it
        @Param({"100", "300"})
        public int userLength;

        private Path directory;
        private SystemAccessControl accessControl;
        private SystemSecurityContext hostile;
        private final CatalogSchemaTableName table = new CatalogSchemaTableName("tpch", "tiny", "nation");
        private final Set<String> columns = Set.of("name");

        @Setup(Level.Trial)
        public void setup()
                throws IOException
        {
            directory = Files.createTempDirectory("benchmark-hostile-rules");
            Path rulesFile = directory.resolve("rules.json");
            String rule = "{\"user\": \"" + HOSTILE_REGEX + "\", \"privileges\": [\"SELECT\"]}, ";
            Files.writeString(rulesFile, "{\"tables\": [" + rule.repeat(rules) + "{\"privileges\": [\"SELECT\"]}]}");
            accessControl = create(implementation, rulesFile);
            hostile = new SystemSecurityContext(Identity.ofUser("x.".repeat(userLength / 2)), new QueryId("hostile"), Instant.EPOCH);
            // an ordinary user passes through the catch-all in both
            accessControl.checkCanSelectFromColumns(new SystemSecurityContext(Identity.ofUser("first.last@example.org"), new QueryId("normal"), Instant.EPOCH), table, columns);
        }

        @TearDown(Level.Trial)
        public void tearDown()
                throws IOException
        {
            accessControl.shutdown();
            MoreFiles.deleteRecursively(directory, RecursiveDeleteOption.ALLOW_INSECURE);
        }
    }

    /** The finding's 3,000-character user, {@code rules} only: Trino's {@code file} control spends 33 s per check on it. */
    @State(Scope.Benchmark)
    public static class FindingLength
    {
        private Path directory;
        private SystemAccessControl accessControl;
        private final Identity gateway = Identity.ofUser("bi-gateway");
        private final String hostileUser = "x.".repeat(1500);

        @Setup(Level.Trial)
        public void setup()
                throws IOException
        {
            directory = Files.createTempDirectory("benchmark-hostile-regex");
            Path rulesFile = directory.resolve("rules.json");
            Files.writeString(rulesFile, "{\"impersonation\": [{\"original_user\": \"bi-gateway\", \"new_user\": \"" + HOSTILE_REGEX + "\"}]}");
            accessControl = create("rules", rulesFile);
        }

        @TearDown(Level.Trial)
        public void tearDown()
                throws IOException
        {
            accessControl.shutdown();
            MoreFiles.deleteRecursively(directory, RecursiveDeleteOption.ALLOW_INSECURE);
        }
    }

    @Benchmark
    public String impersonateFindingLengthUserRulesOnly(FindingLength state)
    {
        try {
            state.accessControl.checkCanImpersonateUser(state.gateway, state.hostileUser);
        }
        catch (AccessDeniedException e) {
            return e.getMessage();
        }
        throw new IllegalStateException("hostile user was allowed");
    }

    @Benchmark
    public String impersonateHostileUser(Impersonation state)
    {
        try {
            state.accessControl.checkCanImpersonateUser(state.gateway, state.hostileUser);
        }
        catch (AccessDeniedException e) {
            return e.getMessage();
        }
        throw new IllegalStateException("hostile user was allowed");
    }

    @Benchmark
    public String selectWithManyUserRules(ManyRules state)
    {
        try {
            state.accessControl.checkCanSelectFromColumns(state.hostile, state.table, state.columns);
            // Trino: no user rule matches, the catch-all allows
            return "allowed";
        }
        catch (AccessDeniedException e) {
            return e.getMessage();
        }
    }
}
