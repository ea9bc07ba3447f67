package dev.trinobundle.testing;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.TestInstance.Lifecycle.PER_CLASS;

/** The harness against a real Trino server: HTTPS, Trino's own file password authenticator, trino-jdbc. */
@TestInstance(PER_CLASS)
@Tag("server")
final class TestTrinoServer
{
    private TrinoServer server;

    @BeforeAll
    void startServer()
    {
        server = TrinoServer.builder()
                .withBundledPlugins("tpch")
                .withCatalog("tpch", Map.of("connector.name", "tpch"))
                .withFilePasswords(Map.of("admin", "admin-secret", "alice", "alice-secret"))
                .start();
    }

    @AfterAll
    void stopServer()
    {
        server.close();
    }

    @Test
    void testQueryOverHttpsWithPassword()
            throws SQLException
    {
        assertThat(server.jdbcUrl()).startsWith("jdbc:trino://localhost:").contains("SSL=true");
        try (Connection connection = server.connect("admin", "admin-secret");
                Statement statement = connection.createStatement();
                ResultSet resultSet = statement.executeQuery("SELECT count(*), max(name) FROM tpch.tiny.nation")) {
            assertThat(resultSet.next()).isTrue();
            assertThat(resultSet.getLong(1)).isEqualTo(25);
            assertThat(resultSet.getString(2)).isEqualTo("VIETNAM");
        }
    }

    @Test
    void testCurrentUserIsTheAuthenticatedUser()
            throws SQLException
    {
        try (Connection connection = server.connect("alice", "alice-secret");
                Statement statement = connection.createStatement();
                ResultSet resultSet = statement.executeQuery("SELECT current_user")) {
            assertThat(resultSet.next()).isTrue();
            assertThat(resultSet.getString(1)).isEqualTo("alice");
        }
    }

    @Test
    void testWrongPasswordIsRejected()
    {
        assertThatThrownBy(() -> {
            try (Connection connection = server.connect("admin", "wrong-password");
                    Statement statement = connection.createStatement()) {
                statement.executeQuery("SELECT 1");
            }
        })
                .isInstanceOf(SQLException.class)
                .hasStackTraceContaining("Authentication failed")
                .hasStackTraceContaining("Access Denied: Invalid credentials");
    }

    @Test
    void testUnknownUserIsRejected()
    {
        assertThatThrownBy(() -> {
            try (Connection connection = server.connect("mallory", "admin-secret");
                    Statement statement = connection.createStatement()) {
                statement.executeQuery("SELECT 1");
            }
        })
                .isInstanceOf(SQLException.class)
                .hasStackTraceContaining("Authentication failed");
    }

    @Test
    void testOnlyRequestedPluginsAreInstalled()
            throws Exception
    {
        try (var plugins = Files.list(server.pluginDir())) {
            assertThat(plugins.map(path -> path.getFileName().toString()))
                    .containsExactlyInAnyOrder("tpch", "password-authenticators");
        }
        assertThat(server.serverLog()).content().contains("-- Loading plugin " + server.pluginDir().resolve("tpch"));
    }
}
