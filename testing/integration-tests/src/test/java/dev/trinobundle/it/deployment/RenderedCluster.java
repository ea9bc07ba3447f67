package dev.trinobundle.it.deployment;

import com.fasterxml.jackson.databind.JsonNode;
import dev.trinobundle.testing.TrinoServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static java.util.Objects.requireNonNull;

/**
 * A coordinator and a worker started from the files the chart rendered (their ConfigMaps, the catalogs, the rules
 * ConfigMap of {@code manifests.yaml}, the Secrets' files where the pod mounts them), through the harness. Everything a
 * laptop must change is in {@link #laptop}; {@link #differences()} lists what differs between the rendered files and
 * the files the servers really read, so that nothing changes unlisted.
 */
final class RenderedCluster
        implements AutoCloseable
{
    /** Where the pods reach their services, and where the test's own servers answer. */
    record Services(String vaultAddress, String postgresHostPort, String keycloakBaseUri, Path keycloakCertificatePem, String closedLoopbackUri) {}

    /** A value (a line, for files that are not properties: key {@code -} or {@code +}) that differs between the rendered and the served file. */
    record Difference(String role, String file, String key, String rendered, String served)
    {
        @Override
        public String toString()
        {
            return key.equals("-") || key.equals("+") ? "%s %s: %s %s".formatted(role, file, key, key.equals("-") ? rendered : served)
                    : "%s %s: %s %s -> %s".formatted(role, file, key, rendered, served);
        }
    }

    /** The rendered file a server read, and the path it read it from. */
    private record ServedFile(String role, String name, String rendered, Path onDisk) {}

    // the catalogs' connectors, and geospatial, whose Geometry type the postgresql connector needs (the image has every plugin)
    private static final List<String> CONNECTORS = List.of("tpch", "tpcds", "postgresql", "iceberg", "geospatial");

    private final TrinoServer coordinator;
    private final TrinoServer worker;
    private final List<ServedFile> servedFiles;

    private RenderedCluster(TrinoServer coordinator, TrinoServer worker, List<ServedFile> servedFiles)
    {
        this.coordinator = requireNonNull(coordinator, "coordinator is null");
        this.worker = requireNonNull(worker, "worker is null");
        this.servedFiles = List.copyOf(servedFiles);
    }

    /**
     * @param coordinatorBuilder a fresh builder, whose port a proxy in front of the coordinator already knows
     * @param mountedSecrets files of the coordinator-only Secrets by their path in the pod ({@code /etc/trino/vault/ca.crt}...)
     * @param environment the keys of {@code trino-cluster-secrets}, which {@code envFrom} gives every pod
     * @param rules the rules file the coordinator reads where the rules ConfigMap is mounted
     */
    static RenderedCluster start(TrinoServer.Builder coordinatorBuilder, RenderedChart chart, Services services, Map<String, String> mountedSecrets, Map<String, String> environment, String rules)
            throws IOException
    {
        List<ServedFile> served = new ArrayList<>();
        prepareCoordinator(coordinatorBuilder, chart, services, mountedSecrets, environment, rules, Set.of(), served);
        TrinoServer coordinator = coordinatorBuilder.start();
        try {
            TrinoServer.Builder workerBuilder = TrinoServer.builder()
                    .withBundledPlugins(CONNECTORS.toArray(String[]::new))
                    .asWorkerOf(coordinator);
            configure(workerBuilder, "worker", chart, services, Set.of(), served);
            environment.forEach(workerBuilder::withEnvironment);
            return new RenderedCluster(coordinator, workerBuilder.start(), served);
        }
        catch (RuntimeException | IOException e) {
            coordinator.close();
            throw e;
        }
    }

    /** The rendered coordinator alone, without these {@code config.properties} keys: what a values file without them would run. */
    static TrinoServer startCoordinatorWithout(Set<String> leftOut, RenderedChart chart, Services services, Map<String, String> mountedSecrets, Map<String, String> environment, String rules)
            throws IOException
    {
        TrinoServer.Builder builder = TrinoServer.builder();
        prepareCoordinator(builder, chart, services, mountedSecrets, environment, rules, leftOut, new ArrayList<>());
        return builder.start();
    }

    private static void prepareCoordinator(TrinoServer.Builder coordinatorBuilder, RenderedChart chart, Services services, Map<String, String> mountedSecrets, Map<String, String> environment, String rules, Set<String> leftOut, List<ServedFile> served)
            throws IOException
    {
        coordinatorBuilder
                .withBundledPlugins(CONNECTORS.toArray(String[]::new))
                // in the image (deployment/docker/Dockerfile) next to Trino's own plugins
                .withBundlePlugins("rules-access-control", "vault-authenticator", "audit-event-listener");
        configure(coordinatorBuilder, "coordinator", chart, services, leftOut, served);
        for (Map.Entry<String, String> secret : mountedSecrets.entrySet()) {
            Path file = Path.of(laptop(coordinatorBuilder, services, secret.getKey()));
            Files.createDirectories(file.getParent());
            Files.writeString(file, secret.getValue());
        }
        JsonNode rulesConfigMap = RenderedChart.yamlDocuments(DeploymentFiles.deploymentDir().resolve("helm/manifests.yaml")).stream()
                .filter(document -> document.at("/metadata/name").asText().equals("trino-rules"))
                .findFirst().orElseThrow();
        String rulesPath = chart.properties("trino-coordinator", "access-control.properties").get("security.config-file");
        coordinatorBuilder.withEtcFile(relativeToEtc(laptop(coordinatorBuilder, services, rulesPath), coordinatorBuilder), rules);
        served.add(new ServedFile("coordinator", "rules.json", rulesConfigMap.at("/data/rules.json").asText(), Path.of(laptop(coordinatorBuilder, services, rulesPath))));
        environment.forEach(coordinatorBuilder::withEnvironment);
    }

    private static void configure(TrinoServer.Builder builder, String role, RenderedChart chart, Services services, Set<String> leftOut, List<ServedFile> served)
            throws IOException
    {
        Map<String, String> files = new LinkedHashMap<>();
        chart.named("ConfigMap", "trino-" + role).path("data").properties().forEach(entry -> files.put(entry.getKey(), entry.getValue().asText()));
        chart.named("ConfigMap", "trino-catalog").path("data").properties().forEach(entry -> files.put("catalog/" + entry.getKey(), entry.getValue().asText()));
        for (Map.Entry<String, String> file : files.entrySet()) {
            String name = file.getKey();
            served.add(new ServedFile(role, name, file.getValue(), builder.etcDir().resolve(name)));
            if (name.equals("config.properties")) {
                RenderedChart.parseProperties(file.getValue()).forEach((key, value) -> {
                    // the harness gives every server a free port, and workers the coordinator's address (asWorkerOf)
                    if (!key.equals("http-server.http.port") && !key.equals("discovery.uri") && !leftOut.contains(key)) {
                        builder.withConfigProperty(key, laptop(builder, services, key, value));
                    }
                });
                if (role.equals("coordinator")) {
                    // Keycloak's certificate is self-signed here (a public CA's in production): trusted for discovery and the token endpoint
                    builder.withConfigProperty("oauth2-jwk.http-client.trust-store-path", services.keycloakCertificatePem().toString());
                }
            }
            else if (name.equals("jvm.config")) {
                builder.withEtcFile(name, laptopJvmConfig(file.getValue()));
            }
            else if (name.endsWith(".properties")) {
                StringBuilder properties = new StringBuilder();
                RenderedChart.parseProperties(file.getValue()).forEach((key, value) -> properties.append(key).append('=').append(laptop(builder, services, key, value)).append('\n'));
                if (name.equals("node.properties")) {
                    // announce and talk on loopback only: the auto-detected interface address is not ours to send traffic to
                    properties.append("node.internal-address=127.0.0.1\n");
                }
                if (name.equals("group-provider.properties")) {
                    // as for OAuth2 above: Keycloak's certificate is self-signed here, a public CA's in production
                    properties.append("keycloak.trust-certificate-file=").append(services.keycloakCertificatePem()).append('\n');
                }
                builder.withEtcFile(name, properties.toString());
            }
            else {
                throw new IllegalStateException("The chart renders %s for the %s: add how a laptop runs it".formatted(name, role));
            }
        }
    }

    /**
     * Every change a laptop makes to a rendered value: paths of the image and of the pod's mounts, the cluster's
     * services, and memory sized for 1 GB heaps.
     */
    private static String laptop(TrinoServer.Builder builder, Services services, String key, String value)
    {
        return switch (key) {
            case "query.max-memory" -> "512MB";
            case "query.max-memory-per-node" -> "256MB";
            default -> laptop(builder, services, value);
        };
    }

    private static String laptop(TrinoServer.Builder builder, Services services, String value)
    {
        return value
                .replace("/usr/lib/trino/plugin", builder.serverDir().resolve("plugin").toString())
                .replace("/etc/trino", builder.etcDir().toString())
                .replace("/data/trino", builder.serverDir().resolve("data").toString())
                .replace("https://vault.vault.svc:8200", services.vaultAddress())
                .replace("trino-db-rw.trino.svc:5432", services.postgresHostPort())
                .replace("https://keycloak.example.com", services.keycloakBaseUri())
                // the Iceberg REST catalog's services do not run here: the connector only reaches them at the first query
                .replace("http://lakekeeper.lakekeeper.svc:8181", services.closedLoopbackUri())
                .replace("http://minio.minio.svc:9000", services.closedLoopbackUri());
    }

    private static String laptopJvmConfig(String rendered)
    {
        List<String> lines = new ArrayList<>();
        for (String line : rendered.lines().toList()) {
            if (line.startsWith("-Xmx")) {
                lines.add("-Xmx1G");
            }
            else if (!line.startsWith("-agentpath:/usr/lib/trino/bin/libjvmkill.so")) {
                // libjvmkill is a file of the trinodb/trino image, not of the server tarball
                lines.add(line);
            }
        }
        return String.join("\n", lines) + "\n";
    }

    private static String relativeToEtc(String path, TrinoServer.Builder builder)
    {
        return builder.etcDir().relativize(Path.of(path)).toString();
    }

    TrinoServer coordinator()
    {
        return coordinator;
    }

    TrinoServer worker()
    {
        return worker;
    }

    /** Every value that differs between the rendered and the served files. */
    List<Difference> differences()
    {
        List<Difference> differences = new ArrayList<>();
        for (ServedFile file : servedFiles) {
            String served;
            try {
                served = Files.readString(file.onDisk());
            }
            catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (file.name().endsWith(".properties")) {
                Map<String, String> before;
                Map<String, String> after;
                try {
                    before = RenderedChart.parseProperties(file.rendered());
                    after = RenderedChart.parseProperties(served);
                }
                catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                Set<String> keys = new TreeSet<>(before.keySet());
                keys.addAll(after.keySet());
                for (String key : keys) {
                    if (!String.valueOf(before.get(key)).equals(String.valueOf(after.get(key)))) {
                        differences.add(new Difference(file.role(), file.name(), key, before.getOrDefault(key, "(not rendered)"), after.getOrDefault(key, "(left out)")));
                    }
                }
            }
            else {
                List<String> before = file.rendered().lines().map(String::strip).filter(line -> !line.isEmpty()).toList();
                List<String> after = served.lines().map(String::strip).filter(line -> !line.isEmpty()).toList();
                before.stream().filter(line -> !after.contains(line)).forEach(line -> differences.add(new Difference(file.role(), file.name(), "-", line, "")));
                after.stream().filter(line -> !before.contains(line)).forEach(line -> differences.add(new Difference(file.role(), file.name(), "+", "", line)));
            }
        }
        return differences;
    }

    @Override
    public void close()
    {
        try (TrinoServer _ = coordinator; TrinoServer _ = worker) {
            // both stopped, the worker first
        }
    }
}
