package dev.trinobundle.it.deployment;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

import static dev.trinobundle.it.deployment.DeploymentFiles.deploymentDir;
import static java.util.Objects.requireNonNull;

/**
 * The bundle's configuration exactly as {@code deployment/helm/values.yaml} gives it to the coordinator, with the
 * chart's mount paths and service addresses replaced by this machine's and the soak's timing. The only place the soak
 * knows the plugins' property names: when one changes in the chart, only this class follows.
 */
final class SoakConfiguration
{
    private static final String AUDIT_LISTENER = "coordinator.additionalConfigFiles.audit-event-listener.properties";
    private static final String VAULT_AUTHENTICATOR = "coordinator.additionalConfigFiles.password-authenticator.properties";
    private static final String ACCESS_CONTROL = "accessControl.properties";

    /** Where the soak puts what the chart mounts (ConfigMap, Secrets, the journal volume). */
    record Mounts(Path rules, Path vaultCa, Path vaultAppRole, Path auditDb, Path auditKey, Path auditVolume)
    {
        Map<String, Path> byChartPath()
        {
            return Map.of(
                    "/etc/trino/rules", rules,
                    "/etc/trino/vault", vaultCa,
                    "/etc/trino/vault-approle", vaultAppRole,
                    "/etc/trino/audit-db", auditDb,
                    "/etc/trino/audit-key", auditKey,
                    "/data/trino/audit", auditVolume);
        }
    }

    /** The audit listener's files, read back by the reconciliation. */
    record AuditFiles(Path journal, Path log, Path checkpoints, Path keyFile, String databaseUser, String database, String table) {}

    private final Map<String, String> chart;
    private final Mounts mounts;

    SoakConfiguration(Mounts mounts)
    {
        this.mounts = requireNonNull(mounts, "mounts is null");
        try {
            this.chart = DeploymentFiles.textBlocks(deploymentDir().resolve("helm/values.yaml"));
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code rules.json} of the chart's ConfigMap ({@code manifests.yaml}). */
    static String chartRules()
    {
        try {
            return requireNonNull(DeploymentFiles.textBlocks(deploymentDir().resolve("helm/manifests.yaml")).get("data.rules.json"), "manifests.yaml has no data.rules.json");
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Map<String, String> tpchCatalog()
    {
        return block("catalogs.tpch");
    }

    /** The rules access control, refreshed as often as the soak's timing says. */
    Map<String, String> rulesAccessControl(Duration refreshPeriod)
    {
        Map<String, String> properties = localPaths(block(ACCESS_CONTROL));
        replace(properties, "security.refresh-period", seconds(refreshPeriod));
        return properties;
    }

    /** Trino's {@code file} access control on the same rules file and period: the baseline. */
    Map<String, String> fileAccessControl(Duration refreshPeriod)
    {
        Map<String, String> properties = rulesAccessControl(refreshPeriod);
        replace(properties, "access-control.name", "file");
        return properties;
    }

    /** The Vault authenticator against the fixture; AppRole's role id stays the chart's {@code ${ENV:...}}. */
    Map<String, String> vaultAuthenticator(URI vaultAddress, Duration cacheTtl, Duration staleWindow)
    {
        Map<String, String> properties = localPaths(block(VAULT_AUTHENTICATOR));
        replace(properties, "vault.address", vaultAddress.toString());
        replace(properties, "vault.cache.ttl", seconds(cacheTtl));
        replace(properties, "vault.cache.stale-window", seconds(staleWindow));
        return properties;
    }

    /** The environment variable the chart's Vault configuration reads the AppRole role id from. */
    String vaultRoleIdVariable()
    {
        String value = block(VAULT_AUTHENTICATOR).get("vault.approle.role-id");
        return value.substring("${ENV:".length(), value.length() - 1);
    }

    /** The audit listener with its PostgreSQL sink on the local server (the chart's database name kept). */
    Map<String, String> auditListener(String postgresJdbcUrlPrefix)
    {
        Map<String, String> properties = localPaths(block(AUDIT_LISTENER));
        replace(properties, "audit.postgresql.url", postgresJdbcUrlPrefix + auditFiles().database());
        return properties;
    }

    AuditFiles auditFiles()
    {
        Map<String, String> properties = localPaths(block(AUDIT_LISTENER));
        String url = properties.get("audit.postgresql.url");
        return new AuditFiles(
                // the journal is the audit log
                Path.of(properties.get("audit.journal.directory")),
                Path.of(properties.get("audit.journal.directory")),
                Path.of(properties.get("audit.checkpoint.directory")).resolve("checkpoints.jsonl"),
                Path.of(properties.get("audit.mac.key-file")),
                properties.get("audit.postgresql.user"),
                URI.create(url.substring("jdbc:".length())).getPath().substring(1),
                // the listener's defaults, unless the chart sets them
                "audit." + properties.getOrDefault("audit.postgresql.table", "trino_queries"));
    }

    /** The password file the chart mounts for the PostgreSQL sink. */
    Path auditDatabasePasswordFile()
    {
        return Path.of(localPaths(block(AUDIT_LISTENER)).get("audit.postgresql.password-file"));
    }

    Path vaultSecretIdFile()
    {
        return Path.of(localPaths(block(VAULT_AUTHENTICATOR)).get("vault.approle.secret-id-file"));
    }

    Path vaultCaFile()
    {
        return Path.of(localPaths(block(VAULT_AUTHENTICATOR)).get("vault.ca-cert-file"));
    }

    Path rulesFile()
    {
        return Path.of(localPaths(block(ACCESS_CONTROL)).get("security.config-file"));
    }

    private Map<String, String> block(String key)
    {
        String text = chart.get(key);
        if (text == null) {
            throw new IllegalStateException("deployment/helm/values.yaml has no " + key + " (the soak configures the bundle from it)");
        }
        Properties properties = new Properties();
        try {
            properties.load(new StringReader(text));
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> result = new LinkedHashMap<>();
        properties.stringPropertyNames().stream().sorted().forEach(name -> result.put(name, properties.getProperty(name).trim()));
        return result;
    }

    /** Every chart path under a mount becomes the same path under the local directory; any other chart path is an error. */
    private Map<String, String> localPaths(Map<String, String> properties)
    {
        Map<String, Path> byChartPath = mounts.byChartPath();
        Map<String, String> result = new LinkedHashMap<>();
        properties.forEach((key, value) -> {
            String local = value;
            if (value.startsWith("/")) {
                // longest mount first: /etc/trino/vault-approle is not under /etc/trino/vault
                local = byChartPath.keySet().stream()
                        .sorted(Comparator.comparingInt(String::length).reversed())
                        .filter(mount -> value.equals(mount) || value.startsWith(mount + "/"))
                        .findFirst()
                        .map(mount -> byChartPath.get(mount).resolve(value.substring(mount.length()).replaceFirst("^/", "")).toString())
                        .orElseThrow(() -> new IllegalStateException("%s=%s in deployment/helm/values.yaml is under no mount the soak knows (%s)".formatted(key, value, byChartPath.keySet())));
            }
            result.put(key, local);
        });
        return result;
    }

    private static void replace(Map<String, String> properties, String key, String value)
    {
        if (!properties.containsKey(key)) {
            throw new IllegalStateException("deployment/helm/values.yaml no longer sets " + key + "; update SoakConfiguration");
        }
        properties.put(key, value);
    }

    private static String seconds(Duration duration)
    {
        return Math.max(1, duration.toMillis()) + "ms";
    }
}
