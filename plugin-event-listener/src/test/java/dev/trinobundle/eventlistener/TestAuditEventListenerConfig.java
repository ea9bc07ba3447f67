package dev.trinobundle.eventlistener;

import io.airlift.units.DataSize;
import io.airlift.units.Duration;
import io.airlift.configuration.ConfigurationFactory;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.airlift.configuration.testing.ConfigAssertions.assertFullMapping;
import static io.airlift.configuration.testing.ConfigAssertions.assertRecordedDefaults;
import static io.airlift.configuration.testing.ConfigAssertions.recordDefaults;
import static io.airlift.units.DataSize.Unit.MEGABYTE;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

final class TestAuditEventListenerConfig
{
    @Test
    void testDefaults()
    {
        assertRecordedDefaults(recordDefaults(AuditEventListenerConfig.class)
                .setJournalDirectory(null)
                .setFsyncPolicy(FsyncPolicy.INTERVAL)
                .setFsyncInterval(new Duration(1, SECONDS))
                .setMaxQueryTextLength(65_536)
                .setMaxFileSize(DataSize.of(100, MEGABYTE))
                .setMaxFiles(100)
                .setPostgresqlSinkEnabled(false)
                .setMacKeyFile(null)
                .setCheckpointDirectory(null)
                .setCheckpointInterval(new Duration(10, SECONDS)));
    }

    @Test
    void testFsyncPolicyAcceptsLowerCaseWithDashes()
    {
        AuditEventListenerConfig config = new ConfigurationFactory(Map.of(
                "audit.journal.directory", "/tmp/journal",
                "audit.mac.key-file", "/etc/trino/audit-key/key",
                "audit.journal.fsync", "every-record"))
                .build(AuditEventListenerConfig.class);
        assertThat(config.getFsyncPolicy()).isEqualTo(FsyncPolicy.EVERY_RECORD);
    }

    @Test
    void testExplicitPropertyMappings()
    {
        Map<String, String> properties = Map.ofEntries(
                Map.entry("audit.journal.directory", "/var/trino/audit-journal"),
                Map.entry("audit.journal.fsync", "EVERY_RECORD"),
                Map.entry("audit.journal.fsync-interval", "250ms"),
                Map.entry("audit.query-text.max-length", "100"),
                Map.entry("audit.journal.max-file-size", "10MB"),
                Map.entry("audit.journal.max-files", "7"),
                Map.entry("audit.postgresql.enabled", "true"),
                Map.entry("audit.mac.key-file", "/etc/trino/audit-key/key"),
                Map.entry("audit.checkpoint.directory", "/var/trino/audit-checkpoints"),
                Map.entry("audit.checkpoint.interval", "1m"));

        assertFullMapping(properties, new AuditEventListenerConfig()
                .setJournalDirectory("/var/trino/audit-journal")
                .setFsyncPolicy(FsyncPolicy.EVERY_RECORD)
                .setFsyncInterval(new Duration(250, MILLISECONDS))
                .setMaxQueryTextLength(100)
                .setMaxFileSize(DataSize.of(10, MEGABYTE))
                .setMaxFiles(7)
                .setPostgresqlSinkEnabled(true)
                .setMacKeyFile("/etc/trino/audit-key/key")
                .setCheckpointDirectory("/var/trino/audit-checkpoints")
                .setCheckpointInterval(new Duration(1, java.util.concurrent.TimeUnit.MINUTES)));
    }
}
