package dev.trinobundle.accesscontrol;

import io.trino.spi.QueryId;
import io.trino.spi.connector.CatalogSchemaTableName;
import io.trino.spi.connector.ColumnSchema;
import io.trino.spi.security.AccessDeniedException;
import io.trino.spi.security.Identity;
import io.trino.spi.security.SystemAccessControl;
import io.trino.spi.security.SystemSecurityContext;
import io.trino.spi.security.ViewExpression;
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
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A query decides on one rule set from its first check to its last, even when the file is reloaded in between. */
final class TestQuerySnapshots
{
    private static final String OLD_RULES = """
            {"tables": [{"user": "bob", "privileges": ["SELECT"], "filter": "regionkey = 1", "columns": [{"name": "name", "mask": "'old'"}]},
                        {"user": "carol", "privileges": ["SELECT"]}]}
            """;
    private static final String NEW_RULES = """
            {"tables": [{"user": "bob", "privileges": ["SELECT"], "filter": "regionkey = 2", "columns": [{"name": "name", "mask": "'new'"}]},
                        {"user": "carol", "privileges": []}]}
            """;
    private static final CatalogSchemaTableName NATION = new CatalogSchemaTableName("tpch", "tiny", "nation");
    private static final List<ColumnSchema> NAME = List.of(ColumnSchema.builder().setName("name").setType(VarcharType.VARCHAR).build());

    private Path directory;
    private Path file;

    @BeforeEach
    void setUp()
            throws IOException
    {
        directory = Files.createTempDirectory("query-snapshots");
        file = directory.resolve("rules.json");
    }

    @AfterEach
    void tearDown()
            throws IOException
    {
        deleteRecursively(directory, ALLOW_INSECURE);
    }

    private static SystemSecurityContext query(String user, String queryId)
    {
        return new SystemSecurityContext(Identity.ofUser(user), new QueryId(queryId), Instant.EPOCH);
    }

    private static String mask(SystemAccessControl accessControl, SystemSecurityContext context)
    {
        Map<ColumnSchema, ViewExpression> masks = accessControl.getColumnMasks(context, NATION, NAME);
        return masks.get(NAME.getFirst()).getExpression();
    }

    @Test
    void testQueryStraddlingReloadSeesOneRuleSet()
            throws IOException
    {
        Files.writeString(file, OLD_RULES);
        ReloadingRules rules = new ReloadingRules(file, "");
        SystemAccessControl accessControl = new RulesSystemAccessControl(rules, false, rules::stop);

        // the query starts under the old rules: execute and select pass
        SystemSecurityContext straddling = query("bob", "20250101_000000_00001_aaaaa");
        SystemSecurityContext carolsQuery = query("carol", "20250101_000000_00002_aaaaa");
        accessControl.checkCanExecuteQuery(straddling.getIdentity(), straddling.getQueryId());
        accessControl.checkCanSelectFromColumns(straddling, NATION, Set.of("name"));
        accessControl.checkCanSelectFromColumns(carolsQuery, NATION, Set.of("name"));

        Files.writeString(file, NEW_RULES);
        assertThat(rules.reload()).isTrue();

        // its masks and filters still come from the rules its SELECT was allowed by
        assertThat(mask(accessControl, straddling)).isEqualTo("'old'");
        assertThat(accessControl.getRowFilters(straddling, NATION).getFirst().getExpression()).isEqualTo("regionkey = 1");
        accessControl.checkCanSelectFromColumns(carolsQuery, NATION, Set.of("name"));

        // a query that starts after the reload decides by the new rules
        SystemSecurityContext next = query("bob", "20250101_000000_00003_aaaaa");
        assertThat(mask(accessControl, next)).isEqualTo("'new'");
        assertThat(accessControl.getRowFilters(next, NATION).getFirst().getExpression()).isEqualTo("regionkey = 2");
        assertThatThrownBy(() -> accessControl.checkCanSelectFromColumns(query("carol", "20250101_000000_00004_aaaaa"), NATION, Set.of("name")))
                .isInstanceOf(AccessDeniedException.class);
        accessControl.shutdown();
    }
}
