package dev.trinobundle.accesscontrol.rules;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

final class TestRulesParser
{
    private static RuleSet parse(String json)
    {
        return parse(json, "");
    }

    private static RuleSet parse(String json, String pointer)
    {
        return RulesParser.parse("rules.json", json.getBytes(StandardCharsets.UTF_8), pointer);
    }

    private static void assertInvalid(String json, int line, int column, String problem)
    {
        assertThatThrownBy(() -> parse(json))
                .isInstanceOfSatisfying(RulesException.class, e -> {
                    assertThat(e.getFileName()).isEqualTo("rules.json");
                    assertThat(e.getLine()).as(e.getMessage()).isEqualTo(line);
                    assertThat(e.getColumn()).as(e.getMessage()).isEqualTo(column);
                    assertThat(e.getProblem()).contains(problem);
                    assertThat(e.getMessage()).startsWith("Invalid access control rules file rules.json at line " + line + ", column " + column + ": ");
                });
    }

    @Test
    void testSeedRulesVerbatim()
    {
        RuleSet rules = parse("{\"catalogs\":[{\"allow\":\"all\"}],\"impersonation\":[{\"original_user\":\"admin\",\"new_user\":\".*\"}]}");
        assertThat(rules.impersonation(RuleIdentity.ofUser("admin"), "alice@example.com").allowed()).isTrue();
        assertThat(rules.impersonation(RuleIdentity.ofUser("bob"), "alice@example.com").allowed()).isFalse();
        assertThat(rules.catalogAccess(RuleIdentity.ofUser("bob"), "tpch", CatalogAccess.ALL).allowed()).isTrue();

        RuleSet narrowed = parse("{\"impersonation\":[{\"original_user\":\"admin\",\"new_user\":\".*@company\\\\.com\"}]}");
        assertThat(narrowed.impersonation(RuleIdentity.ofUser("admin"), "alice@company.com").allowed()).isTrue();
        assertThat(narrowed.impersonation(RuleIdentity.ofUser("admin"), "alice@example.com").allowed()).isFalse();
        assertThat(narrowed.impersonation(RuleIdentity.ofUser("admin"), "alice@companyXcom").allowed()).isFalse();
    }

    @Test
    void testEverySection()
    {
        RuleSet rules = parse("""
                {
                  "catalogs": [{"user": "admin", "catalog": "(mysql|system)", "allow": "all"}, {"group": "finance", "catalog": "hive", "allow": "read-only"}, {"catalog": "ops", "allow": "owner"}, {"allow": false}],
                  "schemas": [{"user": "admin", "schema": ".*", "owner": true}, {"catalog": "hive", "schema": "default", "owner": false}],
                  "tables": [{"user": "admin", "privileges": ["select", "INSERT", "Delete", "UPDATE", "OWNERSHIP", "GRANT_SELECT"]},
                             {"catalog": "hive", "schema": "hr", "table": "employee", "privileges": ["SELECT"], "filter": "user = current_user", "filter_environment": {"user": "svc"},
                              "columns": [{"name": "ssn", "allow": false}, {"name": "phone", "mask": "'XXX'", "mask_environment": {"user": "masker"}}]}],
                  "system_information": [{"user": "admin", "allow": ["read", "write"]}],
                  "system_session_properties": [{"property": "resource_overcommit", "allow": true}],
                  "catalog_session_properties": [{"catalog": "hive", "property": "bucket_execution_enabled", "allow": true, "role": "r"}],
                  "functions": [{"catalog": "hive", "schema": "udf", "function": "f.*", "privileges": ["EXECUTE", "GRANT_EXECUTE", "OWNERSHIP"], "function_kinds": []}],
                  "procedures": [{"catalog": "hive", "schema": "system", "procedure": "sync.*", "privileges": ["EXECUTE"]}],
                  "queries": [{"user": "admin", "allow": ["execute", "kill", "view"]}, {"group": "ops", "queryOwner": "bob", "allow": ["view"]}],
                  "impersonation": [{"originalUser": "admin", "newUser": ".*"}, {"original_role": "r", "new_user": "x", "allow": false}],
                  "principals": [{"principal": "(.*)@corp", "principal_to_user": "$1", "allow": true}],
                  "authorization": [{"original_user": "admin", "new_role": "r.*"}, {"originalGroup": "g", "newUser": "bob", "allow": false}]
                }
                """);
        RuleIdentity admin = RuleIdentity.ofUser("admin");
        RuleIdentity finance = new RuleIdentity("carol", Set.of(), Set.of("finance"));
        assertThat(rules.catalogAccess(finance, "hive", CatalogAccess.READ_ONLY).allowed()).isTrue();
        assertThat(rules.catalogAccess(finance, "hive", CatalogAccess.ALL).allowed()).isFalse();
        assertThat(rules.catalogAccess(finance, "ops", CatalogAccess.OWNER).allowed()).isTrue();
        assertThat(rules.catalogAccess(finance, "other", CatalogAccess.READ_ONLY).reason()).isEqualTo("catalogs[3]");
        // the appended system catalog rule comes after every rule of the file
        assertThat(rules.catalogAccess(admin, "system", CatalogAccess.ALL).rule().source().label()).isEqualTo("catalogs[0]");
        assertThat(rules.tablePermission(admin, "mysql", "s", "t", TablePrivilege.DELETE).allowed()).isTrue();
        TableRule employee = rules.tableRule(finance, "hive", "hr", "employee");
        assertThat(employee.restrictedColumns()).containsExactly("ssn");
        assertThat(employee.columns().get("phone").mask()).contains("'XXX'");
        assertThat(employee.columns().get("phone").maskUser()).contains("masker");
        assertThat(employee.filterUser()).contains("svc");
        assertThat(rules.selectColumns(finance, "hive", "hr", "employee", Set.of("ssn"), CatalogAccess.READ_ONLY).allowed()).isFalse();
        assertThat(rules.selectColumns(finance, "hive", "hr", "employee", Set.of("name"), CatalogAccess.READ_ONLY).allowed()).isTrue();
        assertThat(rules.systemInformation(admin, SystemInformationAccess.WRITE).allowed()).isTrue();
        assertThat(rules.setUser(java.util.Optional.of("alice@corp"), "alice").allowed()).isTrue();
        assertThat(rules.setUser(java.util.Optional.of("alice@corp"), "bob").allowed()).isFalse();
        assertThat(rules.authorization(admin, "r1", true).allowed()).isTrue();
        assertThat(rules.authorization(new RuleIdentity("x", Set.of(), Set.of("g")), "bob", false).allowed()).isFalse();
        assertThat(rules.queryAccess(new RuleIdentity("x", Set.of(), Set.of("ops")), "bob", QueryAccess.VIEW).allowed()).isTrue();
        assertThat(rules.queryAccess(new RuleIdentity("x", Set.of(), Set.of("ops")), "bob", QueryAccess.KILL).allowed()).isFalse();
        assertThat(rules.impersonation(new RuleIdentity("y", Set.of("r"), Set.of()), "x").allowed()).isFalse();
        assertThat(rules.impersonation(new RuleIdentity("y", Set.of("r"), Set.of()), "x").reason()).isEqualTo("impersonation[1]");
    }

    @Test
    void testQuietDefaults()
    {
        RuleSet empty = parse("{}");
        RuleIdentity bob = RuleIdentity.ofUser("bob");
        assertThat(empty.queryAccess(bob, "alice", QueryAccess.KILL).allowed()).isTrue();
        assertThat(empty.systemInformation(bob, SystemInformationAccess.READ).allowed()).isFalse();
        assertThat(empty.authorization(bob, "alice", false).allowed()).isFalse();
        assertThat(empty.impersonation(bob, "alice").allowed()).isFalse();
        assertThat(empty.function(bob, "system", "builtin", "abs", RoutineRule::canExecute).allowed()).isTrue();
        assertThat(empty.function(bob, "hive", "udf", "f", RoutineRule::canExecute).allowed()).isFalse();
        assertThat(empty.procedure(bob, "hive", "system", "sync_partition_metadata").allowed()).isFalse();
        assertThat(empty.schemaOwner(bob, "hive", "any").allowed()).isTrue();
        assertThat(empty.tablePermission(bob, "hive", "s", "t", TablePrivilege.OWNERSHIP).allowed()).isTrue();

        RuleSet emptySections = parse("{\"queries\": [], \"tables\": [], \"catalogs\": []}");
        assertThat(emptySections.queryAccess(bob, null, QueryAccess.EXECUTE).allowed()).isFalse();
        assertThat(emptySections.catalogAccess(bob, "hive", CatalogAccess.READ_ONLY).allowed()).isFalse();
        // the implicit system catalog rule
        assertThat(emptySections.catalogAccess(bob, "system", CatalogAccess.ALL).allowed()).isTrue();
        // information_schema is exempt from table rules
        assertThat(emptySections.tablePermission(bob, "system", "information_schema", "tables", TablePrivilege.SELECT).allowed()).isTrue();
        assertThat(emptySections.tablePermission(bob, "system", "runtime", "queries", TablePrivilege.SELECT).allowed()).isFalse();

        // principals present, impersonation absent: Trino lets the principals rules decide
        assertThat(parse("{\"principals\": []}").impersonation(bob, "alice").allowed()).isTrue();
    }

    @Test
    void testJsonPointer()
    {
        RuleSet rules = parse("{\"trino\": {\"security\": {\"impersonation\": [{\"original_user\": \"admin\", \"new_user\": \".*\"}]}}}", "/trino/security");
        assertThat(rules.impersonation(RuleIdentity.ofUser("admin"), "x").allowed()).isTrue();
        assertThatThrownBy(() -> parse("{\"trino\": {}}", "/trino/security"))
                .isInstanceOf(RulesException.class)
                .hasMessageContaining("security.json-pointer '/trino/security' does not exist");
        // a section inside the pointed-to object is reported at its line in the whole file
        assertThatThrownBy(() -> parse("{\"trino\": {\n  \"security\": {\n    \"catalogz\": []}}}", "/trino/security"))
                .isInstanceOfSatisfying(RulesException.class, e -> assertThat(e.getLine()).isEqualTo(3));
    }

    @Test
    void testErrorsNameLineAndColumn()
    {
        assertInvalid("{\n  \"catalogs\": [\n    {\"allow\": \"all\", \"catlog\": \"x\"}\n  ]\n}", 3, 22, "unknown field 'catlog' in catalogs[0]");
        assertInvalid("{\n  \"catalog_rules\": []\n}", 2, 3, "unknown section 'catalog_rules'");
        assertInvalid("{\"catalogs\": [{\"allow\": \"all\", \"user\": \"(unclosed\"}]}", 1, 40, "'user' in catalogs[0] is not a valid regular expression: Unclosed group");
        assertInvalid("{\"catalogs\": [{\"allow\": \"maybe\"}]}", 1, 25, "must be one of");
        assertInvalid("{\"catalogs\": [{\"user\": \"x\"}]}", 1, 15, "'allow' is required in catalogs[0]");
        assertInvalid("{\"tables\": [{\"privileges\": [\"SELECT\", \"READ\"]}]}", 1, 39, "may contain only SELECT, INSERT, DELETE, UPDATE, OWNERSHIP, GRANT_SELECT, not \"READ\"");
        assertInvalid("{\"tables\": [{\"table\": \"t\"}]}", 1, 13, "'privileges' is required in tables[0]");
        assertInvalid("{\"schemas\": [{\"owner\": \"yes\"}]}", 1, 24, "'owner' in schemas[0] must be true or false");
        assertInvalid("{\"queries\": [{\"queryOwner\": \"a\", \"allow\": [\"execute\"]}]}", 1, 14, "cannot combine an queryOwner condition with access mode 'execute'");
        assertInvalid("{\"functions\": [{\"privileges\": [], \"function_kinds\": [\"SCALAR\"]}]}", 1, 53, "function_kind is no longer supported");
        assertInvalid("{\"authorization\": [{\"original_user\": \"a\"}]}", 1, 20, "At least one of new_user or new_role is required");
        assertInvalid("{\"principals\": [{\"principal\": \"a\"}]}", 1, 17, "A valid principal rule must provide at least one criterion");
        assertInvalid("{\"tables\": [{\"privileges\": [], \"columns\": [{\"name\": \"a\"}, {\"name\": \"a\"}]}]}", 1, 68, "column 'a' is listed twice in tables[0]");
        assertInvalid("{\"catalogs\": {\"allow\": \"all\"}}", 1, 14, "section 'catalogs' must be a JSON array");
        assertInvalid("{\"catalogs\": [], \"catalogs\": []}", 1, 18, "duplicate field 'catalogs'");
        assertInvalid("[]", 1, 1, "the rules must be a JSON object");
    }

    @Test
    void testBrokenFiles()
    {
        assertInvalid("{\"catalogs\": [{\"allow\": \"all\"}", 1, 31, "unexpected end of the file");
        assertInvalid("{\"catalogs\": [{\"allow\": \"all\"}]} x", 1, 35, "invalid JSON");
        assertInvalid("{\"catalogs\": [{\"allow\": \"all\",}]}", 1, 31, "invalid JSON");
        assertInvalid("{\n\"catalogs\": [{\"allow\": \"all\"}]}\n}", 3, 1, "invalid JSON: Unexpected close marker");
        assertInvalid("{\n\"catalogs\": [{\"allow\": \"all\"}]}\n{}", 3, 1, "unexpected content after the end");
        assertThatThrownBy(() -> parse(""))
                .isInstanceOf(RulesException.class)
                .hasMessage("Invalid access control rules file rules.json: the file is empty; it must contain a JSON object with the rules");
        assertThatThrownBy(() -> parse("  \n "))
                .hasMessageContaining("the file is empty");
        assertThatThrownBy(() -> RulesParser.parse("rules.json", new byte[] {'{', (byte) 0xff, '}'}, ""))
                .hasMessageContaining("not valid UTF-8");
    }

    @Test
    void testIdentityRulesAreBuiltOncePerIdentity()
    {
        RuleSet rules = parse("{\"catalogs\": [{\"user\": \"bob\", \"catalog\": \"hive\", \"allow\": \"none\"}, {\"group\": \"g\", \"allow\": \"all\"}]}");
        RuleIdentity bob = new RuleIdentity("bob", Set.of(), Set.of("g"));
        assertThat(rules.forIdentity(bob)).isSameAs(rules.forIdentity(new RuleIdentity("bob", Set.of(), Set.of("g"))));
        assertThat(rules.forIdentity(bob)).isNotSameAs(rules.forIdentity(RuleIdentity.ofUser("bob")));
        // the cached identity part still gives first-match-wins per object
        assertThat(rules.catalogAccess(bob, "hive", CatalogAccess.READ_ONLY).reason()).isEqualTo("catalogs[0]");
        assertThat(rules.catalogAccess(bob, "tpch", CatalogAccess.ALL).reason()).isEqualTo("catalogs[1]");
        assertThat(rules.catalogAccess(RuleIdentity.ofUser("bob"), "tpch", CatalogAccess.READ_ONLY).allowed()).isFalse();
    }

    @Test
    void testRuleTextIsTheSource()
    {
        RuleSet rules = parse("{\"impersonation\": [\n  {\"original_user\": \"admin\",  \"new_user\": \".*\"}\n]}");
        assertThat(rules.impersonation(RuleIdentity.ofUser("admin"), "x").rule().source().text()).isEqualTo("{\"original_user\": \"admin\",  \"new_user\": \".*\"}");
    }
}
