package dev.trinobundle.testing;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Tag("server")
final class TestTestingPostgresServer
{
    @Test
    void testStopAndRestartKeepData()
            throws SQLException
    {
        try (TestingPostgresServer postgres = TestingPostgresServer.start()) {
            try (Connection connection = connect(postgres); Statement statement = connection.createStatement()) {
                statement.execute("CREATE TABLE kept (id int)");
                statement.execute("INSERT INTO kept VALUES (42)");
            }

            postgres.stop();
            assertThatThrownBy(() -> connect(postgres).close())
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("Connection to 127.0.0.1:%s refused".formatted(postgres.port()));

            postgres.restart();
            try (Connection connection = connect(postgres);
                    Statement statement = connection.createStatement();
                    ResultSet resultSet = statement.executeQuery("SELECT id FROM kept")) {
                assertThat(resultSet.next()).isTrue();
                assertThat(resultSet.getInt(1)).isEqualTo(42);
            }
        }
    }

    @Test
    void testWrongPasswordIsRejected()
    {
        try (TestingPostgresServer postgres = TestingPostgresServer.start()) {
            assertThatThrownBy(() -> DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), "wrong").close())
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("password authentication failed");
        }
    }

    private static Connection connect(TestingPostgresServer postgres)
            throws SQLException
    {
        return DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), postgres.password());
    }
}
