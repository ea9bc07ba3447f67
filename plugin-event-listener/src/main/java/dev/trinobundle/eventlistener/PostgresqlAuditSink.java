package dev.trinobundle.eventlistener;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.inject.Inject;
import dev.trinobundle.eventlistener.AuditFiles.Line;
import io.airlift.log.Logger;
import org.postgresql.Driver;
import org.postgresql.util.PSQLException;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.StringJoiner;

import static java.lang.String.format;
import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;
import static java.util.stream.Collectors.joining;

/**
 * Inserts records in batches into {@code audit.<table>} and checkpoints into {@code audit.<table>_checkpoints}. The key
 * is the record's hash (its MAC): {@code ON CONFLICT DO NOTHING} makes a redelivery harmless, and a row someone else
 * inserted first cannot take a record's place.
 */
public final class PostgresqlAuditSink
        implements Closeable
{
    private static final Logger log = Logger.get(PostgresqlAuditSink.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    // the columns, their types, and where their value is in the record ("" for the record itself)
    private static final List<Column> COLUMNS = List.of(
            new Column("query_id", "text NOT NULL", "/query/id"),
            new Column("event_kind", "text NOT NULL", "/kind"),
            new Column("seq", "bigint NOT NULL", "/seq"),
            new Column("event_time", "timestamptz NOT NULL", "/eventTime"),
            new Column("principal", "text", "/identity/principal"),
            new Column("user_name", "text NOT NULL", "/identity/user"),
            new Column("original_user", "text", "/identity/originalUser"),
            new Column("impersonated", "boolean NOT NULL", "/identity/impersonated"),
            new Column("source", "text", "/client/source"),
            new Column("remote_address", "text", "/client/remoteAddress"),
            new Column("query_state", "text NOT NULL", "/query/state"),
            new Column("query_type", "text", "/query/type"),
            new Column("error_code", "text", "/query/error/code"),
            new Column("error_type", "text", "/query/error/type"),
            new Column("error_message", "text", "/query/error/message"),
            new Column("sql_text", "text", "/query/sql"),
            new Column("wall_time_ms", "bigint", "/query/wallTimeMillis"),
            new Column("cpu_time_ms", "bigint", "/query/cpuTimeMillis"),
            new Column("rows_read", "bigint", "/query/rowsRead"),
            new Column("bytes_read", "bigint", "/query/bytesRead"),
            new Column("rows_written", "bigint", "/query/rowsWritten"),
            new Column("bytes_written", "bigint", "/query/bytesWritten"),
            new Column("tables_read", "text", "/objects/read"),
            new Column("tables_written", "text", "/objects/written"),
            new Column("record", "text NOT NULL", ""),
            new Column("hash", "text NOT NULL", "/hash"));

    private record Column(String name, String type, String pointer) {}

    private final String url;
    // the URL may carry credentials as parameters: only this part is ever logged
    private final String urlForLogs;
    private final Properties properties = new Properties();
    private final Optional<Path> passwordFile;
    private final String qualifiedTable;
    private final String table;
    private final String insertSql;
    private Connection connection;

    @Inject
    public PostgresqlAuditSink(PostgresqlSinkConfig config)
    {
        this.url = requireNonNull(config.getUrl(), "url is null");
        this.urlForLogs = url.contains("?") ? url.substring(0, url.indexOf('?')) : url;
        Optional.ofNullable(config.getUser()).ifPresent(user -> properties.setProperty("user", user));
        Optional.ofNullable(config.getPassword()).ifPresent(password -> properties.setProperty("password", password));
        // a stuck server must not hold the shipper forever; the batch is then retried like any failure
        properties.setProperty("connectTimeout", "10");
        properties.setProperty("socketTimeout", "30");
        properties.setProperty("ApplicationName", "trino-audit-event-listener");
        // the server's error details and the driver's batch errors would show the bound record, query text included
        properties.setProperty("logServerErrorDetail", "false");
        this.passwordFile = Optional.ofNullable(config.getPasswordFile()).map(file -> Path.of(file).toAbsolutePath());
        try {
            // a missing or unreadable password file fails the start, as for the directories, not the first delivery
            connectionProperties();
        }
        catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e.getCause());
        }
        this.table = config.getTable();
        this.qualifiedTable = "audit." + table;
        this.insertSql = "INSERT INTO %s (%s) VALUES (%s) ON CONFLICT DO NOTHING".formatted(qualifiedTable,
                COLUMNS.stream().map(Column::name).collect(joining(", ")), COLUMNS.stream().map(column -> "?").collect(joining(", ")));
    }

    static String createTableSql(String table)
    {
        return COLUMNS.stream().map(column -> column.name() + " " + column.type())
                .collect(joining(", ", "CREATE TABLE IF NOT EXISTS audit.%s (".formatted(table), ", PRIMARY KEY (hash))"));
    }

    static String createCheckpointTableSql(String table)
    {
        return "CREATE TABLE IF NOT EXISTS audit.%s_checkpoints (seq bigint NOT NULL, key_id text NOT NULL, hash text NOT NULL, checkpoint_time timestamptz NOT NULL, checkpoint text NOT NULL, PRIMARY KEY (seq, key_id, hash))"
                .formatted(table);
    }

    public void deliver(List<Line> records)
            throws SQLException
    {
        inTransaction(insertSql, statement -> {
            for (Line record : records) {
                bind(statement, record);
                statement.addBatch();
            }
            statement.executeBatch();
        });
    }

    public void storeCheckpoint(Checkpoints.Checkpoint checkpoint)
            throws SQLException
    {
        inTransaction("INSERT INTO %s_checkpoints (seq, key_id, hash, checkpoint_time, checkpoint) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING".formatted(qualifiedTable), insert -> {
            insert.setLong(1, checkpoint.sequence());
            insert.setString(2, checkpoint.keyId());
            insert.setString(3, checkpoint.hash());
            insert.setTimestamp(4, Timestamp.from(checkpoint.time()));
            insert.setString(5, new String(checkpoint.line(), 0, checkpoint.line().length - 1, UTF_8));
            insert.executeUpdate();
        });
    }

    private interface Work
    {
        void run(PreparedStatement statement)
                throws SQLException;
    }

    private void inTransaction(String sql, Work work)
            throws SQLException
    {
        try {
            Connection connection = connection();
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                work.run(statement);
            }
            connection.commit();
        }
        catch (SQLException | RuntimeException e) {
            // the connection may be broken (server restarted): a new one on the retry
            close();
            throw e;
        }
        catch (AssertionError e) {
            // pgjdbc asserts on a connection that was closed during executeBatch (with -ea, as in tests)
            close();
            throw new SQLException("PostgreSQL connection broke during the batch insert", "08006", e);
        }
    }

    private static void bind(PreparedStatement insert, Line record)
            throws SQLException
    {
        try {
            JsonNode root = MAPPER.readTree(record.line());
            for (int i = 0; i < COLUMNS.size(); i++) {
                Column column = COLUMNS.get(i);
                JsonNode value = root.at(column.pointer());
                if (column.pointer().isEmpty()) {
                    // exact: JSON escapes U+0000, so the line itself has none
                    insert.setString(i + 1, new String(record.line(), 0, record.line().length - 1, UTF_8));
                }
                else if (value.isArray()) {
                    StringJoiner names = new StringJoiner(",");
                    value.forEach(table -> names.add(table.path("catalog").asText() + "." + table.path("schema").asText() + "." + table.path("table").asText()));
                    insert.setString(i + 1, names.toString().replace('\u0000', '\uFFFD'));
                }
                else if (value.isMissingNode() || value.isNull()) {
                    insert.setNull(i + 1, column.type().startsWith("bigint") ? Types.BIGINT : Types.VARCHAR);
                }
                else if (column.type().startsWith("bigint")) {
                    insert.setLong(i + 1, value.asLong());
                }
                else if (column.type().startsWith("boolean")) {
                    insert.setBoolean(i + 1, value.asBoolean());
                }
                else if (column.type().startsWith("timestamptz")) {
                    insert.setTimestamp(i + 1, Timestamp.from(Instant.parse(value.asText())));
                }
                else {
                    // PostgreSQL text cannot hold U+0000
                    insert.setString(i + 1, value.asText().replace('\u0000', '\uFFFD'));
                }
            }
        }
        catch (IOException | RuntimeException e) {
            // class 22, so the record goes to the dead-letter file; no cause: its message may quote the record
            throw new SQLException("Audit record %s in the journal cannot be bound (%s)".formatted(record.sequence(), e.getClass().getSimpleName()), "22000");
        }
    }

    // data exceptions (22), integrity violations (23) and program limits (54): retrying the same record cannot succeed
    public boolean isRecordError(Throwable failure)
    {
        for (Throwable cause = failure; cause != null; cause = next(cause)) {
            // 25P02 "transaction aborted" is the batch's follow-up to the first error, not the error
            if (cause instanceof SQLException sql && sql.getSQLState() != null && !sql.getSQLState().startsWith("25")) {
                return sql.getSQLState().startsWith("22") || sql.getSQLState().startsWith("23") || sql.getSQLState().startsWith("54");
            }
        }
        return false;
    }

    public String describe(Throwable failure)
    {
        for (Throwable cause = failure; cause != null; cause = next(cause)) {
            if (cause instanceof PSQLException psql && psql.getServerErrorMessage() != null) {
                // the primary message only: the detail may quote the row
                return "PostgreSQL error %s: %s".formatted(psql.getSQLState(), psql.getServerErrorMessage().getMessage());
            }
        }
        if (failure instanceof SQLException sql) {
            return "PostgreSQL error %s: %s".formatted(sql.getSQLState(), sql.getMessage());
        }
        // only this sink's own messages are known to hold no record content
        return failure instanceof IllegalStateException ? failure.toString() : failure.getClass().getName();
    }

    private static Throwable next(Throwable failure)
    {
        if (failure instanceof SQLException sql && sql.getNextException() != null && sql.getNextException() != failure) {
            return sql.getNextException();
        }
        return failure.getCause() == failure ? null : failure.getCause();
    }

    private Connection connection()
            throws SQLException
    {
        if (connection == null) {
            // the driver directly: DriverManager would not see it through the plugin class loader
            Connection newConnection = new Driver().connect(url, connectionProperties());
            if (newConnection == null) {
                throw new SQLException("audit.postgresql.url is not a PostgreSQL JDBC URL: " + urlForLogs);
            }
            // only what is missing (one with INSERT alone may not CREATE, even IF NOT EXISTS); checkpoints: best effort
            try (Statement statement = newConnection.createStatement()) {
                ResultSet exists = statement.executeQuery("SELECT to_regclass('%s') IS NOT NULL, to_regnamespace('audit') IS NOT NULL".formatted(qualifiedTable));
                exists.next();
                if (!exists.getBoolean(1)) {
                    if (!exists.getBoolean(2)) {
                        statement.execute("CREATE SCHEMA audit");
                    }
                    statement.execute(createTableSql(table));
                    statement.execute(createCheckpointTableSql(table));
                }
            }
            catch (SQLException e) {
                newConnection.close();
                throw new SQLException("Cannot use audit table %s in %s: %s".formatted(qualifiedTable, urlForLogs, e.getMessage()), e.getSQLState(), e);
            }
            newConnection.setAutoCommit(false);
            connection = newConnection;
            log.info("Audit sink postgresql connected to %s, table %s", urlForLogs, qualifiedTable);
        }
        return connection;
    }

    Properties connectionProperties()
            throws SQLException
    {
        // read at every connect: a rotated password is used without a restart
        if (passwordFile.isPresent()) {
            try {
                properties.setProperty("password", readPasswordFile(passwordFile.get()));
            }
            catch (IOException e) {
                // a delivery failure like an unreachable server: the records wait in the journal, the batch is retried
                throw new SQLException(e.getMessage(), e);
            }
        }
        return properties;
    }

    // UTF-8 without one trailing line break (editors add one); spaces may be the password's. Messages never show it.
    static String readPasswordFile(Path file)
            throws IOException
    {
        String content;
        try {
            content = Files.readString(file, UTF_8);
        }
        catch (IOException e) {
            throw new IOException(format("Cannot read the PostgreSQL password file %s (audit.postgresql.password-file): %s. It must be a UTF-8 file readable " +
                    "by the Trino user: mount the Secret holding the password there or correct audit.postgresql.password-file", file, e), e);
        }
        if (content.endsWith("\n")) {
            content = content.substring(0, content.length() - (content.endsWith("\r\n") ? 2 : 1));
        }
        if (content.isEmpty()) {
            throw new IOException(format("The PostgreSQL password file %s (audit.postgresql.password-file) is empty. " +
                    "Put the password in it (the Secret's key must hold the password) or correct audit.postgresql.password-file", file));
        }
        return content;
    }

    @Override
    public void close()
    {
        try (Connection closing = connection) {
            connection = null;
        }
        catch (SQLException ignored) {
            // already broken
        }
    }
}
