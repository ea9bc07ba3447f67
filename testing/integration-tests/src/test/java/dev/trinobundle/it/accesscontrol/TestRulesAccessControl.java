package dev.trinobundle.it.accesscontrol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trinobundle.testing.SharedTrinoServers;
import dev.trinobundle.testing.TrinoServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
final class TestRulesAccessControl
{
    private static final String ACCESS_CONTROL_NAME = System.getProperty("it.access-control.name", "rules");
    private static final Duration RELOAD_TIMEOUT = Duration.ofSeconds(30);

    // The seed's rule: the BI login may run queries as anyone...
    private static final String ANY_USER = ".*";
    // ...narrowed by an operator to company accounts...
    private static final String COMPANY_USERS = ".*@company\\.com";
    // ...and widened again to two domains.
    private static final String COMPANY_AND_EXAMPLE_USERS = ".*@(company|example)\\.com";

    private TrinoServer server;
    private Path rulesFile;

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
                    .withFilePasswords(Map.of("admin", "secret", "bob", "bobpw"));
        });
        rulesFile = server.etcDir().resolve("rules.json");
    }

    @Test
    void testAdminImpersonatesUser()
            throws Exception
    {
        applyRules(rules(ANY_USER), () -> canImpersonate("alice@example.com"));

        try (Connection connection = server.connect("admin", "secret", Map.of("sessionUser", "alice@example.com"))) {
            assertThat(query(connection, "SELECT current_user")).containsExactly("alice@example.com");
            assertThat(query(connection, "SELECT count(*) FROM tpch.tiny.nation")).containsExactly("25");
        }
    }

    @Test
    void testUserWithoutImpersonationRuleIsDenied()
            throws Exception
    {
        applyRules(rules(ANY_USER), () -> canImpersonate("alice@example.com"));

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
        applyRules(rules(ANY_USER), () -> canImpersonate("alice@example.com"));
        long pid = server.pid();

        applyRules(rules(COMPANY_USERS), () -> isDeniedImpersonating("alice@example.com"));

        assertThat(canImpersonate("carol@company.com")).isTrue();
        assertThat(server.pid()).as("server was not restarted").isEqualTo(pid);
    }

    @Test
    void testEscapedDotInNewUserStaysLiteral()
            throws Exception
    {
        applyRules(rules(COMPANY_USERS), () -> isDeniedImpersonating("alice@example.com"));

        // The operator escaped the dot, so a look-alike domain is not a company account. Trino's file access control
        // drops the backslash when original_user is set (Matcher.appendReplacement), and lets this one through.
        assertThat(isDeniedImpersonating("mallory@companyXcom")).isTrue();
        assertThat(canImpersonate("carol@company.com")).isTrue();
    }

    @Test
    void testInvalidRulesFileKeepsLastGoodRules()
            throws Exception
    {
        applyRules(rules(COMPANY_USERS), () -> isDeniedImpersonating("alice@example.com"));
        long logOffset = Files.size(server.serverLog());

        Files.writeString(rulesFile, "{\"impersonation\": [{\"original_user\": \"admin\", \"new_user\": garbage");
        awaitTrue("an ERROR naming " + rulesFile + " in the server log", () -> hasErrorNamingRulesFile(logOffset));

        // Queries keep being decided by the last good rules (not by no rules, not by allow-all) across several
        // refresh periods, while the broken file stays in place.
        long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        do {
            assertThat(canImpersonate("carol@company.com")).isTrue();
            assertThat(isDeniedImpersonating("alice@example.com")).isTrue();
            assertThat(showCatalogs("bob", "bobpw")).doesNotContain("restricted");
            Thread.sleep(500);
        }
        while (System.nanoTime() < until);

        applyRules(rules(COMPANY_AND_EXAMPLE_USERS), () -> canImpersonate("alice@example.com"));
        assertThat(canImpersonate("carol@company.com")).isTrue();
        assertThat(isDeniedImpersonating("mallory@evil.com")).isTrue();
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
            applyRules(rules(COMPANY_USERS + "|probe-%s@example\\.com".formatted(variant)), () -> canImpersonate(probeUser));
            variant++;
            long logOffset = Files.size(server.serverLog());

            if (invalid.getValue() == null) {
                Files.delete(rulesFile);
            }
            else {
                Files.writeString(rulesFile, invalid.getValue());
            }
            awaitTrue("an ERROR naming %s after writing a %s".formatted(rulesFile, invalid.getKey()), () -> hasErrorNamingRulesFile(logOffset));

            assertThat(canImpersonate(probeUser)).as("last good rules after a %s", invalid.getKey()).isTrue();
            assertThat(isDeniedImpersonating("alice@example.com")).as("last good rules after a %s", invalid.getKey()).isTrue();
            assertThat(showCatalogs("bob", "bobpw")).as("last good rules after a %s", invalid.getKey()).doesNotContain("restricted");
        }

        applyRules(rules(COMPANY_AND_EXAMPLE_USERS), () -> canImpersonate("alice@example.com"));
    }

    @Test
    void testCatalogRuleHidesCatalogFromUser()
            throws Exception
    {
        applyRules(rules(ANY_USER), () -> canImpersonate("alice@example.com"));

        assertThat(showCatalogs("admin", "secret")).contains("tpch", "restricted", "system");
        assertThat(showCatalogs("bob", "bobpw")).contains("tpch", "system").doesNotContain("restricted");

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
        applyRules(rules(ANY_USER), () -> canImpersonate("alice@example.com"));

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

    private static String rules(String impersonationTarget)
    {
        return """
                {
                  "catalogs": [
                    {"user": "admin", "catalog": ".*", "allow": "all"},
                    {"user": "bob", "catalog": "restricted", "allow": "none"},
                    {"catalog": "tpch|restricted|system", "allow": "read-only"}
                  ],
                  "tables": [
                    {
                      "user": "bob", "catalog": "tpch", "schema": "tiny", "table": "nation",
                      "privileges": ["SELECT"],
                      "filter": "regionkey = 1",
                      "columns": [
                        {"name": "name", "mask": "substr(name, 1, 2)"},
                        {"name": "comment", "allow": false}
                      ]
                    },
                    {"privileges": ["SELECT"]}
                  ],
                  "impersonation": [
                    {"original_user": "admin", "new_user": %s}
                  ]
                }
                """.formatted(jsonString(impersonationTarget));
    }

    private static String jsonString(String value)
    {
        try {
            return new ObjectMapper().writeValueAsString(value);
        }
        catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /**
     * Rewrites the live rules file in place (as an editor or {@code kubectl cp} does) and waits until the server
     * decides as {@code inEffect} says the new rules do.
     */
    private void applyRules(String rules, Condition inEffect)
            throws Exception
    {
        Files.writeString(rulesFile, rules);
        awaitTrue("the rules written to " + rulesFile + " to take effect", inEffect);
    }

    private boolean canImpersonate(String user)
            throws SQLException
    {
        try (Connection connection = server.connect("admin", "secret", Map.of("sessionUser", user))) {
            return query(connection, "SELECT current_user").equals(List.of(user));
        }
    }

    /** Only an impersonation denial counts: any other failure (an internal error from a broken file) is not one. */
    private boolean isDeniedImpersonating(String user)
    {
        try (Connection connection = server.connect("admin", "secret", Map.of("sessionUser", user))) {
            query(connection, "SELECT current_user");
            return false;
        }
        catch (SQLException e) {
            if (String.valueOf(e.getMessage()).contains("Access Denied: User admin cannot impersonate user " + user)) {
                return true;
            }
            throw new AssertionError("Expected an impersonation denial for " + user + ", got: " + e.getMessage(), e);
        }
    }

    private List<String> showCatalogs(String user, String password)
            throws SQLException
    {
        try (Connection connection = server.connect(user, password)) {
            return query(connection, "SHOW CATALOGS");
        }
    }

    private boolean hasErrorNamingRulesFile(long logOffset)
            throws IOException
    {
        String log = Files.readString(server.serverLog());
        return log.substring((int) Math.min(logOffset, log.length())).lines()
                .anyMatch(line -> line.contains("\tERROR\t") && line.contains(rulesFile.toString()));
    }

    private static List<String> query(Connection connection, String sql)
            throws SQLException
    {
        List<String> values = new ArrayList<>();
        try (Statement statement = connection.createStatement();
                ResultSet resultSet = statement.executeQuery(sql)) {
            while (resultSet.next()) {
                values.add(resultSet.getString(1));
            }
        }
        return values;
    }

    private void awaitTrue(String description, Condition condition)
            throws InterruptedException
    {
        long deadline = System.nanoTime() + RELOAD_TIMEOUT.toNanos();
        Throwable lastFailure = null;
        while (System.nanoTime() < deadline) {
            try {
                if (condition.holds()) {
                    return;
                }
                lastFailure = null;
            }
            catch (Exception | AssertionError e) {
                // while a file is being replaced, a check may fail; only the final state counts
                lastFailure = e;
            }
            Thread.sleep(250);
        }
        AssertionError error = new AssertionError("Timed out after %s waiting for %s. Tail of the server log:%n%s"
                .formatted(RELOAD_TIMEOUT, description, server.serverLogTail(40)));
        if (lastFailure != null) {
            error.initCause(lastFailure);
        }
        throw error;
    }

    @FunctionalInterface
    private interface Condition
    {
        boolean holds()
                throws Exception;
    }
}
