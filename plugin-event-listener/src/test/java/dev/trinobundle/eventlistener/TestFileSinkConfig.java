package dev.trinobundle.eventlistener;

import io.airlift.units.DataSize;
import io.airlift.units.Duration;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.airlift.configuration.testing.ConfigAssertions.assertFullMapping;
import static io.airlift.configuration.testing.ConfigAssertions.assertRecordedDefaults;
import static io.airlift.configuration.testing.ConfigAssertions.recordDefaults;
import static io.airlift.units.DataSize.Unit.MEGABYTE;
import static java.util.concurrent.TimeUnit.HOURS;
import static java.util.concurrent.TimeUnit.MINUTES;

final class TestFileSinkConfig
{
    @Test
    void testDefaults()
    {
        assertRecordedDefaults(recordDefaults(FileSinkConfig.class)
                .setDirectory(null)
                .setMaxFileSize(DataSize.of(100, MEGABYTE))
                .setRotationInterval(new Duration(1, HOURS))
                .setMaxFiles(100));
    }

    @Test
    void testExplicitPropertyMappings()
    {
        assertFullMapping(
                Map.of(
                        "audit.file.directory", "/var/log/trino/audit",
                        "audit.file.max-size", "10MB",
                        "audit.file.rotation-interval", "15m",
                        "audit.file.max-files", "7"),
                new FileSinkConfig()
                        .setDirectory("/var/log/trino/audit")
                        .setMaxFileSize(DataSize.of(10, MEGABYTE))
                        .setRotationInterval(new Duration(15, MINUTES))
                        .setMaxFiles(7));
    }
}
