package dev.trinobundle.eventlistener;

import io.airlift.units.Duration;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.airlift.configuration.testing.ConfigAssertions.assertFullMapping;
import static io.airlift.configuration.testing.ConfigAssertions.assertRecordedDefaults;
import static io.airlift.configuration.testing.ConfigAssertions.recordDefaults;
import static java.util.concurrent.TimeUnit.SECONDS;

final class TestPostgresqlSinkConfig
{
    @Test
    void testDefaults()
    {
        assertRecordedDefaults(recordDefaults(PostgresqlSinkConfig.class)
                .setUrl(null)
                .setUser(null)
                .setPassword(null)
                .setSchema("audit")
                .setTable("trino_queries")
                .setConnectTimeout(new Duration(10, SECONDS)));
    }

    @Test
    void testExplicitPropertyMappings()
    {
        assertFullMapping(
                Map.of(
                        "audit.postgresql.url", "jdbc:postgresql://db:5432/trino",
                        "audit.postgresql.user", "auditor",
                        "audit.postgresql.password", "s3cret",
                        "audit.postgresql.schema", "security",
                        "audit.postgresql.table", "queries",
                        "audit.postgresql.connect-timeout", "3s"),
                new PostgresqlSinkConfig()
                        .setUrl("jdbc:postgresql://db:5432/trino")
                        .setUser("auditor")
                        .setPassword("s3cret")
                        .setSchema("security")
                        .setTable("queries")
                        .setConnectTimeout(new Duration(3, SECONDS)));
    }
}
