package dev.trinobundle.eventlistener;

import io.airlift.configuration.Config;
import io.airlift.configuration.ConfigDescription;
import io.airlift.units.Duration;
import io.airlift.units.MinDuration;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

import static java.util.concurrent.TimeUnit.SECONDS;

public class AuditEventListenerConfig
{
    private String journalDirectory;
    private FsyncPolicy fsyncPolicy = FsyncPolicy.INTERVAL;
    private Duration fsyncInterval = new Duration(1, SECONDS);
    private int maxQueryTextLength = 65_536;
    private boolean fileSinkEnabled = true;
    private boolean postgresqlSinkEnabled;
    private String macKeyFile;
    private String checkpointDirectory;
    private Duration checkpointInterval = new Duration(10, SECONDS);

    @NotNull
    public String getJournalDirectory()
    {
        return journalDirectory;
    }

    @Config("audit.journal.directory")
    @ConfigDescription("Local directory of the append-only journal every record is written to before it is shipped to the sinks")
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

    @NotNull
    @MinDuration("10ms")
    public Duration getFsyncInterval()
    {
        return fsyncInterval;
    }

    @Config("audit.journal.fsync-interval")
    @ConfigDescription("How often the journal is forced to disk with audit.journal.fsync=INTERVAL; and the period of the journal maintenance (closing rolled segments, checkpoints, deleting delivered segments)")
    public AuditEventListenerConfig setFsyncInterval(Duration fsyncInterval)
    {
        this.fsyncInterval = fsyncInterval;
        return this;
    }

    @Min(0)
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

    public boolean isFileSinkEnabled()
    {
        return fileSinkEnabled;
    }

    @Config("audit.file.enabled")
    @ConfigDescription("Ship records to JSON Lines files in audit.file.directory")
    public AuditEventListenerConfig setFileSinkEnabled(boolean fileSinkEnabled)
    {
        this.fileSinkEnabled = fileSinkEnabled;
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

    @NotNull
    @MinDuration("100ms")
    public Duration getCheckpointInterval()
    {
        return checkpointInterval;
    }

    @Config("audit.checkpoint.interval")
    @ConfigDescription("How often a signed checkpoint is written when new records arrived; a tail truncated within it cannot be detected")
    public AuditEventListenerConfig setCheckpointInterval(Duration checkpointInterval)
    {
        this.checkpointInterval = checkpointInterval;
        return this;
    }

    @AssertTrue(message = "audit.checkpoint.directory needs audit.mac.key-file: checkpoints are signed with the key")
    public boolean isCheckpointKeyed()
    {
        return checkpointDirectory == null || macKeyFile != null;
    }

    @AssertTrue(message = "At least one sink must be enabled: set audit.file.enabled=true or audit.postgresql.enabled=true")
    public boolean isAnySinkEnabled()
    {
        return fileSinkEnabled || postgresqlSinkEnabled;
    }
}
