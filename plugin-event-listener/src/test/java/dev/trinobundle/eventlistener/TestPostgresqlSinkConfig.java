package dev.trinobundle.eventlistener;

import com.google.inject.ConfigurationException;
import io.airlift.configuration.ConfigurationFactory;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.airlift.configuration.testing.ConfigAssertions.assertFullMapping;
import static io.airlift.configuration.testing.ConfigAssertions.assertRecordedDefaults;
import static io.airlift.configuration.testing.ConfigAssertions.recordDefaults;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

final class TestPostgresqlSinkConfig
{
    @Test
    void testDefaults()
    {
        assertRecordedDefaults(recordDefaults(PostgresqlSinkConfig.class)
                .setUrl(null)
                .setUser(null)
                .setPassword(null)
                .setPasswordFile(null)
                .setTable("trino_queries"));
    }

    /**
     * assertFullMapping needs every property at once, and the configuration it builds is validated: the password and
     * the password file exclude each other, so each has its own mapping test (as Trino tests its exclusive properties).
     */
    @Test
    void testExplicitPropertyMappingsWithPassword()
    {
        assertMapping(
                Map.of(
                        "audit.postgresql.url", "jdbc:postgresql://db:5432/trino",
                        "audit.postgresql.user", "auditor",
                        "audit.postgresql.password", "s3cret",
                        "audit.postgresql.table", "queries"),
                new PostgresqlSinkConfig()
                        .setUrl("jdbc:postgresql://db:5432/trino")
                        .setUser("auditor")
                        .setPassword("s3cret")
                        .setTable("queries"));
    }

    @Test
    void testExplicitPropertyMappingsWithPasswordFile()
    {
        assertMapping(
                Map.of(
                        "audit.postgresql.url", "jdbc:postgresql://db:5432/trino",
                        "audit.postgresql.user", "auditor",
                        "audit.postgresql.password-file", "/etc/trino/audit-db/password",
                        "audit.postgresql.table", "queries"),
                new PostgresqlSinkConfig()
                        .setUrl("jdbc:postgresql://db:5432/trino")
                        .setUser("auditor")
                        .setPasswordFile("/etc/trino/audit-db/password")
                        .setTable("queries"));
    }

    @Test
    void testEveryPropertyIsMapped()
    {
        // assertFullMapping checks that every property is given and differs from its default before it builds (and
        // validates) the configuration: with both exclusive properties set, reaching the validation error proves those
        // checks passed.
        assertThatThrownBy(() -> assertFullMapping(
                Map.of(
                        "audit.postgresql.url", "jdbc:postgresql://db:5432/trino",
                        "audit.postgresql.user", "auditor",
                        "audit.postgresql.password", "s3cret",
                        "audit.postgresql.password-file", "/etc/trino/audit-db/password",
                        "audit.postgresql.table", "queries"),
                new PostgresqlSinkConfig()
                        .setUrl("jdbc:postgresql://db:5432/trino")
                        .setUser("auditor")
                        .setPassword("s3cret")
                        .setPasswordFile("/etc/trino/audit-db/password")
                        .setTable("queries")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("audit.postgresql.password and audit.postgresql.password-file are mutually exclusive");
    }

    @Test
    void testPasswordAndPasswordFileAreMutuallyExclusive()
    {
        ConfigurationFactory factory = new ConfigurationFactory(Map.of(
                "audit.postgresql.url", "jdbc:postgresql://db:5432/trino",
                "audit.postgresql.password", "s3cret",
                "audit.postgresql.password-file", "/etc/trino/audit-db/password"));
        assertThatThrownBy(() -> factory.build(PostgresqlSinkConfig.class))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("audit.postgresql.password and audit.postgresql.password-file are mutually exclusive: set only one of them")
                // the rejected value is a secret: the message names the properties only
                .hasMessageNotContaining("s3cret");
    }

    private static void assertMapping(Map<String, String> properties, PostgresqlSinkConfig expected)
    {
        PostgresqlSinkConfig actual = new ConfigurationFactory(properties).build(PostgresqlSinkConfig.class);
        assertThat(actual).usingRecursiveComparison().isEqualTo(expected);
    }
}
