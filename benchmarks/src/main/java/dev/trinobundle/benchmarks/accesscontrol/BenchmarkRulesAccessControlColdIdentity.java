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
import static com.google.common.base.Preconditions.checkState;
import static dev.trinobundle.benchmarks.accesscontrol.GeneratedRules.ACCESSIBLE_CATALOG;
import static dev.trinobundle.benchmarks.accesscontrol.GeneratedRules.CATALOG;
import static dev.trinobundle.benchmarks.accesscontrol.GeneratedRules.CATALOGS;
import static dev.trinobundle.benchmarks.accesscontrol.GeneratedRules.GROUPS;
import static dev.trinobundle.benchmarks.accesscontrol.GeneratedRules.IMPERSONATING_USER;
import static dev.trinobundle.benchmarks.accesscontrol.GeneratedRules.SELECTED_COLUMNS;
import static dev.trinobundle.benchmarks.accesscontrol.GeneratedRules.SELECTED_TABLE;
import static dev.trinobundle.benchmarks.accesscontrol.GeneratedRules.SELECTED_TABLE_SCHEMA;
import static dev.trinobundle.benchmarks.accesscontrol.GeneratedRules.VISIBLE_CATALOGS;
import static java.util.concurrent.TimeUnit.MICROSECONDS;

/**
 * The cold path that BI tools produce: a gateway impersonates many end users, so consecutive checks come from
 * different identities. Every invocation uses the next of {@link #USERS} users (each with its own query id, as each
 * of their queries has), so a per-identity cache of 4,096 entries misses or churns on every check; side by side with
 * Trino's {@code file} control on the same generated rules ({@link GeneratedRules}), in the same run.
 * <p>
 * Setup checks both implementations allow the operations for a sample of users, so no figure comes from a denial.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(MICROSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class BenchmarkRulesAccessControlColdIdentity
{
    static final int USERS = 10_000;

    @Param({"trino", "rules"})
    public String implementation;

    @Param({"1000"})
    public int ruleCount;

    private Path directory;
    private SystemAccessControl accessControl;
    private Identity gateway;
    private String[] userNames;
    private SystemSecurityContext[] contexts;
    private CatalogSchemaTableName selectedTable;
    private int next;

    @Setup(Level.Trial)
    public void setup()
            throws IOException
    {
        directory = Files.createTempDirectory("benchmark-access-control-cold");
        Path rulesFile = directory.resolve("rules.json");
        Files.writeString(rulesFile, GeneratedRules.rulesJson(ruleCount));
        Map<String, String> properties = Map.of("security.config-file", rulesFile.toString());

        gateway = Identity.ofUser(IMPERSONATING_USER);
        userNames = new String[USERS];
        contexts = new SystemSecurityContext[USERS];
        Instant now = Instant.now();
        for (int i = 0; i < USERS; i++) {
            userNames[i] = "user_%05d@example.com".formatted(i);
            contexts[i] = new SystemSecurityContext(Identity.forUser(userNames[i]).withGroups(GROUPS).build(), new QueryId("query_%05d".formatted(i)), now);
        }
        selectedTable = new CatalogSchemaTableName(CATALOG, SELECTED_TABLE_SCHEMA, SELECTED_TABLE);

        accessControl = switch (implementation) {
            case "trino" -> new FileBasedSystemAccessControl.Factory().create(properties, TRINO_476);
            case "rules" -> new RulesAccessControlFactory().create(properties, TRINO_476);
            default -> throw new IllegalArgumentException("Unknown implementation: " + implementation);
        };
        for (int i = 0; i < USERS; i += 997) {
            try {
                accessControl.checkCanImpersonateUser(gateway, userNames[i]);
                accessControl.checkCanSelectFromColumns(contexts[i], selectedTable, SELECTED_COLUMNS);
            }
            catch (AccessDeniedException e) {
                throw new IllegalStateException(implementation + " denied an operation the rules allow", e);
            }
            checkState(accessControl.canAccessCatalog(contexts[i], ACCESSIBLE_CATALOG), "%s denied catalog %s", implementation, ACCESSIBLE_CATALOG);
            checkState(accessControl.filterCatalogs(contexts[i], CATALOGS).size() == VISIBLE_CATALOGS, "%s.filterCatalogs is wrong", implementation);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown()
            throws IOException
    {
        if (accessControl != null) {
            accessControl.shutdown();
        }
        if (directory != null) {
            MoreFiles.deleteRecursively(directory, RecursiveDeleteOption.ALLOW_INSECURE);
        }
    }

    private int nextUser()
    {
        int user = next;
        next = user + 1 == USERS ? 0 : user + 1;
        return user;
    }

    @Benchmark
    public void coldCheckCanImpersonateUser()
    {
        accessControl.checkCanImpersonateUser(gateway, userNames[nextUser()]);
    }

    @Benchmark
    public boolean coldCheckCanAccessCatalog()
    {
        return accessControl.canAccessCatalog(contexts[nextUser()], ACCESSIBLE_CATALOG);
    }

    @Benchmark
    public void coldCheckCanSelectFromColumns()
    {
        accessControl.checkCanSelectFromColumns(contexts[nextUser()], selectedTable, SELECTED_COLUMNS);
    }

    @Benchmark
    public Set<String> coldFilterCatalogs()
    {
        return accessControl.filterCatalogs(contexts[nextUser()], CATALOGS);
    }
}
