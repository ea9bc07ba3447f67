package dev.trinobundle.accesscontrol;

import com.google.common.collect.ImmutableMap;
import dev.trinobundle.accesscontrol.rules.MatchBudget;
import dev.trinobundle.accesscontrol.rules.Operation;
import dev.trinobundle.accesscontrol.rules.RuleIdentity;
import dev.trinobundle.accesscontrol.rules.RuleSet;
import dev.trinobundle.accesscontrol.rules.RulesParser;
import dev.trinobundle.accesscontrol.rules.Target;
import dev.trinobundle.accesscontrol.rules.Visibility;
import io.trino.spi.QueryId;
import io.trino.spi.connector.CatalogSchemaName;
import io.trino.spi.connector.CatalogSchemaRoutineName;
import io.trino.spi.connector.CatalogSchemaTableName;
import io.trino.spi.connector.SchemaTableName;
import io.trino.spi.function.SchemaFunctionName;
import io.trino.spi.security.AccessDeniedException;
import io.trino.spi.security.BasicPrincipal;
import io.trino.spi.security.Identity;
import io.trino.spi.security.PrincipalType;
import io.trino.spi.security.Privilege;
import io.trino.spi.security.SystemAccessControl;
import io.trino.spi.security.SystemSecurityContext;
import io.trino.spi.security.TrinoPrincipal;
import io.trino.spi.security.ViewExpression;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Supplier;

import static dev.trinobundle.testing.TestingPluginContext.TRINO_476;
import static io.trino.spi.type.VarcharType.VARCHAR;
import static java.util.stream.Collectors.toSet;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What {@code RulesTool test} and {@code diff} ask ({@link Operation}, {@link Visibility}) is what Trino gets from the
 * SPI methods of the access control, for every operation of the tools' vocabulary: a guard against an SPI method that
 * stops asking the operation its name says.
 */
final class TestToolAgreesWithAccessControl
{
    private static final List<Identity> IDENTITIES = List.of(
            Identity.ofUser("alice"), Identity.ofUser("bob"), Identity.ofUser("admin"), Identity.ofUser("contractor_x"),
            Identity.forUser("bob").withGroups(Set.of("hr")).build(), Identity.forUser("carol").withGroups(Set.of("admins")).build());
    private static final List<String> CATALOGS = List.of("hive", "tpch", "system", "postgresql");
    private static final List<String> SCHEMAS = List.of("hr", "sales", "alice_tmp", "information_schema", "udf", "runtime", "builtin");
    private static final List<String> NAMES = List.of("salaries", "orders", "mask_ssn", "kill_query", "abs");
    private static final List<TrinoPrincipal> OWNERS = List.of(new TrinoPrincipal(PrincipalType.USER, "bob"), new TrinoPrincipal(PrincipalType.ROLE, "admins"));

    @TempDir
    Path directory;

    private interface SpiCall
    {
        Object call(SystemAccessControl accessControl, SystemSecurityContext context, Target target);
    }

    @Test
    void testEveryOperationAsksWhatTheSpiMethodDecides()
            throws IOException
    {
        Path rulesFile = Files.writeString(directory.resolve("rules.json"), TestRulesToolTest.RULES);
        RuleSet rules = RulesParser.parse(rulesFile, "");
        SystemAccessControl accessControl = new RulesAccessControlFactory().create(Map.of("security.config-file", rulesFile.toString(), "security.log-denials", "false"), TRINO_476);
        Map<Operation, SpiCall> calls = spiCalls();
        assertThat(calls.keySet()).containsExactlyInAnyOrder(Operation.values());
        int compared = 0;
        try {
            for (Identity identity : IDENTITIES) {
                SystemSecurityContext context = new SystemSecurityContext(identity, new QueryId("query"), Instant.EPOCH);
                RuleIdentity ruleIdentity = new RuleIdentity(identity.getUser(), identity.getEnabledRoles(), identity.getGroups());
                for (Operation operation : Operation.values()) {
                    for (Target target : targets(operation)) {
                        // ImpersonateUser decides on the original identity; SetUser on the principal (here: the identity's user)
                        boolean tool = operation.decide(rules, ruleIdentity, target).allowed();
                        Object spi = outcome(() -> calls.get(operation).call(accessControl, context, target));
                        assertThat(spi).as("%s %s %s", identity, operation.checkName(), target).isEqualTo(tool);
                        compared++;
                    }
                }
                for (String catalog : CATALOGS) {
                    Set<String> schemas = accessControl.filterSchemas(context, catalog, Set.copyOf(SCHEMAS));
                    assertThat(schemas).isEqualTo(Visibility.schemas(rules.forIdentity(ruleIdentity).forCatalog(catalog, MatchBudget.forDecision()), SCHEMAS, Visibility.Hidden.IGNORE));
                    for (String schema : SCHEMAS) {
                        for (String name : NAMES) {
                            CatalogSchemaTableName table = new CatalogSchemaTableName(catalog, schema, name);
                            Optional<TableRuleExpression> rowFilter = accessControl.getRowFilters(context, table).stream().findFirst().map(TableRuleExpression::of);
                            Optional<TableRuleExpression> mask = accessControl.getColumnMask(context, table, "ssn", VARCHAR).map(TableRuleExpression::of);
                            var rule = Visibility.maskingRule(rules, ruleIdentity, catalog, schema, name);
                            assertThat(rowFilter).isEqualTo(Visibility.rowFilter(rule).map(TableRuleExpression::of));
                            assertThat(mask).isEqualTo(Visibility.columnMask(rule, "ssn").map(TableRuleExpression::of));
                            compared += 2;
                        }
                    }
                    Set<SchemaTableName> tables = Set.of(new SchemaTableName("hr", "salaries"), new SchemaTableName("sales", "orders"));
                    Set<String> visible = accessControl.filterTables(context, catalog, tables).stream().map(SchemaTableName::toString).collect(toSet());
                    assertThat(visible).isEqualTo(Visibility.tables(rules.forIdentity(ruleIdentity).forCatalog(catalog, MatchBudget.forDecision()),
                            List.of("hr.salaries", "sales.orders"), n -> n.split("\\.")[0], n -> n.split("\\.")[1], n -> n, Visibility.Hidden.IGNORE));
                    Set<SchemaFunctionName> functions = Set.of(new SchemaFunctionName("udf", "mask_ssn"), new SchemaFunctionName("udf", "other"));
                    assertThat(accessControl.filterFunctions(context, catalog, functions).stream().map(SchemaFunctionName::toString).collect(toSet()))
                            .isEqualTo(Visibility.functions(rules.forIdentity(ruleIdentity).forCatalog(catalog, MatchBudget.forDecision()),
                                    List.of("udf.mask_ssn", "udf.other"), n -> n.split("\\.")[0], n -> n.split("\\.")[1], n -> n, Visibility.Hidden.IGNORE));
                    compared += 3;
                }
                assertThat(accessControl.filterCatalogs(context, Set.copyOf(CATALOGS))).isEqualTo(Visibility.catalogs(rules.forIdentity(ruleIdentity), CATALOGS, Visibility.Hidden.IGNORE));
                assertThat(accessControl.filterViewQueryOwnedBy(identity, IDENTITIES).stream().map(Identity::getUser).distinct().toList())
                        .isEqualTo(Visibility.queryOwners(rules, ruleIdentity, IDENTITIES.stream().map(Identity::getUser).distinct().toList(), user -> user, Visibility.Hidden.IGNORE).stream().toList());
                compared += 2;
            }
        }
        finally {
            accessControl.shutdown();
        }
        assertThat(compared).isGreaterThan(10_000);
    }

    private record TableRuleExpression(String expression, Optional<String> user)
    {
        static TableRuleExpression of(ViewExpression expression)
        {
            return new TableRuleExpression(expression.getExpression(), expression.getSecurityIdentity());
        }

        static TableRuleExpression of(Visibility.Expression expression)
        {
            return new TableRuleExpression(expression.expression(), expression.user());
        }
    }

    /** true when the SPI allowed (a check returned or a boolean method said true), false when it denied. */
    private static Object outcome(Supplier<Object> call)
    {
        try {
            return call.get() instanceof Boolean allowed ? allowed : true;
        }
        catch (AccessDeniedException e) {
            return false;
        }
    }

    private static List<Target> targets(Operation operation)
    {
        List<Target> plain = switch (operation.kind()) {
            case NONE -> List.of(Target.NONE);
            case USER -> IDENTITIES.stream().map(identity -> Target.name(identity.getUser())).distinct().toList();
            case SYSTEM_PROPERTY -> List.of(Target.name("query_max_run_time"), Target.name("query_max_memory"));
            case CATALOG -> CATALOGS.stream().map(Target::catalog).toList();
            case CATALOG_PROPERTY -> CATALOGS.stream().flatMap(catalog -> List.of(Target.catalogProperty(catalog, "compression_codec"), Target.catalogProperty(catalog, "x")).stream()).toList();
            case SCHEMA -> CATALOGS.stream().flatMap(catalog -> SCHEMAS.stream().map(schema -> Target.schema(catalog, schema))).toList();
            case TABLE, FUNCTION, PROCEDURE -> CATALOGS.stream().flatMap(catalog -> SCHEMAS.stream().flatMap(schema -> NAMES.stream().map(name -> Target.object(catalog, schema, name)))).toList();
        };
        List<Target> targets = new ArrayList<>();
        for (Target target : plain) {
            switch (operation.extra()) {
                case NONE -> targets.add(target);
                case COLUMNS -> {
                    targets.add(target);
                    targets.add(target.withColumns(Set.of("bonus")));
                    targets.add(target.withColumns(Set.of("id", "ssn")));
                }
                case NEW_NAME -> targets.add(target.withNewName(operation.kind() == Operation.Kind.SCHEMA
                        ? Target.schema(target.catalog(), "alice_new")
                        : Target.object(target.catalog(), "sales", "renamed")));
                case NEW_OWNER -> OWNERS.forEach(owner -> targets.add(target.withNewOwner(new Target.Owner(owner.getName(), owner.getType() == PrincipalType.ROLE))));
            }
        }
        return targets;
    }

    private static CatalogSchemaTableName table(Target target)
    {
        return new CatalogSchemaTableName(target.catalog(), target.schema(), target.name());
    }

    private static CatalogSchemaTableName newTable(Target target)
    {
        return table(target.newName());
    }

    private static CatalogSchemaName schema(Target target)
    {
        return new CatalogSchemaName(target.catalog(), target.schema());
    }

    private static CatalogSchemaRoutineName routine(Target target)
    {
        return new CatalogSchemaRoutineName(target.catalog(), target.schema(), target.name());
    }

    private static TrinoPrincipal owner(Target target)
    {
        return new TrinoPrincipal(target.newOwner().role() ? PrincipalType.ROLE : PrincipalType.USER, target.newOwner().name());
    }

    private static SpiCall check(Function<Target, BiConsumer<SystemAccessControl, SystemSecurityContext>> call)
    {
        return (accessControl, context, target) -> {
            call.apply(target).accept(accessControl, context);
            return null;
        };
    }

    /** Each operation of the tools, as Trino calls it. */
    private static Map<Operation, SpiCall> spiCalls()
    {
        Map<Operation, SpiCall> calls = new EnumMap<>(Operation.class);
        calls.put(Operation.IMPERSONATE_USER, check(t -> (ac, c) -> ac.checkCanImpersonateUser(c.getIdentity(), t.name())));
        calls.put(Operation.SET_USER, check(t -> (ac, c) -> ac.checkCanSetUser(Optional.of(new BasicPrincipal(c.getIdentity().getUser())), t.name())));
        calls.put(Operation.EXECUTE_QUERY, check(t -> (ac, c) -> ac.checkCanExecuteQuery(c.getIdentity(), new QueryId("query"))));
        calls.put(Operation.VIEW_QUERY_OWNED_BY, check(t -> (ac, c) -> ac.checkCanViewQueryOwnedBy(c.getIdentity(), Identity.ofUser(t.name()))));
        calls.put(Operation.KILL_QUERY_OWNED_BY, check(t -> (ac, c) -> ac.checkCanKillQueryOwnedBy(c.getIdentity(), Identity.ofUser(t.name()))));
        calls.put(Operation.READ_SYSTEM_INFORMATION, check(t -> (ac, c) -> ac.checkCanReadSystemInformation(c.getIdentity())));
        calls.put(Operation.WRITE_SYSTEM_INFORMATION, check(t -> (ac, c) -> ac.checkCanWriteSystemInformation(c.getIdentity())));
        calls.put(Operation.SET_SYSTEM_SESSION_PROPERTY, check(t -> (ac, c) -> ac.checkCanSetSystemSessionProperty(c.getIdentity(), new QueryId("query"), t.name())));
        calls.put(Operation.SET_CATALOG_SESSION_PROPERTY, check(t -> (ac, c) -> ac.checkCanSetCatalogSessionProperty(c, t.catalog(), t.name())));
        calls.put(Operation.ACCESS_CATALOG, (ac, c, t) -> ac.canAccessCatalog(c, t.catalog()));
        calls.put(Operation.CREATE_CATALOG, check(t -> (ac, c) -> ac.checkCanCreateCatalog(c, t.catalog())));
        calls.put(Operation.DROP_CATALOG, check(t -> (ac, c) -> ac.checkCanDropCatalog(c, t.catalog())));
        calls.put(Operation.SHOW_SCHEMAS, check(t -> (ac, c) -> ac.checkCanShowSchemas(c, t.catalog())));
        calls.put(Operation.CREATE_SCHEMA, check(t -> (ac, c) -> ac.checkCanCreateSchema(c, schema(t), Map.of())));
        calls.put(Operation.DROP_SCHEMA, check(t -> (ac, c) -> ac.checkCanDropSchema(c, schema(t))));
        calls.put(Operation.RENAME_SCHEMA, check(t -> (ac, c) -> ac.checkCanRenameSchema(c, schema(t), t.newName().schema())));
        calls.put(Operation.SHOW_CREATE_SCHEMA, check(t -> (ac, c) -> ac.checkCanShowCreateSchema(c, schema(t))));
        calls.put(Operation.SHOW_TABLES, check(t -> (ac, c) -> ac.checkCanShowTables(c, schema(t))));
        calls.put(Operation.SHOW_FUNCTIONS, check(t -> (ac, c) -> ac.checkCanShowFunctions(c, schema(t))));
        calls.put(Operation.GRANT_SCHEMA_PRIVILEGE, check(t -> (ac, c) -> ac.checkCanGrantSchemaPrivilege(c, Privilege.SELECT, schema(t), OWNERS.getFirst(), false)));
        calls.put(Operation.DENY_SCHEMA_PRIVILEGE, check(t -> (ac, c) -> ac.checkCanDenySchemaPrivilege(c, Privilege.SELECT, schema(t), OWNERS.getFirst())));
        calls.put(Operation.REVOKE_SCHEMA_PRIVILEGE, check(t -> (ac, c) -> ac.checkCanRevokeSchemaPrivilege(c, Privilege.SELECT, schema(t), OWNERS.getFirst(), false)));
        calls.put(Operation.SET_SCHEMA_AUTHORIZATION, check(t -> (ac, c) -> ac.checkCanSetSchemaAuthorization(c, schema(t), owner(t))));
        calls.put(Operation.SHOW_CREATE_TABLE, check(t -> (ac, c) -> ac.checkCanShowCreateTable(c, table(t))));
        calls.put(Operation.CREATE_TABLE, check(t -> (ac, c) -> ac.checkCanCreateTable(c, table(t), Map.of())));
        calls.put(Operation.DROP_TABLE, check(t -> (ac, c) -> ac.checkCanDropTable(c, table(t))));
        calls.put(Operation.RENAME_TABLE, check(t -> (ac, c) -> ac.checkCanRenameTable(c, table(t), newTable(t))));
        calls.put(Operation.SET_TABLE_PROPERTIES, check(t -> (ac, c) -> ac.checkCanSetTableProperties(c, table(t), ImmutableMap.of())));
        calls.put(Operation.SET_TABLE_COMMENT, check(t -> (ac, c) -> ac.checkCanSetTableComment(c, table(t))));
        calls.put(Operation.SET_VIEW_COMMENT, check(t -> (ac, c) -> ac.checkCanSetViewComment(c, table(t))));
        calls.put(Operation.SET_COLUMN_COMMENT, check(t -> (ac, c) -> ac.checkCanSetColumnComment(c, table(t))));
        calls.put(Operation.SHOW_COLUMNS, check(t -> (ac, c) -> ac.checkCanShowColumns(c, table(t))));
        calls.put(Operation.ADD_COLUMN, check(t -> (ac, c) -> ac.checkCanAddColumn(c, table(t))));
        calls.put(Operation.ALTER_COLUMN, check(t -> (ac, c) -> ac.checkCanAlterColumn(c, table(t))));
        calls.put(Operation.DROP_COLUMN, check(t -> (ac, c) -> ac.checkCanDropColumn(c, table(t))));
        calls.put(Operation.RENAME_COLUMN, check(t -> (ac, c) -> ac.checkCanRenameColumn(c, table(t))));
        calls.put(Operation.SET_TABLE_AUTHORIZATION, check(t -> (ac, c) -> ac.checkCanSetTableAuthorization(c, table(t), owner(t))));
        calls.put(Operation.SELECT_FROM_COLUMNS, check(t -> (ac, c) -> ac.checkCanSelectFromColumns(c, table(t), t.columns())));
        calls.put(Operation.INSERT_INTO_TABLE, check(t -> (ac, c) -> ac.checkCanInsertIntoTable(c, table(t))));
        calls.put(Operation.DELETE_FROM_TABLE, check(t -> (ac, c) -> ac.checkCanDeleteFromTable(c, table(t))));
        calls.put(Operation.TRUNCATE_TABLE, check(t -> (ac, c) -> ac.checkCanTruncateTable(c, table(t))));
        calls.put(Operation.UPDATE_TABLE_COLUMNS, check(t -> (ac, c) -> ac.checkCanUpdateTableColumns(c, table(t), Set.of("id"))));
        calls.put(Operation.CREATE_VIEW, check(t -> (ac, c) -> ac.checkCanCreateView(c, table(t))));
        calls.put(Operation.RENAME_VIEW, check(t -> (ac, c) -> ac.checkCanRenameView(c, table(t), newTable(t))));
        calls.put(Operation.SET_VIEW_AUTHORIZATION, check(t -> (ac, c) -> ac.checkCanSetViewAuthorization(c, table(t), owner(t))));
        calls.put(Operation.REFRESH_VIEW, check(t -> (ac, c) -> ((RulesSystemAccessControl) ac).checkCanRefreshView(c, table(t))));
        calls.put(Operation.DROP_VIEW, check(t -> (ac, c) -> ac.checkCanDropView(c, table(t))));
        calls.put(Operation.CREATE_VIEW_WITH_SELECT_FROM_COLUMNS, check(t -> (ac, c) -> ac.checkCanCreateViewWithSelectFromColumns(c, table(t), t.columns())));
        calls.put(Operation.CREATE_MATERIALIZED_VIEW, check(t -> (ac, c) -> ac.checkCanCreateMaterializedView(c, table(t), Map.of())));
        calls.put(Operation.REFRESH_MATERIALIZED_VIEW, check(t -> (ac, c) -> ac.checkCanRefreshMaterializedView(c, table(t))));
        calls.put(Operation.SET_MATERIALIZED_VIEW_PROPERTIES, check(t -> (ac, c) -> ac.checkCanSetMaterializedViewProperties(c, table(t), ImmutableMap.of())));
        calls.put(Operation.DROP_MATERIALIZED_VIEW, check(t -> (ac, c) -> ac.checkCanDropMaterializedView(c, table(t))));
        calls.put(Operation.RENAME_MATERIALIZED_VIEW, check(t -> (ac, c) -> ac.checkCanRenameMaterializedView(c, table(t), newTable(t))));
        calls.put(Operation.SET_MATERIALIZED_VIEW_AUTHORIZATION, check(t -> (ac, c) -> ((RulesSystemAccessControl) ac).checkCanSetMaterializedViewAuthorization(c, table(t), owner(t))));
        calls.put(Operation.GRANT_TABLE_PRIVILEGE, check(t -> (ac, c) -> ac.checkCanGrantTablePrivilege(c, Privilege.SELECT, table(t), OWNERS.getFirst(), false)));
        calls.put(Operation.DENY_TABLE_PRIVILEGE, check(t -> (ac, c) -> ac.checkCanDenyTablePrivilege(c, Privilege.SELECT, table(t), OWNERS.getFirst())));
        calls.put(Operation.REVOKE_TABLE_PRIVILEGE, check(t -> (ac, c) -> ac.checkCanRevokeTablePrivilege(c, Privilege.SELECT, table(t), OWNERS.getFirst(), false)));
        calls.put(Operation.EXECUTE_PROCEDURE, check(t -> (ac, c) -> ac.checkCanExecuteProcedure(c, routine(t))));
        calls.put(Operation.EXECUTE_FUNCTION, (ac, c, t) -> ac.canExecuteFunction(c, routine(t)));
        calls.put(Operation.CREATE_VIEW_WITH_EXECUTE_FUNCTION, (ac, c, t) -> ac.canCreateViewWithExecuteFunction(c, routine(t)));
        calls.put(Operation.CREATE_FUNCTION, check(t -> (ac, c) -> ac.checkCanCreateFunction(c, routine(t))));
        calls.put(Operation.DROP_FUNCTION, check(t -> (ac, c) -> ac.checkCanDropFunction(c, routine(t))));
        calls.put(Operation.SHOW_CREATE_FUNCTION, check(t -> (ac, c) -> ac.checkCanShowCreateFunction(c, routine(t))));
        return calls;
    }
}
