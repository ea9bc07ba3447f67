package dev.trinobundle.accesscontrol;

import dev.trinobundle.accesscontrol.RulesToolRunner.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.trinobundle.accesscontrol.RulesToolRunner.run;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code RulesTool diff}: what changes and what decides it on each side, derived or given inputs, exit codes, errors. */
final class TestRulesToolDiff
{
    private static final String OLD_TABLES = """
            {
              "tables": [
                {"group": "hr", "catalog": "hive", "schema": "hr", "table": "salaries", "privileges": ["SELECT"], "columns": [{"name": "ssn", "mask": "'XXX'"}]},
                {"catalog": "hive", "privileges": ["SELECT"]}
              ]
            }
            """;
    private static final String NEW_TABLES = OLD_TABLES.replace("\"'XXX'\"", "\"NULL\"").replace("[\"SELECT\"]}\n  ]", "[\"SELECT\", \"INSERT\"]}\n  ]");

    @TempDir
    Path directory;

    private String write(String name, String content)
            throws IOException
    {
        return Files.writeString(directory.resolve(name), content).toString();
    }

    @Test
    void testNarrowedImpersonationWithDerivedIdentities()
            throws IOException
    {
        String rules = """
                {
                  "impersonation": [
                    {"original_user": "admin", "new_user": ".*"}
                  ]
                }
                """;
        Result result = run("diff", write("old.json", rules), write("new.json", rules.replace("\".*\"", "\".*@company\\\\.com\"")));
        assertThat(result.err()).isEmpty();
        assertThat(result.out()).isEqualTo("""
                someone: ImpersonateUser by admin: ALLOW (impersonation[0], line 3) → DENY (no rule in 'impersonation' matched)
                1 of 462 decisions differ (3 identities derived from both files, objects derived from both files)
                """);
        assertThat(result.exitCode()).isEqualTo(1);
    }

    @Test
    void testGivenIdentitiesAndObjects()
            throws IOException
    {
        String identities = write("identities.yaml", """
                identities:
                  - {user: alice, groups: [hr]}
                  - {user: bob}
                """);
        String objects = write("objects.json", """
                {"tables": [{"name": "hive.hr.salaries", "columns": ["ssn"]}, "hive.sales.orders"]}
                """);
        Result result = run("diff", write("old.json", OLD_TABLES), write("new.json", NEW_TABLES), "--identities", identities, "--objects", objects);
        assertThat(result.out()).isEqualTo("""
                alice (groups [hr]): GetColumnMask hive.hr.salaries column ssn: "'XXX'" (tables[0], line 3) → "NULL" (tables[0], line 3)
                alice (groups [hr]), bob: InsertIntoTable hive.sales.orders: DENY (tables[1], line 4) → ALLOW (tables[1], line 4)
                bob: InsertIntoTable hive.hr.salaries: DENY (tables[1], line 4) → ALLOW (tables[1], line 4)
                4 of 258 decisions differ (2 identities given, objects given)
                """);
        assertThat(result.exitCode()).isEqualTo(1);

        // derived: the group and the table the rules name, and the placeholders for what they do not name
        Result derived = run("diff", directory.resolve("old.json").toString(), directory.resolve("new.json").toString());
        assertThat(derived.out()).isEqualTo("""
                someone: InsertIntoTable hive.hr.salaries: DENY (tables[1], line 4) → ALLOW (tables[1], line 4)
                someone, someone (groups [hr]): InsertIntoTable hive.some_schema.some_table: DENY (tables[1], line 4) → ALLOW (tables[1], line 4)
                someone, someone (groups [hr]): InsertIntoTable hive.hr.some_table: DENY (tables[1], line 4) → ALLOW (tables[1], line 4)
                someone (groups [hr]): GetColumnMask hive.hr.salaries column ssn: "'XXX'" (tables[0], line 3) → "NULL" (tables[0], line 3)
                6 of 560 decisions differ (2 identities derived from both files, objects derived from both files)
                """);
    }

    @Test
    void testNothingChangesAndRenumberingIsNoChange()
            throws IOException
    {
        String rules = """
                {"catalogs": [{"allow": "all"}], "impersonation": [{"original_user": "admin", "new_user": ".*"}]}
                """;
        Result same = run("diff", write("old.json", rules), write("new.json", rules));
        assertThat(same.exitCode()).isZero();
        assertThat(same.out()).isEqualTo("No decision differs among the names compared (284 compared; 2 identities derived from both files, objects derived from both files; a changed regex may still decide other names differently)\n");

        // a new first rule that decides what the old first rule decided: other rule numbers, same decisions
        String renumbered = write("renumbered.json", rules.replace("\"impersonation\": [", "\"impersonation\": [{\"original_user\": \"admin\", \"new_user\": \"someone\"}, "));
        Result result = run("diff", directory.resolve("old.json").toString(), renumbered);
        assertThat(result.out()).startsWith("No decision differs among the names compared (");
        assertThat(result.exitCode()).isZero();
    }

    @Test
    void testUnusableFiles()
            throws IOException
    {
        String old = write("old.json", OLD_TABLES);
        Result invalid = run("diff", old, write("new.json", "{\"tables\": [{\"privileges\": [\"SELECT\"], \"tabel\": \"x\"}]}"));
        assertThat(invalid.exitCode()).isEqualTo(2);
        assertThat(invalid.err()).isEqualTo("Invalid access control rules file " + directory.resolve("new.json")
                + " at line 1, column 40: unknown field 'tabel' in tables[0]; allowed: privileges, columns, filter, filter_environment, user, role, group, schema, table, catalog\n");

        Result identities = run("diff", old, old, "--identities", write("identities.yaml", "identities:\n  - {user: alice, group: [hr]}\n"));
        assertThat(identities.exitCode()).isEqualTo(2);
        assertThat(identities.err()).isEqualTo("Invalid identities file " + directory.resolve("identities.yaml")
                + " at line 2, column 19: unknown field 'group' in identities[0]; allowed: user, groups, roles\n");

        Result objects = run("diff", old, old, "--objects", write("objects.yaml", "tables: [hive.orders]\n"));
        assertThat(objects.exitCode()).isEqualTo(2);
        assertThat(objects.err()).startsWith("Invalid objects file " + directory.resolve("objects.yaml")
                + " at line 1, column 10: 'tables' in the objects file must be CATALOG.SCHEMA.NAME");

        Result usage = run("diff", old);
        assertThat(usage.exitCode()).isEqualTo(2);
        assertThat(usage.err()).startsWith("diff takes the old and the new rules file\nusage: ");
    }
}
