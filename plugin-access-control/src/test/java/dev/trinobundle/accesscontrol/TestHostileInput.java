package dev.trinobundle.accesscontrol;

import io.trino.spi.QueryId;
import io.trino.spi.connector.CatalogSchemaTableName;
import io.trino.spi.connector.ColumnSchema;
import io.trino.spi.connector.EntityKindAndName;
import io.trino.spi.connector.SchemaTableName;
import io.trino.spi.security.AccessDeniedException;
import io.trino.spi.security.Identity;
import io.trino.spi.security.PrincipalType;
import io.trino.spi.security.SystemAccessControl;
import io.trino.spi.security.SystemSecurityContext;
import io.trino.spi.security.TrinoPrincipal;
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

import static com.google.common.io.MoreFiles.deleteRecursively;
import static com.google.common.io.RecursiveDeleteOption.ALLOW_INSECURE;
import static dev.trinobundle.testing.TestingPluginContext.TRINO_476;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Regexes that backtrack super-linearly, fed client-controlled values (the session user from {@code X-Trino-User},
 * table names in a query): every check must end in a denial that names the regex, never run for seconds and never
 * fail open. Deterministic: the bound is a count of input reads, not a time.
 */
final class TestHostileInput
{
    // the finding's rule: three greedy wildcards separated by dots backtrack in O(n^3) on a value full of dots
    private static final String RULES = """
            {
              "impersonation": [{"original_user": "bi-gateway", "new_user": ".*\\\\..*\\\\..*@example\\\\.com"}],
              "tables": [
                {"user": ".*\\\\..*\\\\..*@example\\\\.com", "privileges": ["SELECT"]},
                {"table": ".*_.*_.*_x", "privileges": ["SELECT"], "columns": [{"name": "ssn", "mask": "'***'"}]},
                {"privileges": ["SELECT"]}
              ]
            }
            """;
    // 3,000 characters: 33 s of backtracking per match in Trino's file control
    private static final String HOSTILE_USER = "x.".repeat(1500);
    private static final String HOSTILE_TABLE = "a_".repeat(1500);

    private Path directory;
    private SystemAccessControl accessControl;

    @BeforeEach
    void setUp()
            throws IOException
    {
        directory = Files.createTempDirectory("hostile-input");
        Path file = directory.resolve("rules.json");
        Files.writeString(file, RULES);
        accessControl = new RulesAccessControlFactory().create(Map.of("security.config-file", file.toString()), TRINO_476);
    }

    @AfterEach
    void tearDown()
            throws IOException
    {
        accessControl.shutdown();
        deleteRecursively(directory, ALLOW_INSECURE);
    }

    private static SystemSecurityContext context(String user)
    {
        return new SystemSecurityContext(Identity.ofUser(user), new QueryId("hostile"), Instant.EPOCH);
    }

    @Test
    void testHostileSessionUserIsDeniedImpersonation()
    {
        // legitimate users still decide as before
        accessControl.checkCanImpersonateUser(Identity.ofUser("bi-gateway"), "first.last.x@example.com");
        assertThatThrownBy(() -> accessControl.checkCanImpersonateUser(Identity.ofUser("bi-gateway"), "alice@example.com"))
                .hasMessage("Access Denied: User bi-gateway cannot impersonate user alice@example.com: no rule in 'impersonation' matched");

        assertThatThrownBy(() -> accessControl.checkCanImpersonateUser(Identity.ofUser("bi-gateway"), HOSTILE_USER))
                .isInstanceOf(AccessDeniedException.class)
                .hasMessageStartingWith("Access Denied: User bi-gateway cannot impersonate user " + HOSTILE_USER + ": ")
                .hasMessageEndingWith(": matching the regex '.*\\..*\\..*@example\\.com' against a 3000-character value took more than 1000000 steps; denied (shorten the value or simplify the regex)");
    }

    @Test
    void testHostileUserIsDeniedEveryCheckInsteadOfSkippingTheRule()
    {
        // a rule whose user regex gives up is neither applied nor skipped (the next rule would allow everything)
        CatalogSchemaTableName table = new CatalogSchemaTableName("tpch", "tiny", "nation");
        assertThatThrownBy(() -> accessControl.checkCanSelectFromColumns(context(HOSTILE_USER), table, Set.of("name")))
                .isInstanceOf(AccessDeniedException.class)
                .hasMessageContaining("Cannot select from table tpch.tiny.nation")
                .hasMessageContaining("against a 3000-character value took more than 1000000 steps");
        assertThatThrownBy(() -> accessControl.filterTables(context(HOSTILE_USER), "tpch", Set.of(new SchemaTableName("tiny", "nation"))))
                .isInstanceOf(AccessDeniedException.class)
                .hasMessageContaining("took more than 1000000 steps");
        accessControl.checkCanSelectFromColumns(context("bob"), table, Set.of("name"));
    }

    @Test
    void testHostileTableNameIsDenied()
    {
        CatalogSchemaTableName hostile = new CatalogSchemaTableName("tpch", "tiny", HOSTILE_TABLE);
        assertThatThrownBy(() -> accessControl.checkCanSelectFromColumns(context("bob"), hostile, Set.of("ssn")))
                .isInstanceOf(AccessDeniedException.class)
                .hasMessageContaining("matching the regex '.*_.*_.*_x' against a 3000-character value took more than 1000000 steps");
        // a mask lookup that gives up must fail the query, not return "no mask" (fail closed)
        assertThatThrownBy(() -> accessControl.getColumnMasks(context("bob"), hostile, List.of(ColumnSchema.builder().setName("ssn").setType(VarcharType.VARCHAR).build())))
                .isInstanceOf(AccessDeniedException.class)
                .hasMessageContaining("took more than 1000000 steps");
        assertThatThrownBy(() -> accessControl.getRowFilters(context("bob"), hostile))
                .isInstanceOf(AccessDeniedException.class);
        // the same rule on a normal name masks
        CatalogSchemaTableName normal = new CatalogSchemaTableName("tpch", "tiny", "a_b_c_x");
        assertThat(accessControl.getColumnMasks(context("bob"), normal, List.of(ColumnSchema.builder().setName("ssn").setType(VarcharType.VARCHAR).build()))).hasSize(1);
    }

    @Test
    void testRegexThatOverflowsTheStackIsADenialNotAnError()
            throws IOException
    {
        // java.util.regex recurses once per repetition of a group with alternatives: 20,000 characters overflow the stack
        Path file = directory.resolve("stack.json");
        Files.writeString(file, """
                {
                  "impersonation": [{"original_user": "bi-gateway", "new_user": "(a|b)*"}],
                  "catalogs": [{"catalog": "(a|b)*", "allow": "all"}]
                }
                """);
        SystemAccessControl stack = new RulesAccessControlFactory().create(Map.of("security.config-file", file.toString()), TRINO_476);
        try {
            String hostile = "ab".repeat(10_000);
            stack.checkCanImpersonateUser(Identity.ofUser("bi-gateway"), "abba");
            assertThatThrownBy(() -> stack.checkCanImpersonateUser(Identity.ofUser("bi-gateway"), hostile))
                    .isInstanceOf(AccessDeniedException.class)
                    .hasMessageEndingWith(": matching the regex '(a|b)*' against a 20000-character value overflowed the stack; denied (shorten the value or simplify the regex)");
            // in a listing, only that element is hidden; before, the StackOverflowError failed the whole listing
            assertThat(stack.filterCatalogs(context("bob"), Set.of("abba", hostile))).containsExactly("abba");
        }
        finally {
            stack.shutdown();
        }
    }

    @Test
    void testEntityNameOfTheWrongShapeIsDenied()
    {
        // was an IndexOutOfBoundsException (a server error) for a one-part schema or a two-part table name
        TrinoPrincipal owner = new TrinoPrincipal(PrincipalType.USER, "bob");
        assertThatThrownBy(() -> accessControl.checkCanSetEntityAuthorization(context("bob"), new EntityKindAndName("SCHEMA", List.of("tpch")), owner))
                .isInstanceOf(AccessDeniedException.class)
                .hasMessageContaining("the name of a SCHEMA has 2 parts");
        assertThatThrownBy(() -> accessControl.checkCanSetEntityAuthorization(context("bob"), new EntityKindAndName("TABLE", List.of("tpch", "tiny")), owner))
                .isInstanceOf(AccessDeniedException.class)
                .hasMessageContaining("the name of a TABLE has 3 parts");
    }

    @Test
    void testOneBudgetForTheWholeCheckNotOnePerRule()
            throws IOException
    {
        // 20 rules, each of which reads a 100-character user about 125,000 times: every match alone is under the
        // budget, all of them together (2.5 million reads) are not; the check must be bounded by the budget, not by it
        // times the number of rules
        String rule = "{\"user\": \".*\\\\..*\\\\..*@example\\\\.com\", \"privileges\": [\"SELECT\"]}";
        Files.writeString(directory.resolve("many.json"), "{\"tables\": [" + (rule + ",").repeat(20) + "{\"privileges\": [\"SELECT\"]}]}");
        SystemAccessControl many = new RulesAccessControlFactory().create(Map.of("security.config-file", directory.resolve("many.json").toString()), TRINO_476);
        try {
            CatalogSchemaTableName table = new CatalogSchemaTableName("tpch", "tiny", "nation");
            assertThatThrownBy(() -> many.checkCanSelectFromColumns(context("x.".repeat(50)), table, Set.of("name")))
                    .isInstanceOf(AccessDeniedException.class)
                    .hasMessageContaining("against a 100-character value took more than 1000000 steps");
            // an ordinary user name costs a few reads per rule
            many.checkCanSelectFromColumns(context("first.last.name@example.org"), table, Set.of("name"));
        }
        finally {
            many.shutdown();
        }
    }
}
