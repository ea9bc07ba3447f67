package dev.trinobundle.accesscontrol.groups;

import com.google.common.collect.ImmutableMap;
import io.airlift.units.Duration;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.Map;

import static io.airlift.configuration.testing.ConfigAssertions.assertFullMapping;
import static io.airlift.configuration.testing.ConfigAssertions.assertRecordedDefaults;
import static io.airlift.configuration.testing.ConfigAssertions.recordDefaults;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.MINUTES;
import static java.util.concurrent.TimeUnit.SECONDS;

final class TestKeycloakGroupProviderConfig
{
    @Test
    void testDefaults()
    {
        assertRecordedDefaults(recordDefaults(KeycloakGroupProviderConfig.class)
                .setUrl(null)
                .setRealm(null)
                .setClientId(null)
                .setClientSecret(null)
                .setClientSecretFile(null)
                .setTrustCertificateFile(null)
                .setGroupFormat(KeycloakGroupProviderConfig.GroupFormat.PATH)
                .setIncludeParentGroups(true)
                .setCacheTtl(new Duration(1, MINUTES))
                .setStaleWindow(new Duration(10, MINUTES))
                .setLookupTimeout(new Duration(2, SECONDS))
                .setCacheMaximumSize(100_000)
                .setMaxConcurrentLookups(4));
    }

    @Test
    void testExplicitPropertyMappings()
    {
        Map<String, String> properties = ImmutableMap.<String, String>builder()
                .put("keycloak.url", "https://keycloak.example.com")
                .put("keycloak.realm", "trino")
                .put("keycloak.client-id", "trino-groups")
                .put("keycloak.client-secret", "s3cr3t")
                .put("keycloak.client-secret-file", "/etc/trino/secrets/groups")
                .put("keycloak.trust-certificate-file", "/etc/trino/keycloak.pem")
                .put("keycloak.group-format", "NAME")
                .put("keycloak.include-parent-groups", "false")
                .put("keycloak.cache-ttl", "30s")
                .put("keycloak.stale-window", "5m")
                .put("keycloak.lookup-timeout", "500ms")
                .put("keycloak.cache-maximum-size", "10")
                .put("keycloak.max-concurrent-lookups", "2")
                .buildOrThrow();
        assertFullMapping(properties, new KeycloakGroupProviderConfig()
                .setUrl(URI.create("https://keycloak.example.com"))
                .setRealm("trino")
                .setClientId("trino-groups")
                .setClientSecret("s3cr3t")
                .setClientSecretFile("/etc/trino/secrets/groups")
                .setTrustCertificateFile("/etc/trino/keycloak.pem")
                .setGroupFormat(KeycloakGroupProviderConfig.GroupFormat.NAME)
                .setIncludeParentGroups(false)
                .setCacheTtl(new Duration(30, SECONDS))
                .setStaleWindow(new Duration(5, MINUTES))
                .setLookupTimeout(new Duration(500, MILLISECONDS))
                .setCacheMaximumSize(10)
                .setMaxConcurrentLookups(2));
    }
}
