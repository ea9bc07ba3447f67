package dev.trinobundle.accesscontrol;

import com.google.common.collect.ImmutableMap;
import io.airlift.units.Duration;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.airlift.configuration.testing.ConfigAssertions.assertFullMapping;
import static io.airlift.configuration.testing.ConfigAssertions.assertRecordedDefaults;
import static io.airlift.configuration.testing.ConfigAssertions.recordDefaults;
import static java.util.concurrent.TimeUnit.SECONDS;

final class TestRulesAccessControlConfig
{
    @Test
    void testDefaults()
    {
        assertRecordedDefaults(recordDefaults(RulesAccessControlConfig.class)
                .setConfigFile(null)
                .setRefreshPeriod(null)
                .setJsonPointer("")
                .setWatchConfigFile(true)
                .setLogDenials(true)
                .setOnInvalidRules(InvalidRulesPolicy.KEEP_LAST)
                .setGroupProviderConfigFile("etc/group-provider.properties"));
    }

    @Test
    void testExplicitPropertyMappings()
    {
        Map<String, String> properties = ImmutableMap.<String, String>builder()
                .put("security.config-file", "/etc/trino/rules.json")
                .put("security.refresh-period", "30s")
                .put("security.json-pointer", "/trino")
                .put("security.watch-config-file", "false")
                .put("security.log-denials", "false")
                .put("security.on-invalid-rules", "deny-all")
                .put("security.group-provider.config-file", "/etc/trino/group-provider.properties")
                .buildOrThrow();
        assertFullMapping(properties, new RulesAccessControlConfig()
                .setConfigFile("/etc/trino/rules.json")
                .setRefreshPeriod(new Duration(30, SECONDS))
                .setJsonPointer("/trino")
                .setWatchConfigFile(false)
                .setLogDenials(false)
                .setOnInvalidRules(InvalidRulesPolicy.DENY_ALL)
                .setGroupProviderConfigFile("/etc/trino/group-provider.properties"));
    }
}
