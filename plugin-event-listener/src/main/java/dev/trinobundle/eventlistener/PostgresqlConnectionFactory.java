package dev.trinobundle.eventlistener;

import org.postgresql.Driver;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;
import java.util.Properties;

import static java.lang.String.format;
import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

/**
 * Connections of the PostgreSQL sink. The password file is read at every connect, so that a rotated secret
 * (Kubernetes updates a mounted Secret in place) is used from the next connection on, without a restart.
 */
final class PostgresqlConnectionFactory
{
    private final String url;
    // the URL may carry credentials as parameters: only this part is ever logged
    private final String urlForLogs;
    private final Properties properties = new Properties();
    private final Optional<Path> passwordFile;

    PostgresqlConnectionFactory(PostgresqlSinkConfig config)
    {
        this.url = requireNonNull(config.getUrl(), "url is null");
        this.urlForLogs = url.contains("?") ? url.substring(0, url.indexOf('?')) : url;
        if (config.getUser() != null) {
            properties.setProperty("user", config.getUser());
        }
        if (config.getPassword() != null) {
            properties.setProperty("password", config.getPassword());
        }
        // a stuck server must not hold the shipper forever; the batch is then retried like any failure
        properties.setProperty("connectTimeout", "10");
        properties.setProperty("socketTimeout", "30");
        properties.setProperty("ApplicationName", "trino-audit-event-listener");
        // the server's error details and the driver's batch errors would show the bound record, query text included
        properties.setProperty("logServerErrorDetail", "false");
        this.passwordFile = Optional.ofNullable(config.getPasswordFile()).map(file -> Path.of(file).toAbsolutePath());
        if (passwordFile.isPresent()) {
            // Fail the start on a missing or unreadable file, as for the directories, rather than at the first delivery.
            try {
                readPasswordFile(passwordFile.get());
            }
            catch (IOException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        }
    }

    String urlForLogs()
    {
        return urlForLogs;
    }

    Connection open()
            throws SQLException
    {
        // The driver is instantiated directly: DriverManager would not see it through the plugin class loader.
        Connection connection = new Driver().connect(url, newConnectionProperties());
        if (connection == null) {
            throw new SQLException("audit.postgresql.url is not a PostgreSQL JDBC URL: " + urlForLogs);
        }
        return connection;
    }

    Properties newConnectionProperties()
            throws SQLException
    {
        if (passwordFile.isEmpty()) {
            return properties;
        }
        Properties withPassword = new Properties();
        withPassword.putAll(properties);
        try {
            withPassword.setProperty("password", readPasswordFile(passwordFile.get()));
        }
        catch (IOException e) {
            // a delivery failure like an unreachable server: the records stay in the journal and the batch is retried
            throw new SQLException(e.getMessage(), e);
        }
        return withPassword;
    }

    /**
     * The file's content as UTF-8 without one trailing line break (editors and {@code echo} add one; a Secret created
     * with {@code --from-literal} has none). Nothing else is trimmed: spaces may belong to the password. Error messages
     * name the file, never its content.
     */
    static String readPasswordFile(Path file)
            throws IOException
    {
        String content;
        try {
            content = Files.readString(file, UTF_8);
        }
        catch (IOException e) {
            throw new IOException(format(
                    "Cannot read the PostgreSQL password file %s (audit.postgresql.password-file): %s. It must be a UTF-8 file readable " +
                            "by the Trino user: mount the Secret holding the password there or correct audit.postgresql.password-file",
                    file, e), e);
        }
        if (content.endsWith("\n")) {
            content = content.substring(0, content.length() - (content.endsWith("\r\n") ? 2 : 1));
        }
        if (content.isEmpty()) {
            throw new IOException(format(
                    "The PostgreSQL password file %s (audit.postgresql.password-file) is empty. " +
                            "Put the password in it (the Secret's key must hold the password) or correct audit.postgresql.password-file",
                    file));
        }
        return content;
    }
}
