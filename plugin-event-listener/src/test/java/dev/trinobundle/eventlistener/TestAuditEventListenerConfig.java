package dev.trinobundle.eventlistener;

import io.airlift.units.DataSize;
import io.airlift.configuration.ConfigurationFactory;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.airlift.configuration.testing.ConfigAssertions.assertFullMapping;
import static io.airlift.configuration.testing.ConfigAssertions.assertRecordedDefaults;
import static io.airlift.configuration.testing.ConfigAssertions.recordDefaults;
import static io.airlift.units.DataSize.Unit.MEGABYTE;
import static org.assertj.core.api.Assertions.assertThat;

final class TestAuditEventListenerConfig
{
    @Test
    void testDefaults()
    {
        assertRecordedDefaults(recordDefaults(AuditEventListenerConfig.class)
                .setJournalDirectory(null)
                .setFsyncPolicy(FsyncPolicy.INTERVAL)
                .setMaxQueryTextLength(65_536)
                .setMaxFileSize(DataSize.of(100, MEGABYTE))
                .setMaxFiles(100)
                .setPostgresqlSinkEnabled(false)
                .setMacKeyFile(null)
                .setCheckpointDirectory(null));
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
                Map.entry("audit.query-text.max-length", "100"),
                Map.entry("audit.journal.max-file-size", "10MB"),
                Map.entry("audit.journal.max-files", "7"),
                Map.entry("audit.postgresql.enabled", "true"),
                Map.entry("audit.mac.key-file", "/etc/trino/audit-key/key"),
                Map.entry("audit.checkpoint.directory", "/var/trino/audit-checkpoints"));

        assertFullMapping(properties, new AuditEventListenerConfig()
                .setJournalDirectory("/var/trino/audit-journal")
                .setFsyncPolicy(FsyncPolicy.EVERY_RECORD)
                .setMaxQueryTextLength(100)
                .setMaxFileSize(DataSize.of(10, MEGABYTE))
                .setMaxFiles(7)
                .setPostgresqlSinkEnabled(true)
                .setMacKeyFile("/etc/trino/audit-key/key")
                .setCheckpointDirectory("/var/trino/audit-checkpoints"));
    }
}
