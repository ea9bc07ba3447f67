package dev.trinobundle.accesscontrol.groups;

import io.airlift.configuration.Config;
import io.airlift.configuration.ConfigDescription;
import io.airlift.configuration.ConfigSecuritySensitive;
import io.airlift.units.Duration;
import io.airlift.units.MinDuration;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

import java.net.URI;

import static java.util.concurrent.TimeUnit.MINUTES;
import static java.util.concurrent.TimeUnit.SECONDS;

/** {@code group-provider.name=keycloak}: where the realm is, who asks, and how long answers are trusted. */
public class KeycloakGroupProviderConfig
{
    public enum GroupFormat { PATH, NAME }

    private URI url;
    private String realm;
    private String clientId;
    private String clientSecret;
    private String clientSecretFile;
    private String trustCertificateFile;
    private GroupFormat groupFormat = GroupFormat.PATH;
    private boolean includeParentGroups = true;
    private Duration cacheTtl = new Duration(1, MINUTES);
    private Duration staleWindow = new Duration(10, MINUTES);
    private Duration lookupTimeout = new Duration(2, SECONDS);
    private long cacheMaximumSize = 100_000;
    private int maxConcurrentLookups = 4;

    @NotNull
    public URI getUrl() { return url; }

    @Config("keycloak.url")
    @ConfigDescription("Keycloak's base URL, e.g. https://keycloak.example.com")
    public KeycloakGroupProviderConfig setUrl(URI url) { this.url = url; return this; }

    @NotNull
    public String getRealm() { return realm; }

    @Config("keycloak.realm")
    public KeycloakGroupProviderConfig setRealm(String realm) { this.realm = realm; return this; }

    @NotNull
    public String getClientId() { return clientId; }

    @Config("keycloak.client-id")
    @ConfigDescription("Confidential client whose service account has realm-management's view-users role")
    public KeycloakGroupProviderConfig setClientId(String clientId) { this.clientId = clientId; return this; }

    public String getClientSecret() { return clientSecret; }

    @Config("keycloak.client-secret")
    @ConfigSecuritySensitive
    @ConfigDescription("The client secret, normally ${ENV:NAME}; or use keycloak.client-secret-file")
    public KeycloakGroupProviderConfig setClientSecret(String clientSecret) { this.clientSecret = clientSecret; return this; }

    public String getClientSecretFile() { return clientSecretFile; }

    @Config("keycloak.client-secret-file")
    @ConfigDescription("File holding the client secret (a mounted Secret)")
    public KeycloakGroupProviderConfig setClientSecretFile(String clientSecretFile) { this.clientSecretFile = clientSecretFile; return this; }

    public String getTrustCertificateFile() { return trustCertificateFile; }

    @Config("keycloak.trust-certificate-file")
    @ConfigDescription("PEM certificate(s) to trust for Keycloak's TLS instead of the JVM's trust store")
    public KeycloakGroupProviderConfig setTrustCertificateFile(String trustCertificateFile) { this.trustCertificateFile = trustCertificateFile; return this; }

    @NotNull
    public GroupFormat getGroupFormat() { return groupFormat; }

    @Config("keycloak.group-format")
    @ConfigDescription("PATH: /analysts/emea, NAME: emea")
    public KeycloakGroupProviderConfig setGroupFormat(GroupFormat groupFormat) { this.groupFormat = groupFormat; return this; }

    public boolean isIncludeParentGroups() { return includeParentGroups; }

    @Config("keycloak.include-parent-groups")
    @ConfigDescription("A member of /analysts/emea is also in /analysts")
    public KeycloakGroupProviderConfig setIncludeParentGroups(boolean includeParentGroups) { this.includeParentGroups = includeParentGroups; return this; }

    @MinDuration("1s")
    public Duration getCacheTtl() { return cacheTtl; }

    @Config("keycloak.cache-ttl")
    @ConfigDescription("Longest time a user's groups are used without Keycloak confirming them (while Keycloak answers)")
    public KeycloakGroupProviderConfig setCacheTtl(Duration cacheTtl) { this.cacheTtl = cacheTtl; return this; }

    @NotNull
    public Duration getStaleWindow() { return staleWindow; }

    @Config("keycloak.stale-window")
    @ConfigDescription("How long past the TTL the last known groups are still used while Keycloak does not answer")
    public KeycloakGroupProviderConfig setStaleWindow(Duration staleWindow) { this.staleWindow = staleWindow; return this; }

    @MinDuration("1ms")
    public Duration getLookupTimeout() { return lookupTimeout; }

    @Config("keycloak.lookup-timeout")
    @ConfigDescription("Longest a query waits for Keycloak on a cache miss before it is rejected")
    public KeycloakGroupProviderConfig setLookupTimeout(Duration lookupTimeout) { this.lookupTimeout = lookupTimeout; return this; }

    public long getCacheMaximumSize() { return cacheMaximumSize; }

    @Config("keycloak.cache-maximum-size")
    @ConfigDescription("Users Keycloak knows that are cached; names it does not know get a tenth of this, apart")
    public KeycloakGroupProviderConfig setCacheMaximumSize(long cacheMaximumSize) { this.cacheMaximumSize = cacheMaximumSize; return this; }

    @Min(1)
    @Max(64)
    public int getMaxConcurrentLookups() { return maxConcurrentLookups; }

    @Config("keycloak.max-concurrent-lookups")
    @ConfigDescription("Keycloak lookups in flight at once; up to 8 times as many wait, more are refused at once")
    public KeycloakGroupProviderConfig setMaxConcurrentLookups(int maxConcurrentLookups) { this.maxConcurrentLookups = maxConcurrentLookups; return this; }
}
