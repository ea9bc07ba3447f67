package dev.trinobundle.eventlistener;

import io.airlift.configuration.Config;
import io.airlift.configuration.ConfigDescription;
import io.airlift.configuration.DefunctConfig;
import io.airlift.units.DataSize;
import io.airlift.units.MinDataSize;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

import static io.airlift.units.DataSize.Unit.MEGABYTE;

// removed in the version that made the journal the audit log: a clear error instead of "not used"
@DefunctConfig({"audit.file.enabled", "audit.file.directory", "audit.file.max-size", "audit.file.rotation-interval", "audit.file.max-files",
        "audit.journal.fsync-interval", "audit.checkpoint.interval"})
public class AuditEventListenerConfig
{
    private String journalDirectory;
    private FsyncPolicy fsyncPolicy = FsyncPolicy.INTERVAL;
    private int maxQueryTextLength = 65_536;
    private DataSize maxFileSize = DataSize.of(100, MEGABYTE);
    private int maxFiles = 100;
    private boolean postgresqlSinkEnabled;
    private String macKeyFile;
    private String checkpointDirectory;

    @NotNull
    public String getJournalDirectory()
    {
        return journalDirectory;
    }

    @Config("audit.journal.directory")
    @ConfigDescription("Local directory of the audit log (audit-<first sequence>.jsonl), written before the callback returns; PostgreSQL is fed from it")
    public AuditEventListenerConfig setJournalDirectory(String journalDirectory)
    {
        this.journalDirectory = journalDirectory;
        return this;
    }

    @NotNull
    public FsyncPolicy getFsyncPolicy()
    {
        return fsyncPolicy;
    }

    @Config("audit.journal.fsync")
    @ConfigDescription("When the journal is forced to disk: NONE, INTERVAL or EVERY_RECORD")
    public AuditEventListenerConfig setFsyncPolicy(FsyncPolicy fsyncPolicy)
    {
        this.fsyncPolicy = fsyncPolicy;
        return this;
    }

    @Min(0)
    // six client-sent fields of this length, escaped, stay within what the journal takes (64 MiB a record)
    @Max(1_048_576)
    public int getMaxQueryTextLength()
    {
        return maxQueryTextLength;
    }

    @Config("audit.query-text.max-length")
    @ConfigDescription("Maximum number of characters of the SQL text kept in a record; longer text is truncated and flagged")
    public AuditEventListenerConfig setMaxQueryTextLength(int maxQueryTextLength)
    {
        this.maxQueryTextLength = maxQueryTextLength;
        return this;
    }

    @NotNull
    @MinDataSize("1kB")
    public DataSize getMaxFileSize()
    {
        return maxFileSize;
    }

    @Config("audit.journal.max-file-size")
    @ConfigDescription("A new audit file is started when a record would take the current one beyond this size")
    public AuditEventListenerConfig setMaxFileSize(DataSize maxFileSize)
    {
        this.maxFileSize = maxFileSize;
        return this;
    }

    @Min(1)
    public int getMaxFiles()
    {
        return maxFiles;
    }

    @Config("audit.journal.max-files")
    @ConfigDescription("Retention: the oldest audit files beyond this number are deleted once the PostgreSQL sink (if enabled) has their records")
    public AuditEventListenerConfig setMaxFiles(int maxFiles)
    {
        this.maxFiles = maxFiles;
        return this;
    }

    public boolean isPostgresqlSinkEnabled()
    {
        return postgresqlSinkEnabled;
    }

    @Config("audit.postgresql.enabled")
    @ConfigDescription("Ship records to a PostgreSQL table (audit.postgresql.*)")
    public AuditEventListenerConfig setPostgresqlSinkEnabled(boolean postgresqlSinkEnabled)
    {
        this.postgresqlSinkEnabled = postgresqlSinkEnabled;
        return this;
    }

    @NotNull(message = "is required: the records are chained and the checkpoints signed with it. Create one with: openssl rand -hex 32 > key; chmod 400 key")
    public String getMacKeyFile()
    {
        return macKeyFile;
    }

    // A path, not a secret: it stays visible in the logged configuration.
    @Config("audit.mac.key-file")
    @ConfigDescription("File holding the HMAC-SHA256 key (at least 32 bytes) that chains the records and signs the checkpoints; readable by the Trino user only")
    public AuditEventListenerConfig setMacKeyFile(String macKeyFile)
    {
        this.macKeyFile = macKeyFile;
        return this;
    }

    public String getCheckpointDirectory()
    {
        return checkpointDirectory;
    }

    @Config("audit.checkpoint.directory")
    @ConfigDescription("Directory, apart from the audit files, where signed checkpoints (latest sequence and hash) are appended to checkpoints.jsonl")
    public AuditEventListenerConfig setCheckpointDirectory(String checkpointDirectory)
    {
        this.checkpointDirectory = checkpointDirectory;
        return this;
    }
}
