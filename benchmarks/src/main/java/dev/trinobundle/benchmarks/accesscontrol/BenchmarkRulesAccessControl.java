package dev.trinobundle.benchmarks.accesscontrol;

import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import dev.trinobundle.accesscontrol.RulesAccessControlFactory;
import io.trino.plugin.base.security.FileBasedSystemAccessControl;
import io.trino.spi.QueryId;
import io.trino.spi.connector.CatalogSchemaTableName;
import io.trino.spi.connector.SchemaTableName;
import io.trino.spi.security.AccessDeniedException;
import io.trino.spi.security.Identity;
import io.trino.spi.security.SystemAccessControl;
import io.trino.spi.security.SystemAccessControlFactory;
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
import java.util.Objects;
import java.util.Set;

import static dev.trinobundle.testing.TestingPluginContext.TRINO_476;
import static com.google.common.base.Preconditions.checkState;
import static dev.trinobundle.benchmarks.accesscontrol.GeneratedRules.ACCESSIBLE_CATALOG;
import static dev.trinobundle.benchmarks.accesscontrol.GeneratedRules.CATALOG;
import static dev.trinobundle.benchmarks.accesscontrol.GeneratedRules.CATALOGS;
import static dev.trinobundle.benchmarks.accesscontrol.GeneratedRules.GROUPS;
import static dev.trinobundle.benchmarks.accesscontrol.GeneratedRules.IMPERSONATED_USER;
import static dev.trinobundle.benchmarks.accesscontrol.GeneratedRules.IMPERSONATING_USER;
import static dev.trinobundle.benchmarks.accesscontrol.GeneratedRules.SCHEMAS;
import static dev.trinobundle.benchmarks.accesscontrol.GeneratedRules.SELECTED_COLUMNS;
import static dev.trinobundle.benchmarks.accesscontrol.GeneratedRules.SELECTED_TABLE;
import static dev.trinobundle.benchmarks.accesscontrol.GeneratedRules.SELECTED_TABLE_SCHEMA;
import static dev.trinobundle.benchmarks.accesscontrol.GeneratedRules.TABLES;
import static dev.trinobundle.benchmarks.accesscontrol.GeneratedRules.USER;
import static dev.trinobundle.benchmarks.accesscontrol.GeneratedRules.VISIBLE_CATALOGS;
import static dev.trinobundle.benchmarks.accesscontrol.GeneratedRules.VISIBLE_SCHEMAS;
import static dev.trinobundle.benchmarks.accesscontrol.GeneratedRules.VISIBLE_TABLES;
import static java.util.concurrent.TimeUnit.MICROSECONDS;

/**
 * {@code access-control.name=rules} side by side with Trino's built-in {@code access-control.name=file}
 * ({@link FileBasedSystemAccessControl}), both created through their factories from the same rules file and the same
 * properties, on the checks Trino runs for every query (impersonation, catalog access, column selection) and on the
 * metadata filters behind {@code SHOW CATALOGS/SCHEMAS/TABLES} and {@code information_schema} / {@code system.jdbc}
 * listings.
 * <p>
 * Both are created without {@code security.refresh-period}: that is Trino's fastest configuration (a refresh period
 * adds a forwarding supplier to every call), so the comparison never flatters ours.
 * <p>
 * Setup verifies every operation's result, against the expected counts of the generated model and, for {@code rules},
 * against Trino's own answer: a fast wrong answer must not produce a figure.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(MICROSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class BenchmarkRulesAccessControl
{
    @Param({"trino", "rules"})
    public String implementation;

    @Param({"10", "1000"})
    public int ruleCount;

    private Path directory;
    private SystemAccessControl accessControl;
    private Identity gateway;
    private SystemSecurityContext context;
    private CatalogSchemaTableName selectedTable;

    @Setup(Level.Trial)
    public void setup()
            throws IOException
    {
        directory = Files.createTempDirectory("benchmark-access-control");
        Path rulesFile = directory.resolve("rules.json");
        Files.writeString(rulesFile, GeneratedRules.rulesJson(ruleCount));
        Map<String, String> properties = Map.of("security.config-file", rulesFile.toString());

        gateway = Identity.ofUser(IMPERSONATING_USER);
        context = new SystemSecurityContext(
                Identity.forUser(USER).withGroups(GROUPS).build(),
                new QueryId("benchmark_query"),
                Instant.now());
        selectedTable = new CatalogSchemaTableName(CATALOG, SELECTED_TABLE_SCHEMA, SELECTED_TABLE);

        SystemAccessControl trino = create(new FileBasedSystemAccessControl.Factory(), properties);
        verify(trino, "trino", null);
        switch (implementation) {
            case "trino" -> accessControl = trino;
            case "rules" -> {
                // Trino's instance stays only as the reference the answers are compared with.
                try {
                    accessControl = create(new RulesAccessControlFactory(), properties);
                    verify(accessControl, "rules", trino);
                }
                finally {
                    trino.shutdown();
                }
            }
            default -> throw new IllegalArgumentException("Unknown implementation: " + implementation);
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

    @Benchmark
    public void checkCanImpersonateUser()
    {
        accessControl.checkCanImpersonateUser(gateway, IMPERSONATED_USER);
    }

    @Benchmark
    public boolean checkCanAccessCatalog()
    {
        return accessControl.canAccessCatalog(context, ACCESSIBLE_CATALOG);
    }

    @Benchmark
    public void checkCanSelectFromColumns()
    {
        accessControl.checkCanSelectFromColumns(context, selectedTable, SELECTED_COLUMNS);
    }

    @Benchmark
    public Set<String> filterCatalogs()
    {
        return accessControl.filterCatalogs(context, CATALOGS);
    }

    @Benchmark
    public Set<String> filterSchemas()
    {
        return accessControl.filterSchemas(context, CATALOG, SCHEMAS);
    }

    @Benchmark
    public Set<SchemaTableName> filterTables()
    {
        return accessControl.filterTables(context, CATALOG, TABLES);
    }

    private static SystemAccessControl create(SystemAccessControlFactory factory, Map<String, String> properties)
    {
        return factory.create(properties, TRINO_476);
    }

    /**
     * Runs every benchmarked operation once and fails the trial if an answer is wrong, so that a figure is only ever
     * reported for an implementation that decides correctly on these rules.
     */
    private void verify(SystemAccessControl candidate, String name, SystemAccessControl reference)
    {
        try {
            candidate.checkCanImpersonateUser(gateway, IMPERSONATED_USER);
            candidate.checkCanSelectFromColumns(context, selectedTable, SELECTED_COLUMNS);
        }
        catch (AccessDeniedException e) {
            throw new IllegalStateException(name + " denied an operation the rules allow", e);
        }
        checkState(candidate.canAccessCatalog(context, ACCESSIBLE_CATALOG), "%s denied catalog %s", name, ACCESSIBLE_CATALOG);
        checkCount(name, "filterCatalogs", candidate.filterCatalogs(context, CATALOGS), VISIBLE_CATALOGS);
        checkCount(name, "filterSchemas", candidate.filterSchemas(context, CATALOG, SCHEMAS), VISIBLE_SCHEMAS);
        checkCount(name, "filterTables", candidate.filterTables(context, CATALOG, TABLES), VISIBLE_TABLES);
        if (reference != null) {
            checkSame(name, "filterCatalogs", candidate.filterCatalogs(context, CATALOGS), reference.filterCatalogs(context, CATALOGS));
            checkSame(name, "filterSchemas", candidate.filterSchemas(context, CATALOG, SCHEMAS), reference.filterSchemas(context, CATALOG, SCHEMAS));
            checkSame(name, "filterTables", candidate.filterTables(context, CATALOG, TABLES), reference.filterTables(context, CATALOG, TABLES));
        }
    }

    private static void checkCount(String name, String operation, Set<?> result, int expected)
    {
        checkState(result.size() == expected, "%s.%s returned %s entries, expected %s", name, operation, result.size(), expected);
    }

    private static void checkSame(String name, String operation, Set<?> result, Set<?> reference)
    {
        checkState(Objects.equals(result, reference), "%s.%s differs from Trino's answer", name, operation);
    }
}
