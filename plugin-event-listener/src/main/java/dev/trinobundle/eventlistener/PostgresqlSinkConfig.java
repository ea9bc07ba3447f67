package dev.trinobundle.eventlistener;

import io.airlift.configuration.Config;
import io.airlift.configuration.ConfigDescription;
import io.airlift.configuration.ConfigSecuritySensitive;
import io.airlift.configuration.DefunctConfig;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;

@DefunctConfig("audit.postgresql.schema")
public class PostgresqlSinkConfig
{
    private String url;
    private String user;
    private String password;
    private String passwordFile;
    private String table = "trino_queries";

    @NotNull
    @Pattern(regexp = "jdbc:postgresql:.*", message = "must be a PostgreSQL JDBC URL (jdbc:postgresql://host:port/database)")
    public String getUrl()
    {
        return url;
    }

    @Config("audit.postgresql.url")
    @ConfigDescription("JDBC URL of the PostgreSQL database, e.g. jdbc:postgresql://db:5432/audit")
    public PostgresqlSinkConfig setUrl(String url)
    {
        this.url = url;
        return this;
    }

    public String getUser()
    {
        return user;
    }

    @Config("audit.postgresql.user")
    public PostgresqlSinkConfig setUser(String user)
    {
        this.user = user;
        return this;
    }

    public String getPassword()
    {
        return password;
    }

    @Config("audit.postgresql.password")
    @ConfigSecuritySensitive
    public PostgresqlSinkConfig setPassword(String password)
    {
        this.password = password;
        return this;
    }

    public String getPasswordFile()
    {
        return passwordFile;
    }

    // A path, not a secret: it stays visible in the logged configuration.
    @Config("audit.postgresql.password-file")
    @ConfigDescription("File whose content is the password (UTF-8, one trailing newline ignored), read at every connect so that a rotated secret is picked up")
    public PostgresqlSinkConfig setPasswordFile(String passwordFile)
    {
        this.passwordFile = passwordFile;
        return this;
    }

    @NotNull
    @Pattern(regexp = "[a-z_][a-z0-9_]{0,62}", message = "must be a lower-case SQL identifier")
    public String getTable()
    {
        return table;
    }

    @Config("audit.postgresql.table")
    @ConfigDescription("Audit table in schema audit, created if missing, with <table>_checkpoints next to it")
    public PostgresqlSinkConfig setTable(String table)
    {
        this.table = table;
        return this;
    }

    @AssertTrue(message = "audit.postgresql.password and audit.postgresql.password-file are mutually exclusive: set only one of them")
    public boolean isPasswordSetOnlyOnce()
    {
        return password == null || passwordFile == null;
    }
}
