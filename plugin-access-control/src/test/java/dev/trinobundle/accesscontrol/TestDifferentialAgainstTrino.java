package dev.trinobundle.accesscontrol;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import io.trino.plugin.base.security.FileBasedSystemAccessControl;
import io.trino.spi.QueryId;
import io.trino.spi.connector.CatalogSchemaName;
import io.trino.spi.connector.CatalogSchemaRoutineName;
import io.trino.spi.connector.CatalogSchemaTableName;
import io.trino.spi.connector.ColumnSchema;
import io.trino.spi.connector.EntityKindAndName;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiFunction;

import static dev.trinobundle.testing.TestingPluginContext.TRINO_476;
import static com.google.common.io.MoreFiles.deleteRecursively;
import static com.google.common.io.RecursiveDeleteOption.ALLOW_INSECURE;
import static io.trino.spi.type.BigintType.BIGINT;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Generated rule sets × identities × every check and filter of the SPI: our access control must take the same
 * decisions as Trino 476's {@code FileBasedSystemAccessControl}, with the same denial message (ours may append the
 * deciding rule as extra information, {@code "<Trino's message>: <rule>"}) and the same filter results.
 * <p>
 * Deliberate differences, excluded here and tested in their own tests:
 * <ul>
 * <li>entity privilege checks ({@code checkCanGrant/Deny/RevokeEntityPrivilege}): Trino throws
 * {@code UnsupportedOperationException}, ours denies with {@code AccessDeniedException};</li>
 * <li>impersonation {@code new_user} with {@code \}, a {@code $} anchor or captured text with regex metacharacters, and
 * {@code original_group}: the generator only uses user names without metacharacters and back-references that both
 * implementations read the same way (see {@code TestImpersonationRules}).</li>
 * </ul>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class TestDifferentialAgainstTrino
{
    // more for a deeper local run: -Ddifferential.rule-sets=500
    private static final int RULE_SETS = Integer.getInteger("differential.rule-sets", 30);
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final List<String> USERS = List.of("alice", "bob", "admin", "team_x_admin");
    private static final List<Set<String>> GROUP_SETS = List.of(Set.of(), Set.of("g1", "g2"));
    private static final List<Set<String>> ROLE_SETS = List.of(Set.of(), Set.of("r1"));
    private static final List<String> CATALOGS = List.of("c1", "c2", "system");
    private static final List<String> SCHEMAS = List.of("s1", "s2", "information_schema", "builtin");
    private static final List<String> TABLES = List.of("t1", "t2");
    private static final List<Set<String>> COLUMN_SETS = List.of(Set.of(), Set.of("a"), Set.of("b", "c"));

    private static final String[] USER_REGEX = {null, "alice", "a.*", ".*", "bob|admin", "(?i)ADMIN"};
    private static final String[] GROUP_REGEX = {null, null, "g1", "g.*", "g2"};
    private static final String[] ROLE_REGEX = {null, null, "r1", "r.*"};
    private static final String[] CATALOG_REGEX = {null, "c1", "c.*", "system", ".*"};
    private static final String[] SCHEMA_REGEX = {null, "s1", "s.*", "information_schema", "builtin"};
    private static final String[] TABLE_REGEX = {null, "t1", "t.*"};
    private static final String[] PROPERTY_REGEX = {null, "p1", "p.*"};
    private static final String[] ROUTINE_REGEX = {null, "f1", "f.*"};

    private static final List<Identity> IDENTITIES = identities();
    private static final Map<String, BiFunction<SystemAccessControl, Identity, Object>> OPERATIONS = operations();

    private Path directory;

    @BeforeAll
    void createDirectory()
            throws IOException
    {
        directory = Files.createTempDirectory("differential");
    }

    @AfterAll
    void deleteDirectory()
            throws IOException
    {
        deleteRecursively(directory, ALLOW_INSECURE);
    }

    @Test
    void testSameDecisionsAsTrino()
            throws IOException
    {
        Random random = new Random(476);
        int compared = 0;
        for (int ruleSet = 0; ruleSet < RULE_SETS; ruleSet++) {
            Map<String, Object> rules = generateRules(random);
            String json = JSON.writeValueAsString(rules);
            compared += compare(json, ruleSet);
        }
        // the test must actually have compared something for every rule set
        assertThat(compared).isEqualTo(RULE_SETS * IDENTITIES.size() * OPERATIONS.size());
    }

    @Test
    void testTrinoDocumentationExamples()
            throws IOException
    {
        compare("{}", 1000);
        compare("{\"catalogs\":[{\"allow\":\"all\"}],\"impersonation\":[{\"original_user\":\"admin\",\"new_user\":\".*\"}]}", 1001);
        compare("{\"impersonation\":[{\"original_user\":\"admin\",\"new_user\":\".*@company\\\\.com\"}]}", 1002);
        compare("{\"impersonation\":[{\"original_user\":\"team_(.*)_admin\",\"new_user\":\"$1\"},{\"original_role\":\"r1\",\"new_user\":\"bob\",\"allow\":false}],\"principals\":[]}", 1003);
    }

    private int compare(String json, int ruleSetNumber)
            throws IOException
    {
        Path file = directory.resolve("rules-" + ruleSetNumber + ".json");
        Files.writeString(file, json);
        Map<String, String> properties = Map.of("security.config-file", file.toString());
        SystemAccessControl trino = new FileBasedSystemAccessControl.Factory().create(properties, TRINO_476);
        // rules with original_group need a group source; an empty Trino group file leaves every identity's own groups deciding
        Path groupFile = directory.resolve("groups.txt");
        Path groupProvider = directory.resolve("group-provider.properties");
        Files.writeString(groupFile, "");
        Files.writeString(groupProvider, "group-provider.name=file\nfile.group-file=" + groupFile + "\n");
        SystemAccessControl ours = new RulesAccessControlFactory().create(ImmutableMap.<String, String>builder().putAll(properties)
                .put("security.log-denials", "false")
                .put("security.group-provider.config-file", groupProvider.toString())
                .buildOrThrow(), TRINO_476);
        int compared = 0;
        try {
            for (Identity identity : IDENTITIES) {
                for (Map.Entry<String, BiFunction<SystemAccessControl, Identity, Object>> operation : OPERATIONS.entrySet()) {
                    Object expected = outcome(operation.getValue(), trino, identity);
                    Object actual = outcome(operation.getValue(), ours, identity);
                    assertSameOutcome(actual, expected, () -> "rules " + json + "\nidentity " + identity + " " + identity.getGroups() + " " + identity.getEnabledRoles() + "\noperation " + operation.getKey());
                    compared++;
                }
            }
        }
        finally {
            trino.shutdown();
            ours.shutdown();
        }
        return compared;
    }

    private static void assertSameOutcome(Object actual, Object expected, java.util.function.Supplier<String> description)
    {
        if (expected instanceof String expectedText && expectedText.startsWith("DENY ") && actual instanceof String actualText && actualText.startsWith("DENY ")) {
            // ours appends the deciding rule as AccessDeniedException extra information: "<Trino's message>: <rule>"
            if (!actualText.equals(expectedText)) {
                assertThat(actualText).as(description).startsWith(expectedText + ": ");
            }
            return;
        }
        assertThat(actual).as(description).isEqualTo(expected);
    }

    private static Object outcome(BiFunction<SystemAccessControl, Identity, Object> operation, SystemAccessControl accessControl, Identity identity)
    {
        try {
            return normalize(operation.apply(accessControl, identity));
        }
        catch (AccessDeniedException e) {
            return "DENY " + e.getMessage();
        }
        catch (RuntimeException e) {
            return "ERROR " + e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }

    private static Object normalize(Object result)
    {
        return switch (result) {
            case null -> "ALLOW";
            case Collection<?> collection -> collection.stream().map(TestDifferentialAgainstTrino::normalize).map(String::valueOf).sorted().toList();
            case Map<?, ?> map -> {
                Map<String, Object> sorted = new TreeMap<>();
                map.forEach((key, value) -> sorted.put(String.valueOf(normalize(key)), normalize(value)));
                yield sorted;
            }
            case Optional<?> optional -> optional.map(TestDifferentialAgainstTrino::normalize).map(String::valueOf).orElse("EMPTY");
            case ViewExpression expression -> "ViewExpression[" + expression.getSecurityIdentity() + ", " + expression.getCatalog() + ", " + expression.getSchema() + ", " + expression.getExpression() + "]";
            case Identity identity -> identity.getUser();
            case ColumnSchema column -> column.getName();
            default -> result;
        };
    }

    private static List<Identity> identities()
    {
        ImmutableList.Builder<Identity> identities = ImmutableList.builder();
        for (String user : USERS) {
            for (Set<String> groups : GROUP_SETS) {
                for (Set<String> roles : ROLE_SETS) {
                    identities.add(Identity.forUser(user).withGroups(groups).withEnabledRoles(roles).build());
                }
            }
        }
        return identities.build();
    }

    private static SystemSecurityContext context(Identity identity)
    {
        return new SystemSecurityContext(identity, new QueryId("query"), Instant.EPOCH);
    }

    /** Every check and filter, over the generated object names. */
    private static Map<String, BiFunction<SystemAccessControl, Identity, Object>> operations()
    {
        Map<String, BiFunction<SystemAccessControl, Identity, Object>> operations = new LinkedHashMap<>();
        for (String user : List.of("alice", "bob", "svc_alice", "team_x", "admin")) {
            operations.put("checkCanImpersonateUser " + user, (ac, id) -> run(() -> ac.checkCanImpersonateUser(id, user)));
            operations.put("checkCanViewQueryOwnedBy " + user, (ac, id) -> run(() -> ac.checkCanViewQueryOwnedBy(id, Identity.ofUser(user))));
            operations.put("checkCanKillQueryOwnedBy " + user, (ac, id) -> run(() -> ac.checkCanKillQueryOwnedBy(id, Identity.ofUser(user))));
            for (Optional<String> principal : List.of(Optional.<String>empty(), Optional.of("alice@example.com"), Optional.of("bob"))) {
                operations.put("checkCanSetUser " + principal + " " + user, (ac, id) -> run(() -> ac.checkCanSetUser(principal.map(BasicPrincipal::new), user)));
            }
        }
        operations.put("filterViewQueryOwnedBy", (ac, id) -> ac.filterViewQueryOwnedBy(id, List.of(Identity.ofUser("alice"), Identity.ofUser("bob"), Identity.ofUser("admin"))));
        operations.put("checkCanExecuteQuery", (ac, id) -> run(() -> ac.checkCanExecuteQuery(id, new QueryId("query"))));
        operations.put("checkCanReadSystemInformation", (ac, id) -> run(() -> ac.checkCanReadSystemInformation(id)));
        operations.put("checkCanWriteSystemInformation", (ac, id) -> run(() -> ac.checkCanWriteSystemInformation(id)));
        operations.put("filterCatalogs", (ac, id) -> ac.filterCatalogs(context(id), ImmutableSet.copyOf(CATALOGS)));
        operations.put("checkCanShowRoles", (ac, id) -> run(() -> ac.checkCanShowRoles(context(id))));
        operations.put("checkCanShowCurrentRoles", (ac, id) -> run(() -> ac.checkCanShowCurrentRoles(context(id))));
        operations.put("checkCanShowRoleGrants", (ac, id) -> run(() -> ac.checkCanShowRoleGrants(context(id))));
        operations.put("checkCanCreateRole", (ac, id) -> run(() -> ac.checkCanCreateRole(context(id), "r", Optional.empty())));
        operations.put("checkCanDropRole", (ac, id) -> run(() -> ac.checkCanDropRole(context(id), "r")));
        operations.put("checkCanGrantRoles", (ac, id) -> run(() -> ac.checkCanGrantRoles(context(id), Set.of("r"), Set.of(new TrinoPrincipal(PrincipalType.USER, "bob")), false, Optional.empty())));
        operations.put("checkCanRevokeRoles", (ac, id) -> run(() -> ac.checkCanRevokeRoles(context(id), Set.of("r"), Set.of(new TrinoPrincipal(PrincipalType.USER, "bob")), false, Optional.empty())));
        for (String property : List.of("p1", "q")) {
            operations.put("checkCanSetSystemSessionProperty " + property, (ac, id) -> run(() -> ac.checkCanSetSystemSessionProperty(id, new QueryId("query"), property)));
        }
        for (String catalog : CATALOGS) {
            operations.put("canAccessCatalog " + catalog, (ac, id) -> ac.canAccessCatalog(context(id), catalog));
            operations.put("checkCanCreateCatalog " + catalog, (ac, id) -> run(() -> ac.checkCanCreateCatalog(context(id), catalog)));
            operations.put("checkCanDropCatalog " + catalog, (ac, id) -> run(() -> ac.checkCanDropCatalog(context(id), catalog)));
            operations.put("checkCanShowSchemas " + catalog, (ac, id) -> run(() -> ac.checkCanShowSchemas(context(id), catalog)));
            operations.put("filterSchemas " + catalog, (ac, id) -> ac.filterSchemas(context(id), catalog, ImmutableSet.copyOf(SCHEMAS)));
            Set<SchemaTableName> allTables = SCHEMAS.stream().flatMap(schema -> TABLES.stream().map(table -> new SchemaTableName(schema, table))).collect(ImmutableSet.toImmutableSet());
            operations.put("filterTables " + catalog, (ac, id) -> ac.filterTables(context(id), catalog, allTables));
            Map<SchemaTableName, Set<String>> tableColumns = allTables.stream().collect(ImmutableMap.toImmutableMap(table -> table, table -> Set.of("a", "b", "c")));
            operations.put("filterColumns(bulk) " + catalog, (ac, id) -> ac.filterColumns(context(id), catalog, tableColumns));
            Set<SchemaFunctionName> functions = SCHEMAS.stream().flatMap(schema -> List.of("f1", "g").stream().map(function -> new SchemaFunctionName(schema, function))).collect(ImmutableSet.toImmutableSet());
            operations.put("filterFunctions " + catalog, (ac, id) -> ac.filterFunctions(context(id), catalog, functions));
            for (String property : List.of("p1", "q")) {
                operations.put("checkCanSetCatalogSessionProperty " + catalog + " " + property, (ac, id) -> run(() -> ac.checkCanSetCatalogSessionProperty(context(id), catalog, property)));
            }
            for (String schemaName : SCHEMAS) {
                CatalogSchemaName schema = new CatalogSchemaName(catalog, schemaName);
                addSchemaOperations(operations, schema);
                for (String routine : List.of("f1", "g")) {
                    CatalogSchemaRoutineName name = new CatalogSchemaRoutineName(catalog, schemaName, routine);
                    operations.put("checkCanExecuteProcedure " + name, (ac, id) -> run(() -> ac.checkCanExecuteProcedure(context(id), name)));
                    operations.put("canExecuteFunction " + name, (ac, id) -> ac.canExecuteFunction(context(id), name));
                    operations.put("canCreateViewWithExecuteFunction " + name, (ac, id) -> ac.canCreateViewWithExecuteFunction(context(id), name));
                    operations.put("checkCanCreateFunction " + name, (ac, id) -> run(() -> ac.checkCanCreateFunction(context(id), name)));
                    operations.put("checkCanDropFunction " + name, (ac, id) -> run(() -> ac.checkCanDropFunction(context(id), name)));
                    operations.put("checkCanShowCreateFunction " + name, (ac, id) -> run(() -> ac.checkCanShowCreateFunction(context(id), name)));
                }
                for (String tableName : TABLES) {
                    addTableOperations(operations, new CatalogSchemaTableName(catalog, schemaName, tableName));
                }
            }
        }
        return operations;
    }

    private static void addSchemaOperations(Map<String, BiFunction<SystemAccessControl, Identity, Object>> operations, CatalogSchemaName schema)
    {
        TrinoPrincipal user = new TrinoPrincipal(PrincipalType.USER, "bob");
        TrinoPrincipal role = new TrinoPrincipal(PrincipalType.ROLE, "r1");
        operations.put("checkCanCreateSchema " + schema, (ac, id) -> run(() -> ac.checkCanCreateSchema(context(id), schema, Map.of())));
        operations.put("checkCanDropSchema " + schema, (ac, id) -> run(() -> ac.checkCanDropSchema(context(id), schema)));
        operations.put("checkCanRenameSchema " + schema, (ac, id) -> run(() -> ac.checkCanRenameSchema(context(id), schema, "s2")));
        operations.put("checkCanShowCreateSchema " + schema, (ac, id) -> run(() -> ac.checkCanShowCreateSchema(context(id), schema)));
        operations.put("checkCanShowTables " + schema, (ac, id) -> run(() -> ac.checkCanShowTables(context(id), schema)));
        operations.put("checkCanShowFunctions " + schema, (ac, id) -> run(() -> ac.checkCanShowFunctions(context(id), schema)));
        operations.put("checkCanSetSchemaAuthorization user " + schema, (ac, id) -> run(() -> ac.checkCanSetSchemaAuthorization(context(id), schema, user)));
        operations.put("checkCanSetSchemaAuthorization role " + schema, (ac, id) -> run(() -> ac.checkCanSetSchemaAuthorization(context(id), schema, role)));
        operations.put("checkCanGrantSchemaPrivilege " + schema, (ac, id) -> run(() -> ac.checkCanGrantSchemaPrivilege(context(id), Privilege.SELECT, schema, user, false)));
        operations.put("checkCanDenySchemaPrivilege " + schema, (ac, id) -> run(() -> ac.checkCanDenySchemaPrivilege(context(id), Privilege.INSERT, schema, user)));
        operations.put("checkCanRevokeSchemaPrivilege " + schema, (ac, id) -> run(() -> ac.checkCanRevokeSchemaPrivilege(context(id), Privilege.DELETE, schema, user, true)));
        operations.put("checkCanSetEntityAuthorization SCHEMA " + schema, (ac, id) -> run(() -> ac.checkCanSetEntityAuthorization(context(id), new EntityKindAndName("SCHEMA", List.of(schema.getCatalogName(), schema.getSchemaName())), user)));
    }

    private static void addTableOperations(Map<String, BiFunction<SystemAccessControl, Identity, Object>> operations, CatalogSchemaTableName table)
    {
        CatalogSchemaTableName other = new CatalogSchemaTableName(table.getCatalogName(), "s2", "t2");
        TrinoPrincipal user = new TrinoPrincipal(PrincipalType.USER, "bob");
        TrinoPrincipal role = new TrinoPrincipal(PrincipalType.ROLE, "r2");
        operations.put("checkCanShowCreateTable " + table, (ac, id) -> run(() -> ac.checkCanShowCreateTable(context(id), table)));
        operations.put("checkCanCreateTable " + table, (ac, id) -> run(() -> ac.checkCanCreateTable(context(id), table, Map.of())));
        operations.put("checkCanDropTable " + table, (ac, id) -> run(() -> ac.checkCanDropTable(context(id), table)));
        operations.put("checkCanRenameTable " + table, (ac, id) -> run(() -> ac.checkCanRenameTable(context(id), table, other)));
        operations.put("checkCanSetTableProperties " + table, (ac, id) -> run(() -> ac.checkCanSetTableProperties(context(id), table, Map.of())));
        operations.put("checkCanSetTableComment " + table, (ac, id) -> run(() -> ac.checkCanSetTableComment(context(id), table)));
        operations.put("checkCanSetViewComment " + table, (ac, id) -> run(() -> ac.checkCanSetViewComment(context(id), table)));
        operations.put("checkCanSetColumnComment " + table, (ac, id) -> run(() -> ac.checkCanSetColumnComment(context(id), table)));
        operations.put("checkCanShowColumns " + table, (ac, id) -> run(() -> ac.checkCanShowColumns(context(id), table)));
        operations.put("checkCanAddColumn " + table, (ac, id) -> run(() -> ac.checkCanAddColumn(context(id), table)));
        operations.put("checkCanAlterColumn " + table, (ac, id) -> run(() -> ac.checkCanAlterColumn(context(id), table)));
        operations.put("checkCanDropColumn " + table, (ac, id) -> run(() -> ac.checkCanDropColumn(context(id), table)));
        operations.put("checkCanRenameColumn " + table, (ac, id) -> run(() -> ac.checkCanRenameColumn(context(id), table)));
        operations.put("checkCanInsertIntoTable " + table, (ac, id) -> run(() -> ac.checkCanInsertIntoTable(context(id), table)));
        operations.put("checkCanDeleteFromTable " + table, (ac, id) -> run(() -> ac.checkCanDeleteFromTable(context(id), table)));
        operations.put("checkCanTruncateTable " + table, (ac, id) -> run(() -> ac.checkCanTruncateTable(context(id), table)));
        operations.put("checkCanUpdateTableColumns " + table, (ac, id) -> run(() -> ac.checkCanUpdateTableColumns(context(id), table, Set.of("a"))));
        operations.put("checkCanCreateView " + table, (ac, id) -> run(() -> ac.checkCanCreateView(context(id), table)));
        operations.put("checkCanRenameView " + table, (ac, id) -> run(() -> ac.checkCanRenameView(context(id), table, other)));
        operations.put("checkCanDropView " + table, (ac, id) -> run(() -> ac.checkCanDropView(context(id), table)));
        operations.put("checkCanCreateMaterializedView " + table, (ac, id) -> run(() -> ac.checkCanCreateMaterializedView(context(id), table, Map.of())));
        operations.put("checkCanRefreshMaterializedView " + table, (ac, id) -> run(() -> ac.checkCanRefreshMaterializedView(context(id), table)));
        operations.put("checkCanSetMaterializedViewProperties " + table, (ac, id) -> run(() -> ac.checkCanSetMaterializedViewProperties(context(id), table, Map.of())));
        operations.put("checkCanDropMaterializedView " + table, (ac, id) -> run(() -> ac.checkCanDropMaterializedView(context(id), table)));
        operations.put("checkCanRenameMaterializedView " + table, (ac, id) -> run(() -> ac.checkCanRenameMaterializedView(context(id), table, other)));
        operations.put("checkCanGrantTablePrivilege " + table, (ac, id) -> run(() -> ac.checkCanGrantTablePrivilege(context(id), Privilege.SELECT, table, user, false)));
        operations.put("checkCanDenyTablePrivilege " + table, (ac, id) -> run(() -> ac.checkCanDenyTablePrivilege(context(id), Privilege.UPDATE, table, user)));
        operations.put("checkCanRevokeTablePrivilege " + table, (ac, id) -> run(() -> ac.checkCanRevokeTablePrivilege(context(id), Privilege.DELETE, table, user, true)));
        operations.put("checkCanSetTableAuthorization " + table, (ac, id) -> run(() -> ac.checkCanSetTableAuthorization(context(id), table, user)));
        operations.put("checkCanSetViewAuthorization " + table, (ac, id) -> run(() -> ac.checkCanSetViewAuthorization(context(id), table, role)));
        operations.put("checkCanSetEntityAuthorization TABLE " + table, (ac, id) -> run(() -> ac.checkCanSetEntityAuthorization(context(id), new EntityKindAndName("TABLE", List.of(table.getCatalogName(), table.getSchemaTableName().getSchemaName(), table.getSchemaTableName().getTableName())), role)));
        operations.put("checkCanSetEntityAuthorization FUNCTION " + table, (ac, id) -> run(() -> ac.checkCanSetEntityAuthorization(context(id), new EntityKindAndName("FUNCTION", List.of(table.getCatalogName(), table.getSchemaTableName().getSchemaName(), table.getSchemaTableName().getTableName())), user)));
        operations.put("checkCanExecuteTableProcedure " + table, (ac, id) -> run(() -> ac.checkCanExecuteTableProcedure(context(id), table, "optimize")));
        operations.put("getRowFilters " + table, (ac, id) -> ac.getRowFilters(context(id), table));
        List<ColumnSchema> columnSchemas = List.of("a", "b", "c").stream().map(name -> ColumnSchema.builder().setName(name).setType(BIGINT).build()).toList();
        operations.put("getColumnMasks " + table, (ac, id) -> ac.getColumnMasks(context(id), table, columnSchemas));
        for (String column : List.of("a", "b")) {
            operations.put("getColumnMask " + table + " " + column, (ac, id) -> ac.getColumnMask(context(id), table, column, BIGINT));
        }
        for (Set<String> columns : COLUMN_SETS) {
            operations.put("checkCanSelectFromColumns " + table + " " + columns, (ac, id) -> run(() -> ac.checkCanSelectFromColumns(context(id), table, columns)));
            operations.put("checkCanCreateViewWithSelectFromColumns " + table + " " + columns, (ac, id) -> run(() -> ac.checkCanCreateViewWithSelectFromColumns(context(id), table, columns)));
            operations.put("filterColumns " + table + " " + columns, (ac, id) -> ac.filterColumns(context(id), table, columns));
        }
    }

    private static Object run(Runnable check)
    {
        check.run();
        return null;
    }

    // ---- rule generation

    private static Map<String, Object> generateRules(Random random)
    {
        Map<String, Object> rules = new LinkedHashMap<>();
        section(random, rules, "catalogs", () -> with(subject(random), "catalog", pick(random, CATALOG_REGEX), "allow", pick(random, new Object[] {"all", "read-only", "none", "owner", true, false})));
        section(random, rules, "schemas", () -> with(subject(random), "catalog", pick(random, CATALOG_REGEX), "schema", pick(random, SCHEMA_REGEX), "owner", random.nextBoolean()));
        section(random, rules, "tables", () -> tableRule(random));
        section(random, rules, "system_information", () -> with(with(new LinkedHashMap<>(), "user", pick(random, USER_REGEX), "role", pick(random, ROLE_REGEX)), "allow", subset(random, List.of("read", "write"))));
        section(random, rules, "system_session_properties", () -> with(subject(random), "property", pick(random, PROPERTY_REGEX), "allow", random.nextBoolean()));
        section(random, rules, "catalog_session_properties", () -> with(subject(random), "catalog", pick(random, CATALOG_REGEX), "property", pick(random, PROPERTY_REGEX), "allow", random.nextBoolean()));
        section(random, rules, "functions", () -> with(subject(random), "catalog", pick(random, CATALOG_REGEX), "schema", pick(random, SCHEMA_REGEX), "function", pick(random, ROUTINE_REGEX), "privileges", subset(random, List.of("EXECUTE", "GRANT_EXECUTE", "OWNERSHIP"))));
        section(random, rules, "procedures", () -> with(subject(random), "catalog", pick(random, CATALOG_REGEX), "schema", pick(random, SCHEMA_REGEX), "procedure", pick(random, ROUTINE_REGEX), "privileges", subset(random, List.of("EXECUTE", "GRANT_EXECUTE"))));
        section(random, rules, "queries", () -> {
            boolean owner = random.nextBoolean();
            return with(subject(random), "queryOwner", owner ? pick(random, USER_REGEX) : null, "allow", subset(random, owner ? List.of("view", "kill") : List.of("execute", "view", "kill")));
        });
        section(random, rules, "impersonation", () -> impersonationRule(random));
        if (random.nextInt(6) == 0) {
            section(random, rules, "principals", () -> random.nextBoolean()
                    ? with(new LinkedHashMap<>(), "principal", "(.*)@example\\.com", "principal_to_user", "$1", "allow", random.nextBoolean())
                    : with(new LinkedHashMap<>(), "principal", pick(random, new String[] {".*", "bob"}), "user", pick(random, new String[] {"bob", ".*", "alice"}), "allow", random.nextBoolean()));
        }
        section(random, rules, "authorization", () -> {
            Map<String, Object> rule = with(new LinkedHashMap<>(), "original_user", pick(random, USER_REGEX), "original_group", pick(random, GROUP_REGEX), "original_role", pick(random, ROLE_REGEX));
            boolean user = random.nextBoolean();
            with(rule, "new_user", user || random.nextBoolean() ? pick(random, new String[] {"bob", ".*"}) : null, "new_role", !user ? pick(random, new String[] {"r1", "r.*"}) : null);
            if (!rule.containsKey("new_user") && !rule.containsKey("new_role")) {
                rule.put("new_user", ".*");
            }
            return with(rule, "allow", random.nextInt(3) == 0 ? null : random.nextBoolean());
        });
        return rules;
    }

    private static Map<String, Object> tableRule(Random random)
    {
        Map<String, Object> rule = with(subject(random), "catalog", pick(random, CATALOG_REGEX), "schema", pick(random, SCHEMA_REGEX), "table", pick(random, TABLE_REGEX),
                "privileges", subset(random, List.of("SELECT", "INSERT", "DELETE", "UPDATE", "OWNERSHIP", "GRANT_SELECT")));
        if (random.nextBoolean()) {
            List<Map<String, Object>> columns = new ArrayList<>();
            if (random.nextBoolean()) {
                columns.add(Map.of("name", "a", "allow", false));
            }
            if (random.nextBoolean()) {
                columns.add(Map.of("name", "b", "mask", "'xxx'", "mask_environment", Map.of("user", "admin")));
            }
            if (random.nextBoolean()) {
                columns.add(Map.of("name", "c", "mask", "NULL"));
            }
            rule.put("columns", columns);
        }
        if (random.nextInt(3) == 0) {
            rule.put("filter", "a > 1");
            if (random.nextBoolean()) {
                rule.put("filter_environment", Map.of("user", "admin"));
            }
        }
        return rule;
    }

    private static Map<String, Object> impersonationRule(Random random)
    {
        Map<String, Object> rule = new LinkedHashMap<>();
        switch (random.nextInt(4)) {
            case 0 -> with(rule, "original_user", pick(random, USER_REGEX), "new_user", pick(random, new String[] {"alice", ".*", "b.*", "svc_.*"}));
            case 1 -> with(rule, "original_user", "team_(.*)_admin", "new_user", pick(random, new String[] {"$1", "team_$1", "$1|bob"}));
            case 2 -> with(rule, "original_user", "(a)(.*)", "new_user", pick(random, new String[] {"svc_$1$2", "$1.*", "$2"}));
            default -> with(rule, "original_role", pick(random, ROLE_REGEX), "new_user", pick(random, new String[] {"bob", ".*"}));
        }
        if (random.nextBoolean()) {
            rule.put("allow", random.nextInt(3) != 0);
        }
        return rule;
    }

    private static Map<String, Object> subject(Random random)
    {
        return with(new LinkedHashMap<>(), "user", pick(random, USER_REGEX), "group", pick(random, GROUP_REGEX), "role", pick(random, ROLE_REGEX));
    }

    private static void section(Random random, Map<String, Object> rules, String name, java.util.function.Supplier<Map<String, Object>> rule)
    {
        int choice = random.nextInt(10);
        if (choice < 3) {
            return; // absent
        }
        List<Map<String, Object>> list = new ArrayList<>();
        int count = choice == 3 ? 0 : 1 + random.nextInt(4);
        for (int i = 0; i < count; i++) {
            list.add(rule.get());
        }
        rules.put(name, list);
    }

    private static Map<String, Object> with(Map<String, Object> map, Object... keysAndValues)
    {
        for (int i = 0; i < keysAndValues.length; i += 2) {
            if (keysAndValues[i + 1] != null) {
                map.put((String) keysAndValues[i], keysAndValues[i + 1]);
            }
        }
        return map;
    }

    private static <T> T pick(Random random, T[] values)
    {
        return values[random.nextInt(values.length)];
    }

    private static List<String> subset(Random random, List<String> values)
    {
        return values.stream().filter(value -> random.nextInt(3) == 0).toList();
    }

}
