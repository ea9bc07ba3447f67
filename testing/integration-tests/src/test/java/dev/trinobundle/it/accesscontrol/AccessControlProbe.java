package dev.trinobundle.it.accesscontrol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trinobundle.testing.TrinoServer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.trino.testing.assertions.Assert.assertEventually;
import static java.util.Objects.requireNonNull;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rules file the access control integration tests edit, and the questions they ask a running server about it,
 * through trino-jdbc as the users {@code admin} (password {@code secret}) and {@code bob} (password {@code bobpw}).
 */
final class AccessControlProbe
{
    static final Duration RELOAD_TIMEOUT = Duration.ofSeconds(30);

    // The seed's rule: the BI login may run queries as anyone...
    static final String ANY_USER = ".*";
    // ...narrowed by an operator to company accounts...
    static final String COMPANY_USERS = ".*@company\\.com";
    // ...and widened again to two domains.
    static final String COMPANY_AND_EXAMPLE_USERS = ".*@(company|example)\\.com";

    static final Map<String, String> PASSWORDS = Map.of("admin", "secret", "bob", "bobpw");

    private final TrinoServer server;

    AccessControlProbe(TrinoServer server)
    {
        this.server = requireNonNull(server, "server is null");
    }

    /**
     * The rules every test starts from; only the impersonation target of {@code admin} varies. {@code bob} may not
     * see the catalog {@code restricted}, and sees {@code tpch.tiny.nation} filtered, masked and without
     * {@code comment}.
     */
    static String rules(String impersonationTarget)
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

    boolean canImpersonate(String user)
            throws SQLException
    {
        try (Connection connection = server.connect("admin", "secret", Map.of("sessionUser", user))) {
            return query(connection, "SELECT current_user").equals(List.of(user));
        }
    }

    /** Only an impersonation denial counts: any other failure (an internal error from a broken file) is not one. */
    boolean isDeniedImpersonating(String user)
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

    List<String> showCatalogs(String user)
            throws SQLException
    {
        try (Connection connection = server.connect(user, PASSWORDS.get(user))) {
            return query(connection, "SHOW CATALOGS");
        }
    }

    long serverLogSize()
            throws IOException
    {
        return Files.size(server.serverLog());
    }

    /** Whether the server logged, after {@code logOffset}, an ERROR line that names {@code file}. */
    boolean hasErrorNaming(Path file, long logOffset)
            throws IOException
    {
        String log = Files.readString(server.serverLog());
        return log.substring((int) Math.min(logOffset, log.length())).lines()
                .anyMatch(line -> line.contains("\tERROR\t") && line.contains(file.toString()));
    }

    private static final java.util.regex.Pattern LOAD_LINE = java.util.regex.Pattern.compile(
            "\tINFO\t.*(?:Loaded access control rules from|Reloaded access control rules from|is valid again).*\\(sha256 ([0-9a-f]{64})\\)");

    /** Whether the last rules the server loaded (its INFO load lines) are {@code content}, by SHA-256. */
    boolean hasLoaded(String content)
            throws IOException
    {
        String expected;
        try {
            expected = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(content.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        }
        catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        String last = null;
        for (String line : Files.readAllLines(server.serverLog())) {
            java.util.regex.Matcher matcher = LOAD_LINE.matcher(line);
            if (matcher.find()) {
                last = matcher.group(1);
            }
        }
        return expected.equals(last);
    }

    /** How many lines at {@code level} (ERROR, WARN) the server logged after {@code logOffset} that name {@code file}. */
    long countLinesNaming(String level, Path file, long logOffset)
            throws IOException
    {
        String log = Files.readString(server.serverLog());
        return log.substring((int) Math.min(logOffset, log.length())).lines()
                .filter(line -> line.contains("\t" + level + "\t") && line.contains(file.toString()))
                .count();
    }

    /** The message of the failure of {@code sql} run by admin as {@code sessionUser}; fails if it succeeds. */
    String failureImpersonating(String sessionUser, String sql)
            throws SQLException
    {
        try (Connection connection = server.connect("admin", "secret", Map.of("sessionUser", sessionUser))) {
            query(connection, sql);
        }
        catch (SQLException e) {
            return String.valueOf(e.getMessage());
        }
        throw new AssertionError(sql + " as " + sessionUser + " succeeded");
    }

    static List<String> query(Connection connection, String sql)
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

    /** Polls {@code condition} until it holds, for at most {@link #RELOAD_TIMEOUT}: while a file is replaced, a check may fail. */
    void awaitTrue(String description, Condition condition)
            throws Exception
    {
        assertEventually(new io.airlift.units.Duration(RELOAD_TIMEOUT.toMillis(), MILLISECONDS), new io.airlift.units.Duration(250, MILLISECONDS),
                () -> assertThat(condition.holds()).as(() -> "%s. Tail of the server log:%n%s".formatted(description, server.serverLogTail(40))).isTrue());
    }

    @FunctionalInterface
    interface Condition
    {
        boolean holds()
                throws Exception;
    }
}
