package dev.trinobundle.it.accesscontrol;

import dev.trinobundle.testing.SharedTrinoServers;
import dev.trinobundle.testing.TrinoServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import static dev.trinobundle.it.accesscontrol.AccessControlProbe.ANY_USER;
import static dev.trinobundle.it.accesscontrol.AccessControlProbe.COMPANY_AND_EXAMPLE_USERS;
import static dev.trinobundle.it.accesscontrol.AccessControlProbe.COMPANY_USERS;
import static dev.trinobundle.it.accesscontrol.AccessControlProbe.PASSWORDS;
import static dev.trinobundle.it.accesscontrol.AccessControlProbe.query;
import static dev.trinobundle.it.accesscontrol.AccessControlProbe.rules;
import static io.trino.testing.assertions.Assert.assertConsistently;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.TestInstance.Lifecycle.PER_CLASS;

/**
 * {@code access-control.name=rules} in a real Trino 476 server, used the way BI tools use it: over HTTPS with password
 * authentication (Trino's own {@code file} authenticator) and trino-jdbc, with the rules file edited while the server
 * runs.
 * <p>
 * All tests share one server and one live rules file. Each test first writes the rules it starts from and waits until
 * the server decides by them, so the tests do not depend on their order.
 * <p>
 * {@code -Dit.access-control.name=file} runs the same scenarios against Trino's built-in file access control (same
 * rules file, same properties). Everything passes there except where {@code rules} deliberately does better: Trino
 * fails every query while the file is invalid, and it drops the backslash of {@code new_user} when
 * {@code original_user} is set, so {@code .*@company\.com} also lets {@code admin} become {@code mallory@companyXcom}.
 */
@TestInstance(PER_CLASS)
@Tag("server")
final class TestRulesAccessControl
{
    private static final String ACCESS_CONTROL_NAME = System.getProperty("it.access-control.name", "rules");

    private TrinoServer server;
    private Path rulesFile;
    private AccessControlProbe probe;

    @BeforeAll
    void startServer()
    {
        server = SharedTrinoServers.getOrStart("access-control-" + ACCESS_CONTROL_NAME, () -> {
            TrinoServer.Builder builder = TrinoServer.builder();
            Path rules = builder.etcDir().resolve("rules.json");
            return builder
                    .withBundledPlugins("tpch")
                    .withBundlePlugins("rules-access-control")
                    .withCatalog("tpch", Map.of("connector.name", "tpch"))
                    .withCatalog("restricted", Map.of("connector.name", "tpch"))
                    .withEtcFile("rules.json", rules(ANY_USER))
                    .withEtcProperties("access-control.properties", Map.of(
                            "access-control.name", ACCESS_CONTROL_NAME,
                            "security.config-file", rules.toString(),
                            "security.refresh-period", "1s"))
                    .withFilePasswords(PASSWORDS);
        });
        rulesFile = server.etcDir().resolve("rules.json");
        probe = new AccessControlProbe(server);
    }

    @Test
    void testAdminImpersonatesUser()
            throws Exception
    {
        applyRules(rules(ANY_USER), () -> probe.canImpersonate("alice@example.com"));

        try (Connection connection = server.connect("admin", "secret", Map.of("sessionUser", "alice@example.com"))) {
            assertThat(query(connection, "SELECT current_user")).containsExactly("alice@example.com");
            assertThat(query(connection, "SELECT count(*) FROM tpch.tiny.nation")).containsExactly("25");
        }
    }

    @Test
    void testUserWithoutImpersonationRuleIsDenied()
            throws Exception
    {
        applyRules(rules(ANY_USER), () -> probe.canImpersonate("alice@example.com"));

        try (Connection connection = server.connect("bob", "bobpw", Map.of("sessionUser", "alice@example.com"))) {
            assertThatThrownBy(() -> query(connection, "SELECT count(*) FROM tpch.tiny.nation"))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("Access Denied: User bob cannot impersonate user alice@example.com");
        }
        // bob himself may query: the denial above is about impersonation only
        try (Connection connection = server.connect("bob", "bobpw")) {
            assertThat(query(connection, "SELECT current_user")).containsExactly("bob");
        }
    }

    @Test
    void testNarrowedImpersonationRuleAppliesWithoutRestart()
            throws Exception
    {
        applyRules(rules(ANY_USER), () -> probe.canImpersonate("alice@example.com"));
        long pid = server.pid();

        applyRules(rules(COMPANY_USERS), () -> probe.isDeniedImpersonating("alice@example.com"));

        assertThat(probe.canImpersonate("carol@company.com")).isTrue();
        assertThat(server.pid()).as("server was not restarted").isEqualTo(pid);
    }

    @Test
    void testEscapedDotInNewUserStaysLiteral()
            throws Exception
    {
        applyRules(rules(COMPANY_USERS), () -> probe.isDeniedImpersonating("alice@example.com"));

        // The operator escaped the dot, so a look-alike domain is not a company account. Trino's file access control
        // drops the backslash when original_user is set (Matcher.appendReplacement), and lets this one through.
        assertThat(probe.isDeniedImpersonating("mallory@companyXcom")).isTrue();
        assertThat(probe.canImpersonate("carol@company.com")).isTrue();
    }

    @Test
    void testInvalidRulesFileKeepsLastGoodRules()
            throws Exception
    {
        applyRules(rules(COMPANY_USERS), () -> probe.isDeniedImpersonating("alice@example.com"));
        long logOffset = probe.serverLogSize();

        Files.writeString(rulesFile, "{\"impersonation\": [{\"original_user\": \"admin\", \"new_user\": garbage");
        probe.awaitTrue("an ERROR naming " + rulesFile + " in the server log", () -> probe.hasErrorNaming(rulesFile, logOffset));

        // Queries keep being decided by the last good rules (not by no rules, not by allow-all) across several
        // refresh periods, while the broken file stays in place.
        assertConsistently(new io.airlift.units.Duration(3, SECONDS), new io.airlift.units.Duration(500, MILLISECONDS), () -> {
            assertThat(probe.canImpersonate("carol@company.com")).isTrue();
            assertThat(probe.isDeniedImpersonating("alice@example.com")).isTrue();
            assertThat(probe.showCatalogs("bob")).doesNotContain("restricted");
        });

        applyRules(rules(COMPANY_AND_EXAMPLE_USERS), () -> probe.canImpersonate("alice@example.com"));
        assertThat(probe.canImpersonate("carol@company.com")).isTrue();
        assertThat(probe.isDeniedImpersonating("mallory@evil.com")).isTrue();
    }

    @Test
    void testEveryKindOfInvalidFileKeepsLastGoodRules()
            throws Exception
    {
        String validRules = rules(COMPANY_USERS);
        Map<String, String> invalidContents = new LinkedHashMap<>();
        invalidContents.put("empty file", "");
        invalidContents.put("half-written file", validRules.substring(0, validRules.length() / 2));
        invalidContents.put("unknown section", "{\"impersonations\": [{\"original_user\": \"admin\", \"new_user\": \".*\"}]}");
        invalidContents.put("unknown field", "{\"impersonation\": [{\"original_user\": \"admin\", \"new_usr\": \".*\"}]}");
        invalidContents.put("invalid regex", "{\"impersonation\": [{\"original_user\": \"admin\", \"new_user\": \"(unclosed\"}]}");
        invalidContents.put("missing file", null);

        int variant = 0;
        for (Map.Entry<String, String> invalid : invalidContents.entrySet()) {
            // Each round starts from distinguishable good rules, so that "last good" is this round's rules.
            String probeUser = "probe-%s@example.com".formatted(variant);
            applyRules(rules(COMPANY_USERS + "|probe-%s@example\\.com".formatted(variant)), () -> probe.canImpersonate(probeUser));
            variant++;
            long logOffset = probe.serverLogSize();

            if (invalid.getValue() == null) {
                Files.delete(rulesFile);
            }
            else {
                Files.writeString(rulesFile, invalid.getValue());
            }
            probe.awaitTrue("an ERROR naming %s after writing a %s".formatted(rulesFile, invalid.getKey()), () -> probe.hasErrorNaming(rulesFile, logOffset));

            assertThat(probe.canImpersonate(probeUser)).as("last good rules after a %s", invalid.getKey()).isTrue();
            assertThat(probe.isDeniedImpersonating("alice@example.com")).as("last good rules after a %s", invalid.getKey()).isTrue();
            assertThat(probe.showCatalogs("bob")).as("last good rules after a %s", invalid.getKey()).doesNotContain("restricted");
        }

        applyRules(rules(COMPANY_AND_EXAMPLE_USERS), () -> probe.canImpersonate("alice@example.com"));
    }

    @Test
    void testHostileSessionUserIsDeniedPromptly()
            throws Exception
    {
        // the finding's rule: three greedy wildcards, O(n^3) backtracking on a user full of dots
        applyRules(rules(".*\\..*\\..*@example\\.com"), () -> probe.canImpersonate("first.last.x@example.com"));
        String hostile = "x.".repeat(1500);

        // Trino's file control spends 33 s in this one check; rules gives up after a bounded number of steps and denies
        assertThat(probe.failureImpersonating(hostile, "SELECT current_user"))
                .contains("Access Denied: User admin cannot impersonate user " + hostile + ": ")
                .contains("matching the regex '.*\\..*\\..*@example\\.com' against a 3000-character value took more than 1000000 steps; denied");
        assertThat(probe.canImpersonate("first.last.x@example.com")).isTrue();
        assertThat(probe.isDeniedImpersonating("alice@example.com")).isTrue();
    }

    @Test
    void testInvalidRulesFileIsNamedInDenialsAndWarnedAboutEveryPeriod()
            throws Exception
    {
        applyRules(rules(COMPANY_USERS), () -> probe.isDeniedImpersonating("alice@example.com"));
        long logOffset = probe.serverLogSize();

        // an emergency edit that removes admin's grant, with a trailing comma: the old grant stays in force...
        Files.writeString(rulesFile, rules("nobody").replace("\"new_user\": \"nobody\"}", "\"new_user\": \"nobody\"},"));
        probe.awaitTrue("an ERROR naming " + rulesFile, () -> probe.hasErrorNaming(rulesFile, logOffset));
        assertThat(probe.canImpersonate("carol@company.com")).isTrue();

        // ...but not silently: denials carry the file's error, and the log repeats it every refresh period (1 s)
        assertThat(probe.failureImpersonating("alice@example.com", "SELECT current_user"))
                // where and since when, never the path or the parser's text (it can quote the new file): those are in the log
                .containsPattern("Access Denied: User admin cannot impersonate user alice@example.com: no rule in 'impersonation' matched; "
                        + "the rules file rules\\.json:\\d+:\\d+ is invalid since \\S+; the last good rules are still in force")
                .doesNotContain(rulesFile.toString())
                .doesNotContain("Invalid access control rules file");
        probe.awaitTrue("a WARN naming " + rulesFile + " in three refresh periods", () -> probe.countLinesNaming("WARN", rulesFile, logOffset) >= 3);

        applyRules(rules(COMPANY_AND_EXAMPLE_USERS), () -> probe.canImpersonate("alice@example.com"));
        assertThat(probe.failureImpersonating("mallory@evil.com", "SELECT current_user")).doesNotContain("invalid");
    }

    @Test
    void testCatalogRuleHidesCatalogFromUser()
            throws Exception
    {
        applyRules(rules(ANY_USER), () -> probe.canImpersonate("alice@example.com"));

        assertThat(probe.showCatalogs("admin")).contains("tpch", "restricted", "system");
        assertThat(probe.showCatalogs("bob")).contains("tpch", "system").doesNotContain("restricted");

        try (Connection connection = server.connect("bob", "bobpw")) {
            assertThatThrownBy(() -> query(connection, "SELECT count(*) FROM restricted.tiny.nation"))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("Access Denied: Cannot access catalog restricted");
            assertThat(query(connection, "SELECT count(*) FROM tpch.tiny.region")).containsExactly("5");
        }
        try (Connection connection = server.connect("admin", "secret")) {
            assertThat(query(connection, "SELECT count(*) FROM restricted.tiny.nation")).containsExactly("25");
        }
    }

    @Test
    void testRowFilterAndColumnMask()
            throws Exception
    {
        applyRules(rules(ANY_USER), () -> probe.canImpersonate("alice@example.com"));

        try (Connection connection = server.connect("bob", "bobpw")) {
            // regionkey = 1 (AMERICA) leaves 5 of the 25 nations
            assertThat(query(connection, "SELECT count(*) FROM tpch.tiny.nation")).containsExactly("5");
            assertThat(query(connection, "SELECT name FROM tpch.tiny.nation ORDER BY nationkey"))
                    .containsExactly("AR", "BR", "CA", "PE", "UN");
            assertThat(query(connection, "SELECT name FROM tpch.tiny.nation WHERE nationkey = 0")).isEmpty();
            assertThatThrownBy(() -> query(connection, "SELECT comment FROM tpch.tiny.nation"))
                    .isInstanceOf(SQLException.class)
                    // Trino's message for a restricted column names the table, not the column
                    .hasMessageContaining("Access Denied: Cannot select from table tpch.tiny.nation");
        }
        // The filter, mask and column restriction apply to bob only.
        try (Connection connection = server.connect("admin", "secret")) {
            assertThat(query(connection, "SELECT count(*) FROM tpch.tiny.nation")).containsExactly("25");
            assertThat(query(connection, "SELECT name FROM tpch.tiny.nation WHERE nationkey = 1")).containsExactly("ARGENTINA");
        }
    }

    /**
     * Rewrites the live rules file in place (as an editor or {@code kubectl cp} does) and waits until the server
     * decides as {@code inEffect} says the new rules do.
     */
    private void applyRules(String rules, AccessControlProbe.Condition inEffect)
            throws Exception
    {
        Files.writeString(rulesFile, rules);
        // the condition alone may already hold under the previous rules: wait for the server to load this content
        probe.awaitTrue("the rules written to " + rulesFile + " to take effect", () -> probe.hasLoaded(rules) && inEffect.holds());
    }
}
