package dev.trinobundle.accesscontrol;

import dev.trinobundle.accesscontrol.groups.ConfiguredGroups;
import dev.trinobundle.testing.LogCapture;
import io.trino.spi.QueryId;
import io.trino.spi.connector.CatalogSchemaTableName;
import io.trino.spi.connector.ColumnSchema;
import io.trino.spi.connector.SchemaTableName;
import io.trino.spi.function.SchemaFunctionName;
import io.trino.spi.security.AccessDeniedException;
import io.trino.spi.security.Identity;
import io.trino.spi.security.SystemSecurityContext;
import io.trino.spi.type.VarcharType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;

import static com.google.common.io.MoreFiles.deleteRecursively;
import static com.google.common.io.RecursiveDeleteOption.ALLOW_INSECURE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * One object whose name makes a regex give up must not deny a listing to everyone: filters drop that element (fail
 * closed for its visibility), log it without its name, and return the others; checks, masks and row filters still deny,
 * and every budget denial is audited like any other denial.
 */
final class TestHostileNamesInFilters
{
    // each hostile-looking regex comes first in its section, so that a normal name falls through to the catch-all
    private static final String RULES = """
            {
              "schemas": [{"owner": false}],
              "tables": [
                {"schema": ".*_.*_.*_y", "privileges": ["SELECT"]},
                {"table": ".*_.*_.*_x", "privileges": ["SELECT"], "columns": [{"name": "ssn", "mask": "'***'"}]},
                {"privileges": ["SELECT"]}
              ],
              "functions": [
                {"function": ".*_.*_.*_x", "privileges": ["EXECUTE"]},
                {"privileges": ["EXECUTE"]}
              ],
              "queries": [
                {"queryOwner": ".*_.*_.*_x", "allow": ["view"]},
                {"allow": ["view"]}
              ]
            }
            """;
    // O(n^3) backtracking for .*_.*_.*_x: 3,000 characters exhaust any budget
    private static final String HOSTILE = "a_".repeat(1500);

    private Path directory;
    private Path file;
    private ReloadingRules rules;
    private RulesSystemAccessControl accessControl;

    @BeforeEach
    void setUp()
            throws IOException
    {
        directory = Files.createTempDirectory("hostile-filters");
        file = directory.resolve("rules.json");
        Files.writeString(file, RULES);
        rules = new ReloadingRules(file, "", InvalidRulesPolicy.KEEP_LAST);
        accessControl = new RulesSystemAccessControl(rules, ConfiguredGroups.none("no group source in this test"), true, rules::stop);
    }

    @AfterEach
    void tearDown()
            throws IOException
    {
        accessControl.shutdown();
        deleteRecursively(directory, ALLOW_INSECURE);
    }

    private static SystemSecurityContext bob()
    {
        return new SystemSecurityContext(Identity.ofUser("bob"), new QueryId("listing"), Instant.EPOCH);
    }

    private static LogCapture denials()
    {
        return new LogCapture("dev.trinobundle.accesscontrol.Denials");
    }

    /** The element was logged once, by length and hash, never by name. */
    private static void assertHiddenAndLogged(LogCapture log, String check)
    {
        List<String> lines = log.messages(Level.INFO).stream().filter(line -> line.contains("check=\"" + check + "\"")).toList();
        assertThat(lines).hasSize(1);
        assertThat(lines.getFirst())
                .containsPattern("object=\"hidden: a 300[0-9]-character name, sha256 [0-9a-f]{16}\"")
                .contains("took more than 1000000 steps")
                .doesNotContain("a_a_a_");
    }

    @Test
    void testHostileTableIsHiddenAndOthersListed()
    {
        try (LogCapture log = denials()) {
            SchemaTableName nation = new SchemaTableName("tiny", "nation");
            assertThat(accessControl.filterTables(bob(), "tpch", Set.of(nation, new SchemaTableName("tiny", HOSTILE))))
                    .containsExactly(nation);
            assertHiddenAndLogged(log, "FilterTables");
        }
    }

    @Test
    void testHostileSchemaIsHiddenAndOthersListed()
    {
        try (LogCapture log = denials()) {
            assertThat(accessControl.filterSchemas(bob(), "tpch", Set.of("tiny", HOSTILE))).containsExactly("tiny");
            assertHiddenAndLogged(log, "FilterSchemas");
        }
    }

    @Test
    void testColumnsOfHostileTableAreHiddenAndOthersListed()
    {
        try (LogCapture log = denials()) {
            SchemaTableName nation = new SchemaTableName("tiny", "nation");
            SchemaTableName hostile = new SchemaTableName("tiny", HOSTILE);
            assertThat(accessControl.filterColumns(bob(), "tpch", Map.of(nation, Set.of("name"), hostile, Set.of("ssn"))))
                    .containsExactlyInAnyOrderEntriesOf(Map.of(nation, Set.of("name"), hostile, Set.of()));
            assertHiddenAndLogged(log, "FilterColumns");
            assertThat(accessControl.filterColumns(bob(), new CatalogSchemaTableName("tpch", "tiny", HOSTILE), Set.of("ssn"))).isEmpty();
            assertThat(accessControl.filterColumns(bob(), new CatalogSchemaTableName("tpch", "tiny", "nation"), Set.of("name"))).containsExactly("name");
        }
    }

    @Test
    void testHostileFunctionIsHiddenAndOthersListed()
    {
        try (LogCapture log = denials()) {
            SchemaFunctionName normal = new SchemaFunctionName("default", "my_function");
            assertThat(accessControl.filterFunctions(bob(), "tpch", Set.of(normal, new SchemaFunctionName("default", HOSTILE))))
                    .containsExactly(normal);
            assertHiddenAndLogged(log, "FilterFunctions");
        }
    }

    @Test
    void testHostileQueryOwnerIsHiddenAndOthersListed()
    {
        try (LogCapture log = denials()) {
            Identity alice = Identity.ofUser("alice");
            assertThat(accessControl.filterViewQueryOwnedBy(Identity.ofUser("bob"), List.of(alice, Identity.ofUser(HOSTILE))))
                    .containsExactly(alice);
            assertHiddenAndLogged(log, "FilterViewQueryOwnedBy");
        }
    }

    @Test
    void testChecksMasksAndRowFiltersStillDenyAndAreAudited()
            throws IOException
    {
        CatalogSchemaTableName hostile = new CatalogSchemaTableName("tpch", "tiny", HOSTILE);
        List<ColumnSchema> ssn = List.of(ColumnSchema.builder().setName("ssn").setType(VarcharType.VARCHAR).build());
        // a stale rules file: budget denials carry the same note as every other denial
        Files.writeString(file, RULES + ",");
        assertThat(rules.reload()).isFalse();
        try (LogCapture log = denials()) {
            assertThatThrownBy(() -> accessControl.getColumnMasks(bob(), hostile, ssn))
                    .isInstanceOf(AccessDeniedException.class)
                    .hasMessageStartingWith("Access Denied: Cannot compute the column masks of table tpch.tiny.a_a_")
                    .hasMessageContaining("took more than 1000000 steps")
                    .hasMessageContaining("; the rules file rules.json:");
            assertThatThrownBy(() -> accessControl.getColumnMask(bob(), hostile, "ssn", VarcharType.VARCHAR))
                    .isInstanceOf(AccessDeniedException.class)
                    .hasMessageContaining("; the rules file rules.json:");
            assertThatThrownBy(() -> accessControl.getRowFilters(bob(), hostile))
                    .isInstanceOf(AccessDeniedException.class)
                    .hasMessageStartingWith("Access Denied: Cannot compute the row filters of table tpch.tiny.a_a_")
                    .hasMessageContaining("; the rules file rules.json:");
            assertThatThrownBy(() -> accessControl.checkCanSelectFromColumns(bob(), hostile, Set.of("ssn")))
                    .isInstanceOf(AccessDeniedException.class);
            List<String> lines = log.messages(Level.INFO);
            assertThat(lines).anySatisfy(line -> assertThat(line).contains("check=\"GetColumnMasks\"").contains("object=\"tpch.tiny.a_a_").contains("took more than 1000000 steps"));
            assertThat(lines).anySatisfy(line -> assertThat(line).contains("check=\"GetColumnMask\"").contains("took more than 1000000 steps"));
            assertThat(lines).anySatisfy(line -> assertThat(line).contains("check=\"GetRowFilters\"").contains("took more than 1000000 steps"));
        }
    }
}
