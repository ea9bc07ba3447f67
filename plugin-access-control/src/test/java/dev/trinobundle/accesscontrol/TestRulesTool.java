package dev.trinobundle.accesscontrol;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static com.google.common.io.MoreFiles.deleteRecursively;
import static com.google.common.io.RecursiveDeleteOption.ALLOW_INSECURE;
import static dev.trinobundle.accesscontrol.RulesToolRunner.run;
import static org.assertj.core.api.Assertions.assertThat;

final class TestRulesTool
{
    private static final String RULES = """
            {
              "catalogs": [{"allow": "all"}],
              "tables": [
                {"user": "bob", "catalog": "tpch", "schema": "tiny", "table": "customer", "privileges": ["SELECT"], "columns": [{"name": "phone", "allow": false}]},
                {"group": "analysts", "privileges": ["SELECT"]}
              ],
              "impersonation": [{"original_user": "admin", "new_user": ".*@example\\\\.com"}]
            }
            """;

    private Path directory;
    private Path rules;

    @BeforeEach
    void setUp()
            throws IOException
    {
        directory = Files.createTempDirectory("rules-tool");
        rules = directory.resolve("rules.json");
        Files.writeString(rules, RULES);
    }

    @AfterEach
    void tearDown()
            throws IOException
    {
        deleteRecursively(directory, ALLOW_INSECURE);
    }

    @Test
    void testCheck()
            throws IOException
    {
        RulesToolRunner.Result valid = run("check", rules.toString());
        assertThat(valid.exitCode()).isZero();
        assertThat(valid.out()).startsWith("OK: " + rules + " is a valid rules file (sha256 ");

        Files.writeString(rules, "{\n  \"catalogs\": [{\"allow\": \"all\", \"catlog\": \"x\"}]\n}");
        RulesToolRunner.Result invalid = run("check", rules.toString());
        assertThat(invalid.exitCode()).isEqualTo(1);
        assertThat(invalid.err()).isEqualTo("Invalid access control rules file " + rules + " at line 2, column 33: unknown field 'catlog' in catalogs[0]; allowed: allow, user, role, group, catalog\n");

        RulesToolRunner.Result missing = run("check", directory.resolve("nope.json").toString());
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).contains("the file does not exist");
    }

    @Test
    void testExplainOnInvalidFileNamesErrorAndWhatTrinoEnforces()
            throws IOException
    {
        Files.writeString(rules, "{\"impersonation\": [{\"original_user\": \"admin\", \"new_user\": \"nobody\"},]}");
        RulesToolRunner.Result result = run("explain", rules.toString(), "admin", "impersonate", "alice@example.com");
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).startsWith("Invalid access control rules file " + rules + " at line 1, column ")
                .contains("No decision: the file is invalid. A Trino that loaded it before and re-reads it (security.refresh-period) keeps enforcing the rules it loaded last")
                .contains("JMX attributes Stale, StaleSince and LastError");
    }

    @Test
    void testExplainImpersonation()
    {
        RulesToolRunner.Result allowed = run("explain", rules.toString(), "admin", "impersonate", "alice@example.com");
        assertThat(allowed.exitCode()).isZero();
        assertThat(allowed.out()).isEqualTo("""
                ALLOW: admin impersonate alice@example.com
                decided by rule impersonation[0]: {"original_user": "admin", "new_user": ".*@example\\\\.com"}
                """);

        RulesToolRunner.Result denied = run("explain", rules.toString(), "bob", "impersonate", "alice@example.com");
        assertThat(denied.exitCode()).isEqualTo(1);
        assertThat(denied.out()).isEqualTo("DENY: bob impersonate alice@example.com\ndecided by: no rule in 'impersonation' matched\n");
    }

    @Test
    void testExplainSelect()
    {
        RulesToolRunner.Result allowed = run("explain", rules.toString(), "bob", "select", "tpch.tiny.customer");
        assertThat(allowed.exitCode()).isZero();
        assertThat(allowed.out()).startsWith("ALLOW: bob select tpch.tiny.customer\ndecided by rule tables[0]: {\"user\": \"bob\"");

        RulesToolRunner.Result restricted = run("explain", rules.toString(), "bob", "select", "tpch.tiny.customer", "--columns", "name,phone");
        assertThat(restricted.exitCode()).isEqualTo(1);
        assertThat(restricted.out()).startsWith("DENY: bob select tpch.tiny.customer columns [name, phone]\ndecided by rule tables[0]: ");

        RulesToolRunner.Result byGroup = run("explain", rules.toString(), "--group", "analysts", "carol", "select", "tpch.tiny.orders");
        assertThat(byGroup.exitCode()).isZero();
        assertThat(byGroup.out()).isEqualTo("ALLOW: carol (groups [analysts]) select tpch.tiny.orders\ndecided by rule tables[1]: {\"group\": \"analysts\", \"privileges\": [\"SELECT\"]}\n");

        RulesToolRunner.Result noGroup = run("explain", rules.toString(), "carol", "insert", "tpch.tiny.orders");
        assertThat(noGroup.exitCode()).isEqualTo(1);
        assertThat(noGroup.out()).endsWith("decided by: no rule in 'tables' matched\n");
    }

    @Test
    void testUsageErrors()
    {
        assertThat(run().exitCode()).isEqualTo(2);
        assertThat(run("explain", rules.toString(), "bob", "fly", "x").exitCode()).isEqualTo(2);
        assertThat(run("explain", rules.toString(), "bob", "select", "customer").err()).contains("must have 3 dot-separated parts");
        assertThat(run("frobnicate", rules.toString()).exitCode()).isEqualTo(2);
    }
}
