package dev.trinobundle.accesscontrol;

import dev.trinobundle.accesscontrol.RulesToolRunner.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.trinobundle.accesscontrol.RulesToolRunner.run;
import static org.assertj.core.api.Assertions.assertThat;

/** The warnings of {@code RulesTool check}: shadowed rules, missing catalogs, slow regexes; positions, --strict, no false alarms. */
final class TestRulesToolLint
{
    private static final String RULES = """
            {
              "catalogs": [
                {"user": "admin", "allow": "all"},
                {"catalog": "hvie", "allow": "read-only"},
                {"catalog": "sales_.*", "allow": "read-only"},
                {"user": "admin", "catalog": "tpch", "allow": "none"}
              ],
              "tables": [
                {"catalog": "tpch", "privileges": ["SELECT"]},
                {"catalog": "tpch", "schema": "tiny", "privileges": ["SELECT", "INSERT"]},
                {"user": "alice|bob", "privileges": []},
                {"user": "alice", "catalog": "iceberg", "privileges": ["SELECT"]}
              ],
              "impersonation": [
                {"original_user": "admin", "new_user": ".*\\\\..*\\\\..*@example\\\\.com"},
                {"original_user": "(a+){1,100}", "new_user": "x"},
                {"original_user": "team_(.*)_admin", "new_user": "$1_.*_svc"}
              ]
            }
            """;

    @TempDir
    Path directory;

    @Test
    void testWarningsWithLineAndColumn()
            throws IOException
    {
        Path rules = Files.writeString(directory.resolve("rules.json"), RULES);
        Path catalogs = Files.createDirectory(directory.resolve("catalog"));
        Files.writeString(catalogs.resolve("tpch.properties"), "connector.name=tpch\n");
        Files.writeString(catalogs.resolve("iceberg.properties"), "connector.name=iceberg\n");
        Result result = run("check", rules.toString(), "--catalogs", catalogs.toString());
        assertThat(result.err()).isEmpty();
        assertThat(result.out()).isEqualTo("""
                OK: %1$s is a valid rules file (sha256 %3$s), with 7 warnings
                Warning: %1$s at line 4, column 17: catalogs[1] names catalog 'hvie', which %2$s does not have (catalogs: iceberg, system, tpch); fix the name or add %2$s/hvie.properties
                Warning: %1$s at line 5, column 17: catalogs[2] 'catalog' regex 'sales_.*' matches none of the catalogs of %2$s (iceberg, system, tpch); fix the regex or add the catalog
                Warning: %1$s at line 6, column 5: catalogs[3] can never match: catalogs[0] (line 3) comes first and matches every identity and object it matches (the first matching rule decides); move it above catalogs[0], narrow catalogs[0], or delete it
                Warning: %1$s at line 10, column 5: tables[1] can never match: tables[0] (line 9) comes first and matches every identity and object it matches (the first matching rule decides); move it above tables[0], narrow tables[0], or delete it
                Warning: %1$s at line 12, column 5: tables[3] can never match: tables[2] (line 11) comes first and matches every identity and object it matches (the first matching rule decides); move it above tables[2], narrow tables[2], or delete it
                Warning: %1$s at line 15, column 45: impersonation[0] 'new_user' regex '.*\\..*\\..*@example\\.com': '.*' and the later '.*' can take the same characters with only what '.*' also takes between them: on a long value that does not match, every way to split it between them is tried (polynomial backtracking); use a class that excludes what follows, e.g. '[^.]*' instead of '.*' before '\\.', or a possessive quantifier
                Warning: %1$s at line 16, column 24: impersonation[1] 'original_user' regex '(a+){1,100}': the repeated group '(a+){1,100}' holds another unbounded quantifier: with a lazy or bounded outer quantifier, inside another repeated group, or with back-references, a value that almost matches is tried in exponentially many ways; remove the inner or the outer quantifier, or make the outer one possessive ('++', '*+')
                """.formatted(rules, catalogs, sha256(rules)));
        // warnings leave a valid file valid, unless --strict
        assertThat(result.exitCode()).isZero();
        assertThat(run("check", rules.toString(), "--strict").exitCode()).isEqualTo(1);
    }

    @Test
    void testColumnPointsIntoTheRegexPastJsonEscapes()
            throws IOException
    {
        // the regex \.x\d+\d+y is "\\.x\\d+\\d+y" in JSON: the finding (index 3) is 4 source characters after the quote
        Path rules = Files.writeString(directory.resolve("rules.json"), "{\"queries\": [{\"user\": \"\\\\.x\\\\d+\\\\d+y\", \"allow\": [\"execute\"]}]}");
        Result result = run("check", rules.toString());
        assertThat(result.out()).contains("Warning: " + rules + " at line 1, column 28: queries[0] 'user' regex '\\.x\\d+\\d+y': '\\d+' and the later '\\d+'");
    }

    @Test
    void testNoWarningsForSafeRules()
            throws IOException
    {
        Path rules = Files.writeString(directory.resolve("rules.json"), """
                {
                  "catalogs": [{"user": "admin", "catalog": "tpch", "allow": "all"}, {"user": "admin", "allow": "read-only"}, {"catalog": "tpch", "allow": "read-only"}],
                  "tables": [{"group": "hr", "privileges": ["SELECT"]}, {"privileges": []}],
                  "queries": [{"user": "admin", "queryOwner": ".*", "allow": ["view"]}, {"user": "admin", "allow": ["execute"]}],
                  "impersonation": [
                    {"original_user": "admin", "new_user": "[^@]+@company\\\\.com"},
                    {"original_user": "(.*)@corp", "new_user": "$1_svc"},
                    {"original_user": "(.*)@corp", "new_user": "$1_admin"},
                    {"original_user": ".*", "new_user": "report_.*"}
                  ],
                  "authorization": [{"original_user": "admin", "new_user": ".*"}, {"original_user": "admin", "new_role": "etl"}]
                }
                """);
        Result result = run("check", rules.toString(), "--strict");
        assertThat(result.out()).isEqualTo("OK: " + rules + " is a valid rules file (sha256 " + sha256(rules) + ")\n");
        assertThat(result.exitCode()).isZero();
    }

    @Test
    void testCatalogDirectoryMustExist()
            throws IOException
    {
        Path rules = Files.writeString(directory.resolve("rules.json"), "{}");
        Result result = run("check", rules.toString(), "--catalogs", directory.resolve("nope").toString());
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).isEqualTo("--catalogs " + directory.resolve("nope") + " is not a directory: give Trino's etc/catalog directory (one <catalog>.properties per catalog)\n");
    }

    private static String sha256(Path file)
            throws IOException
    {
        return com.google.common.hash.Hashing.sha256().hashBytes(Files.readAllBytes(file)).toString();
    }
}
