package dev.trinobundle.accesscontrol;

import dev.trinobundle.accesscontrol.RulesToolRunner.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.trinobundle.accesscontrol.RulesToolRunner.run;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code RulesTool test}: passing and failing cases of every kind, the output lines, exit codes and file errors. */
final class TestRulesToolTest
{
    static final String RULES = """
            {
              "catalogs": [
                {"group": "admins", "allow": "owner"},
                {"catalog": "hive", "allow": "all"},
                {"catalog": "tpch", "allow": "read-only"}
              ],
              "schemas": [
                {"user": "alice", "catalog": "hive", "schema": "alice_.*", "owner": true}
              ],
              "tables": [
                {"group": "hr", "catalog": "hive", "schema": "hr", "table": "salaries", "privileges": ["SELECT"], "filter": "country = 'DE'",
                 "columns": [{"name": "ssn", "mask": "'XXX'", "mask_environment": {"user": "masker"}}, {"name": "bonus", "allow": false}]},
                {"catalog": "hive", "schema": "hr", "privileges": []},
                {"catalog": "hive", "privileges": ["SELECT", "INSERT", "DELETE", "UPDATE"]},
                {"catalog": "tpch", "privileges": ["SELECT", "GRANT_SELECT"]}
              ],
              "functions": [{"catalog": "hive", "schema": "udf", "function": "mask_.*", "privileges": ["EXECUTE"]}],
              "procedures": [{"user": "admin", "catalog": "system", "schema": "runtime", "procedure": "kill_query", "privileges": ["EXECUTE"]}],
              "system_session_properties": [{"user": "admin", "allow": true}, {"property": "query_max_run_time", "allow": true}],
              "catalog_session_properties": [{"catalog": "hive", "property": "compression_codec", "allow": true}],
              "system_information": [{"user": "admin", "allow": ["read"]}],
              "queries": [{"user": "admin", "allow": ["execute", "view", "kill"]}, {"allow": ["execute"]}],
              "impersonation": [
                {"original_user": "admin", "new_user": "contractor_.*", "allow": false},
                {"original_user": "admin", "new_user": ".*"}
              ],
              "authorization": [{"original_user": "alice", "new_user": "bob"}]
            }
            """;

    // one case (or more) of every kind of operation, all as the rules decide them
    private static final String PASSING = """
            tests:
              - {name: admin runs queries as alice, user: alice, original_user: admin, operation: ImpersonateUser, expect: allow, rule: "impersonation[1]"}
              - {user: contractor_x, original_user: admin, operation: ImpersonateUser, expect: deny, rule: "impersonation[0]"}
              - {user: alice, original_user: bob, operation: ImpersonateUser, expect: deny, rule: none}
              - {user: alice, original_user: alice@corp, operation: SetUser, expect: allow}
              - {user: bob, operation: ExecuteQuery, expect: allow, rule: "queries[1]"}
              - {user: bob, operation: ViewQueryOwnedBy, query_owner: alice, expect: deny, rule: "queries[1]"}
              - {user: admin, operation: KillQueryOwnedBy, query_owner: alice, expect: allow, rule: "queries[0]"}
              - {user: bob, operation: FilterViewQueryOwnedBy, query_owners: [alice, admin], expect: []}
              - {user: admin, operation: ReadSystemInformation, expect: allow, rule: "system_information[0]"}
              - {user: admin, operation: WriteSystemInformation, expect: deny, rule: "system_information[0]"}
              - {user: bob, operation: SetSystemSessionProperty, property: query_max_run_time, expect: allow, rule: "system_session_properties[1]"}
              - {user: bob, operation: SetSystemSessionProperty, property: query_max_memory, expect: deny, rule: none}
              - {user: bob, operation: SetCatalogSessionProperty, catalog: hive, property: compression_codec, expect: allow}
              - {user: bob, operation: AccessCatalog, catalog: tpch, expect: allow, rule: "catalogs[2]"}
              - {user: bob, operation: AccessCatalog, catalog: postgresql, expect: deny, rule: none}
              - {user: bob, groups: [admins], operation: CreateCatalog, catalog: sales, expect: allow, rule: "catalogs[0]"}
              - {user: bob, operation: DropCatalog, catalog: hive, expect: deny, rule: "catalogs[1]"}
              - {user: bob, operation: ShowSchemas, catalog: hive, expect: allow}
              - {user: bob, operation: FilterCatalogs, catalogs: [hive, tpch, postgresql, system], expect: [tpch, hive]}
              - {user: alice, operation: CreateSchema, schema: hive.alice_tmp, expect: allow, rule: "schemas[0]"}
              - {user: bob, operation: CreateSchema, schema: hive.alice_tmp, expect: deny, rule: none}
              - {user: alice, operation: RenameSchema, schema: hive.alice_a, new_name: hive.bob_b, expect: deny}
              - {user: alice, operation: SetSchemaAuthorization, schema: hive.alice_a, new_owner: {user: bob}, expect: allow, rule: "authorization[0]"}
              - {user: alice, operation: SetSchemaAuthorization, schema: hive.alice_a, new_owner: {role: admins}, expect: deny, rule: none}
              - {user: bob, operation: ShowTables, schema: tpch.tiny, expect: allow}
              - {user: bob, operation: FilterSchemas, catalog: hive, schemas: [hr, sales], expect: [hr, sales]}
              - {user: bob, operation: FilterSchemas, catalog: tpch, schemas: [tiny, sf1], expect: [tiny, sf1]}
              - {user: bob, operation: FilterSchemas, catalog: postgresql, schemas: [public], expect: []}
              - {user: bob, groups: [hr], operation: FilterTables, catalog: hive, tables: [hr.salaries, hr.bonuses, sales.orders], expect: [hr.salaries, sales.orders]}
              - {user: bob, groups: [hr], operation: FilterColumns, table: hive.hr.salaries, columns: [id, ssn, bonus], expect: [id, ssn]}
              - {user: bob, groups: [hr], operation: SelectFromColumns, table: hive.hr.salaries, columns: [id, ssn], expect: allow, rule: "tables[0]"}
              - {user: bob, groups: [hr], operation: SelectFromColumns, table: hive.hr.salaries, columns: [bonus], expect: deny, rule: "tables[0]"}
              - {user: bob, operation: SelectFromColumns, table: hive.hr.salaries, expect: deny, rule: "tables[1]"}
              - {user: bob, operation: SelectFromColumns, table: [hive, information_schema, tables], expect: allow, rule: none}
              - {user: bob, operation: InsertIntoTable, table: hive.sales.orders, expect: allow, rule: "tables[2]"}
              - {user: bob, operation: InsertIntoTable, table: tpch.tiny.nation, expect: deny, rule: "catalogs[2]"}
              - {user: bob, operation: CreateTable, table: hive.sales.new_orders, expect: deny, rule: "tables[2]"}
              - {user: bob, operation: RenameTable, table: hive.sales.orders, new_name: hive.sales.orders2, expect: deny}
              - {user: bob, operation: ShowColumns, table: hive.hr.salaries, expect: deny, rule: "tables[1]"}
              - {user: bob, operation: CreateViewWithSelectFromColumns, table: hive.sales.orders, expect: deny, rule: "tables[2]"}
              - {user: bob, operation: CreateViewWithSelectFromColumns, table: tpch.tiny.nation, columns: [name], expect: deny, rule: "catalogs[2]"}
              - {user: bob, groups: [admins], operation: CreateViewWithSelectFromColumns, table: tpch.tiny.nation, expect: allow, rule: "tables[3]"}
              - {user: alice, operation: SetTableAuthorization, table: hive.sales.orders, new_owner: {user: bob}, expect: deny, rule: "tables[2]"}
              - {user: bob, groups: [hr], operation: GetRowFilters, table: hive.hr.salaries, expect: "country = 'DE'", rule: "tables[0]"}
              - {user: bob, operation: GetRowFilters, table: hive.sales.orders, expect: none, rule: "tables[2]"}
              - {user: bob, groups: [hr], operation: GetColumnMask, table: hive.hr.salaries, column: ssn, expect: {expression: "'XXX'", user: masker}}
              - {user: bob, groups: [hr], operation: GetColumnMask, table: hive.hr.salaries, column: id, expect: none}
              - {user: bob, operation: ExecuteFunction, function: hive.udf.mask_ssn, expect: allow, rule: "functions[0]"}
              - {user: bob, operation: CreateViewWithExecuteFunction, function: hive.udf.mask_ssn, expect: deny, rule: "functions[0]"}
              - {user: bob, operation: ExecuteFunction, function: system.builtin.abs, expect: deny, rule: none}
              - {user: bob, operation: CreateFunction, function: hive.udf.mask_ssn, expect: deny}
              - {user: bob, operation: FilterFunctions, catalog: hive, functions: [udf.mask_ssn, udf.other], expect: [udf.mask_ssn]}
              - {user: admin, operation: ExecuteProcedure, procedure: system.runtime.kill_query, expect: allow, rule: "procedures[0]"}
              - {user: bob, operation: ExecuteProcedure, procedure: system.runtime.kill_query, expect: deny, rule: none}
            """;

    @TempDir
    Path directory;

    private Path write(String name, String content)
            throws IOException
    {
        return Files.writeString(directory.resolve(name), content);
    }

    @Test
    void testPassingCasesOfEveryKind()
            throws IOException
    {
        Result result = run("test", write("rules.json", RULES).toString(), write("tests.yaml", PASSING).toString());
        assertThat(result.err()).isEmpty();
        assertThat(result.out()).isEqualTo("54 passed, 0 failed\n");
        assertThat(result.exitCode()).isZero();
    }

    @Test
    void testFailingCasesNameExpectationDecisionAndRule()
            throws IOException
    {
        Path tests = write("tests.yaml", """
                tests:
                  - name: admin may not run queries as contractors
                    user: contractor_x
                    original_user: admin
                    operation: ImpersonateUser
                    expect: allow
                  - {user: alice, original_user: admin, operation: ImpersonateUser, expect: allow, rule: "impersonation[0]"}
                  - {user: bob, operation: InsertIntoTable, table: hive.sales.orders, expect: deny}
                  - {user: bob, operation: FilterCatalogs, catalogs: [hive, postgresql], expect: [hive, postgresql]}
                  - {user: bob, groups: [hr], operation: GetColumnMask, table: hive.hr.salaries, column: ssn, expect: {expression: "'XXX'", user: alice}}
                  - {user: bob, operation: GetRowFilters, table: hive.hr.salaries, expect: "country = 'DE'"}
                  - {user: bob, operation: ExecuteQuery, expect: allow}
                """);
        Result result = run("test", write("rules.json", RULES).toString(), tests.toString());
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.out()).isEqualTo("""
                FAIL %1$s:2:5 "admin may not run queries as contractors": contractor_x: ImpersonateUser by admin: expected ALLOW, the rules decided DENY (impersonation[0], line 24)
                FAIL %1$s:7:5: alice: ImpersonateUser by admin: expected ALLOW by impersonation[0], the rules decided ALLOW (impersonation[1], line 25)
                FAIL %1$s:8:5: bob: InsertIntoTable hive.sales.orders: expected DENY, the rules decided ALLOW (tables[2], line 14)
                FAIL %1$s:9:5: bob: FilterCatalogs [hive, postgresql]: expected [hive, postgresql], the rules decided [hive]
                FAIL %1$s:10:5: bob (groups [hr]): GetColumnMask hive.hr.salaries column ssn: expected "'XXX'" as user alice, the rules decided "'XXX'" as user masker (tables[0], line 11)
                FAIL %1$s:11:5: bob: GetRowFilters hive.hr.salaries: expected "country = 'DE'", the rules decided none (tables[1], line 13)
                1 passed, 6 failed
                """.formatted(tests));
    }

    @Test
    void testJsonTestFile()
            throws IOException
    {
        Path tests = write("tests.json", """
                {"tests": [
                  {"user": "alice", "original_user": "admin", "operation": "ImpersonateUser", "expect": "allow"},
                  {"user": "bob", "operation": "AccessCatalog", "catalog": "hive", "expect": "deny"}
                ]}
                """);
        Result result = run("test", write("rules.json", RULES).toString(), tests.toString());
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.out()).isEqualTo("FAIL " + tests + ":3:3: bob: AccessCatalog hive: expected DENY, the rules decided ALLOW (catalogs[1], line 4)\n1 passed, 1 failed\n");
    }

    @Test
    void testTestFileErrorsNameLineColumnAndFix()
            throws IOException
    {
        Path rules = write("rules.json", RULES);
        assertError(rules, "tests:\n  - {user: a, operation: ExecuteQuery, expcet: allow}\n",
                "at line 2, column 40: unknown field 'expcet' in tests[0]; allowed: name, user, groups, roles, original_user");
        assertError(rules, "tests:\n  - {user: a, operation: SelectFromColumn, table: a.b.c, expect: allow}\n",
                "at line 2, column 26: unknown operation 'SelectFromColumn' in tests[0]; did you mean SelectFromColumns?");
        assertError(rules, "tests:\n  - {user: a, operation: CreateTable, table: a.b.c, columns: [x], expect: allow}\n",
                "at line 2, column 53: 'columns' does not apply to CreateTable in tests[0]; it takes table");
        assertError(rules, "tests:\n  - {user: a, operation: CreateTable, expect: allow}\n",
                "at line 2, column 5: 'table' is required in tests[0] (CreateTable takes table)");
        assertError(rules, "tests:\n  - {user: a, operation: CreateTable, table: a.b, expect: allow}\n",
                "at line 2, column 46: 'table' in tests[0] must be CATALOG.SCHEMA.NAME (3 dot-separated parts; a list of the parts for names with dots), not the string \"a.b\"");
        assertError(rules, "tests:\n  - {user: a, operation: CreateTable, table: a.b.c, expect: allowed}\n",
                "at line 2, column 61: 'expect' in tests[0] must be allow or deny for CreateTable, not the string \"allowed\"");
        assertError(rules, "tests:\n  - {user: a, operation: CreateTable, table: a.b.c, expect: true}\n",
                "'expect' in tests[0] must be allow or deny for CreateTable, not true (YAML reads yes, no, true and false as booleans)");
        assertError(rules, "tests:\n  - {user: a, operation: CreateTable, table: a.b.c, expect: allow, rule: tables/0}\n",
                "at line 2, column 74: 'rule' in tests[0] must name a rule as the tools print it, such as tables[2], catalogs[implicit] or none, not \"tables/0\"");
        assertError(rules, "tests:\n  - {user: a, original_user: admin, operation: CreateTable, table: a.b.c, expect: allow}\n",
                "at line 2, column 15: 'original_user' does not apply in tests[0]: CreateTable decides on the session user alone (original_* apply to ImpersonateUser and SetUser)");
        assertError(rules, "tests:\n  - {user: a, operation: ImpersonateUser, expect: allow}\n",
                "'original_user' is required in tests[0] (the authenticated user who impersonates 'user')");
        assertError(rules, "tests:\n  - {user: a, operation: FilterCatalogs, catalogs: [x], expect: [x], rule: \"catalogs[0]\"}\n",
                "at line 2, column 76: 'rule' does not apply to FilterCatalogs in tests[0] (each name is decided on its own)");
        assertError(rules, "cases: []\n", "at line 1, column 1: unknown field 'cases' in the test file; allowed: tests");
        assertError(rules, "tests:\n  - {user: a, operation: ExecuteQuery, expect: allow}\n---\ntests: []\n", "at line 4, column 1: unexpected content after the end of the YAML document");
        assertError(rules, "tests:\n  - {user: a, user: b, operation: ExecuteQuery, expect: allow}\n", "at line 2, column 15: duplicate field 'user' (first defined at line 2, column 6)");
        assertError(rules, "tests:\n  - &base {user: a, operation: ExecuteQuery, expect: allow}\n  - *base\n", "at line 3, column 5: YAML aliases (*base) are not supported: write the value out");
        assertError(rules, "tests:\n  - {user: a, operation: ExecuteQuery, expect: allow}\n  - \"unterminated\n",
                "at line 2, column 54: invalid YAML: while scanning a quoted scalar; found unexpected end of stream");

        Result empty = run("test", rules.toString(), write("empty.yaml", "tests: []\n").toString());
        assertThat(empty.exitCode()).isEqualTo(2);
        assertThat(empty.err()).contains("has no cases: add some under 'tests'");

        Result unknownFormat = run("test", rules.toString(), write("tests.txt", "tests: []\n").toString());
        assertThat(unknownFormat.exitCode()).isEqualTo(2);
        assertThat(unknownFormat.err()).isEqualTo("Invalid test file " + directory.resolve("tests.txt") + ": unknown format: name the file *.json (JSON) or *.yaml / *.yml (YAML)\n");

        Result missing = run("test", rules.toString(), directory.resolve("nope.yaml").toString());
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).isEqualTo("Invalid test file " + directory.resolve("nope.yaml") + ": the file does not exist\n");
    }

    @Test
    void testInvalidRulesAndUsage()
            throws IOException
    {
        Path tests = write("tests.yaml", "tests:\n  - {user: a, operation: ExecuteQuery, expect: allow}\n");
        Result invalidRules = run("test", write("rules.json", "{\"catalogs\": [{\"allow\": \"al\"}]}").toString(), tests.toString());
        assertThat(invalidRules.exitCode()).isEqualTo(2);
        assertThat(invalidRules.err()).startsWith("Invalid access control rules file " + directory.resolve("rules.json") + " at line 1, column 25: 'allow' in catalogs[0] must be one of");
        assertThat(invalidRules.out()).isEmpty();

        Result usage = run("test", tests.toString());
        assertThat(usage.exitCode()).isEqualTo(2);
        assertThat(usage.err()).startsWith("test takes the rules file and the test file\nusage: ");
        assertThat(run("test", "a", "b", "--frobnicate", "x").err()).startsWith("unknown option --frobnicate (options: --json-pointer)");
    }

    private void assertError(Path rules, String tests, String message)
            throws IOException
    {
        Path file = write("tests.yaml", tests);
        Result result = run("test", rules.toString(), file.toString());
        assertThat(result.exitCode()).as(tests).isEqualTo(2);
        assertThat(result.out()).isEmpty();
        assertThat(result.err()).as(tests).startsWith("Invalid test file " + file + " ").contains(message);
    }
}
