package dev.trinobundle.it.deployment;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static com.google.common.collect.MoreCollectors.onlyElement;
import static dev.trinobundle.it.deployment.RenderedChart.secretsOf;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the official chart 1.41.0 really renders from our values ({@code helm template}, in-process): the security
 * properties of the objects, not just that the values parse.
 */
final class TestHelmChartRender
{
    private static final List<String> COORDINATOR_ONLY_SECRETS = List.of("trino-vault-approle", "trino-vault-ca", "trino-audit-db", "trino-audit-key", "trino-keycloak-groups");

    @Test
    void testOnlyTraefikAndTrinoPodsReachTheHttpPort()
            throws Exception
    {
        for (RenderedChart chart : bothVariants()) {
            JsonNode policy = chart.named("NetworkPolicy", "trino");
            assertThat(policy.at("/spec/policyTypes").toString()).contains("Ingress");
            // the policy selects both Deployments' pods
            Map<String, String> selector = labels(policy.at("/spec/podSelector/matchLabels"));
            for (JsonNode deployment : List.of(chart.coordinator(), chart.worker())) {
                assertThat(labels(deployment.at("/spec/template/metadata/labels"))).containsAllEntriesOf(selector);
            }
            List<String> peers = new ArrayList<>();
            for (JsonNode rule : policy.at("/spec/ingress")) {
                for (JsonNode peer : rule.path("from")) {
                    Map<String, String> pods = labels(peer.path("podSelector").path("matchLabels"));
                    assertThat(peer.has("ipBlock")).as("no address range may reach Trino: %s", peer).isFalse();
                    assertThat(pods).as("every peer is a pod selection: %s", peer).isNotEmpty();
                    if (pods.equals(selector)) {
                        peers.add("trino");
                        continue;
                    }
                    // anything else: Traefik's pods, on the HTTP port only
                    assertThat(pods).containsEntry("app.kubernetes.io/name", "traefik");
                    assertThat(peer.at("/namespaceSelector/matchLabels")).as("Traefik's namespace, not every namespace: %s", peer).isNotEmpty();
                    assertThat(rule.path("ports")).as("ports of %s", rule).hasSize(1);
                    assertThat(rule.at("/ports/0/port").asInt()).isEqualTo(8080);
                    assertThat(rule.at("/ports/0/protocol").asText()).isEqualTo("TCP");
                    peers.add("traefik");
                }
            }
            assertThat(peers).containsExactlyInAnyOrder("trino", "traefik");
            assertThat(chart.ofKind("Service")).allSatisfy(service -> assertThat(service.at("/spec/type").asText("ClusterIP")).isEqualTo("ClusterIP"));
        }
    }

    @Test
    void testNoWorkerCanObtainAVaultCredential()
            throws Exception
    {
        for (RenderedChart chart : bothVariants()) {
            List<String> workerSecrets = secretsOf(chart.worker());
            assertThat(workerSecrets).doesNotContainAnyElementsOf(COORDINATOR_ONLY_SECRETS);
            assertThat(secretsOf(chart.coordinator())).containsAll(COORDINATOR_ONLY_SECRETS);
            // Vault login is AppRole with the coordinator-only secret id, not the service account every pod shares
            Map<String, String> authenticator = chart.properties("trino-coordinator", "password-authenticator.properties");
            assertThat(authenticator)
                    .containsEntry("vault.auth-method", "APPROLE")
                    .containsEntry("vault.approle.secret-id-file", mountPath(chart.coordinator(), "trino-vault-approle") + "/secret-id");
            assertThat(chart.ofKind("ServiceAccount")).isEmpty();
            // nothing Vault-related in what workers read
            assertThat(chart.named("ConfigMap", "trino-worker").path("data").toString()).doesNotContain("vault.");
        }
    }

    @Test
    void testTheAuditKeyIsReadableByTheTrinoUserOnly()
            throws Exception
    {
        for (RenderedChart chart : bothVariants()) {
            JsonNode volume = null;
            for (JsonNode candidate : chart.coordinator().at("/spec/template/spec/volumes")) {
                if (candidate.at("/secret/secretName").asText().equals("trino-audit-key")) {
                    volume = candidate;
                }
            }
            assertThat(volume).as("the audit key volume").isNotNull();
            // owner root, group the pod's fsGroup (the trino user); nobody else in the pod
            assertThat(volume.at("/secret/defaultMode").asInt()).isEqualTo(0440);
            assertThat(chart.coordinator().at("/spec/template/spec/securityContext/fsGroup").asInt()).isEqualTo(1000);
            Map<String, String> listener = chart.properties("trino-coordinator", "audit-event-listener.properties");
            assertThat(listener).containsEntry("audit.mac.key-file", mountPath(chart.coordinator(), "trino-audit-key") + "/key");
        }
    }

    @Test
    void testTheAuditDatabaseIsNotTheOneTheCatalogServes()
            throws Exception
    {
        for (RenderedChart chart : bothVariants()) {
            String auditUrl = chart.properties("trino-coordinator", "audit-event-listener.properties").get("audit.postgresql.url");
            String catalogUrl = chart.properties("trino-catalog", "postgresql.properties").get("connection-url");
            assertThat(database(auditUrl)).isNotEqualTo(database(catalogUrl));
            assertThat(host(auditUrl)).isEqualTo(host(catalogUrl));
        }
    }

    @Test
    void testOnlyTheCoordinatorAuthenticatesAndAudits()
            throws Exception
    {
        for (RenderedChart chart : bothVariants()) {
            Map<String, String> config = chart.properties("trino-coordinator", "config.properties");
            assertThat(config)
                    .containsEntry("coordinator", "true")
                    .containsEntry("node-scheduler.include-coordinator", "false")
                    .containsEntry("http-server.authentication.type", "oauth2,PASSWORD")
                    // without it Trino's Web UI picks the password form whenever PASSWORD is listed (trinodb/trino#26564)
                    .containsEntry("web-ui.authentication.type", "oauth2")
                    .containsEntry("http-server.process-forwarded", "true")
                    .containsEntry("http-server.authentication.oauth2.client-id", "trino")
                    .containsEntry("http-server.authentication.oauth2.client-secret", "${ENV:OAUTH2_CLIENT_SECRET}")
                    .containsEntry("http-server.authentication.oauth2.principal-field", "preferred_username")
                    .containsEntry("internal-communication.shared-secret", "${ENV:TRINO_SHARED_SECRET}")
                    .containsEntry("event-listener.config-files", "/etc/trino/audit-event-listener.properties")
                    .doesNotContainKey("http-server.https.enabled");
            assertThat(config.get("http-server.authentication.oauth2.issuer")).startsWith("https://");
            // the listener file the property names is in the coordinator's /etc/trino (its ConfigMap's mount)
            assertThat(mount(chart.coordinator(), volume -> volume.at("/configMap/name").asText().equals("trino-coordinator")).get("mountPath").asText()).isEqualTo("/etc/trino");
            assertThat(chart.properties("trino-coordinator", "audit-event-listener.properties")).containsEntry("event-listener.name", "audit");
            // our authenticator, and not the chart's `file` one: no password file anywhere in what the chart renders
            assertThat(chart.properties("trino-coordinator", "password-authenticator.properties")).containsEntry("password-authenticator.name", "vault");
            assertThat(chart.objects().toString()).doesNotContain("password-authenticator.name=file").doesNotContain("file.password-file").doesNotContain("password.db");

            // workers: the engine's files only, no authentication, no listener, no access control
            JsonNode workerFiles = chart.named("ConfigMap", "trino-worker").path("data");
            assertThat(fieldNames(workerFiles)).containsExactlyInAnyOrder("node.properties", "jvm.config", "config.properties", "log.properties");
            Map<String, String> workerConfig = chart.properties("trino-worker", "config.properties");
            assertThat(workerConfig).containsEntry("coordinator", "false").containsEntry("internal-communication.shared-secret", "${ENV:TRINO_SHARED_SECRET}");
            assertThat(workerConfig.keySet()).noneMatch(key -> key.startsWith("http-server.authentication") || key.startsWith("event-listener") || key.startsWith("web-ui"));
        }
    }

    @Test
    void testAccessControlReadsTheRulesConfigMapAsADirectory()
            throws Exception
    {
        JsonNode rulesConfigMap = RenderedChart.yamlDocuments(DeploymentFiles.deploymentDir().resolve("helm/manifests.yaml")).stream()
                .filter(document -> document.path("kind").asText().equals("ConfigMap"))
                .filter(document -> document.at("/metadata/name").asText().equals("trino-rules"))
                .findFirst().orElseThrow();
        for (RenderedChart chart : bothVariants()) {
            Map<String, String> accessControl = chart.properties("trino-coordinator", "access-control.properties");
            assertThat(accessControl).containsEntry("access-control.name", "rules");
            JsonNode mount = mount(chart.coordinator(), volume -> volume.at("/configMap/name").asText().equals("trino-rules"));
            // a subPath mount would never see an edited ConfigMap: the reload would reload the old rules forever
            assertThat(mount.has("subPath")).isFalse();
            String rulesFile = accessControl.get("security.config-file");
            assertThat(rulesFile).startsWith(mount.get("mountPath").asText() + "/");
            assertThat(rulesConfigMap.path("data").has(rulesFile.substring(rulesFile.lastIndexOf('/') + 1))).isTrue();
            assertThat(chart.worker().at("/spec/template/spec/volumes").toString()).doesNotContain("trino-rules");
        }
    }

    @Test
    void testQueryMemoryComesFromTheValuesAndPassesCheckMemory()
            throws Exception
    {
        JsonNode values = RenderedChart.yamlDocuments(DeploymentFiles.deploymentDir().resolve("helm/values.yaml")).getFirst();
        for (RenderedChart chart : bothVariants()) {
            for (String role : List.of("coordinator", "worker")) {
                Map<String, String> config = chart.properties("trino-" + role, "config.properties");
                assertThat(config.get("query.max-memory-per-node")).isEqualTo(values.at("/%s/config/query/maxMemoryPerNode".formatted(role)).asText());
                assertThat(config.get("query.max-memory")).isEqualTo(values.at("/server/config/query/maxMemory").asText());
                assertThat(chart.file("trino-" + role, "jvm.config")).contains("-Xmx" + values.at("/%s/jvm/maxHeapSize".formatted(role)).asText() + "\n");
                CheckMemory.Result result = CheckMemory.onRendered(chart, role);
                assertThat(result.exitCode()).as(result.output()).isZero();
            }
        }
        // the same check on what the chart renders for a too large query memory: the coordinator would not start
        RenderedChart tooLarge = RenderedChart.render(Map.of("coordinator.config.query.maxMemoryPerNode", "7GB"), "values.yaml");
        CheckMemory.Result result = CheckMemory.onRendered(tooLarge, "coordinator");
        assertThat(result.exitCode()).as(result.output()).isEqualTo(1);
        assertThat(result.output()).contains("query.max-memory-per-node");
    }

    @Test
    void testIngressReachesTheHttpPortThroughTheForwardedHeadersMiddleware()
            throws Exception
    {
        JsonNode middleware = RenderedChart.yamlDocuments(DeploymentFiles.deploymentDir().resolve("helm/manifests.yaml")).stream()
                .filter(document -> document.path("kind").asText().equals("Middleware"))
                .collect(onlyElement());
        assertThat(middleware.path("apiVersion").asText()).isEqualTo("traefik.io/v1alpha1");
        Map<String, String> headers = labels(middleware.at("/spec/headers/customRequestHeaders"));
        assertThat(headers).containsEntry("X-Forwarded-Proto", "https").containsEntry("X-Forwarded-Port", "443");
        // the nginx stand-in of the end-to-end tests sends the same headers (its port is the laptop's, not 443)
        assertThat(TlsTerminatingNginx.FORWARDED_HEADERS).containsKeys(headers.keySet().toArray(String[]::new)).containsEntry("X-Forwarded-Proto", "https");

        for (RenderedChart chart : bothVariants()) {
            JsonNode ingress = chart.named("Ingress", "trino-coordinator");
            assertThat(ingress.at("/metadata/annotations").path("traefik.ingress.kubernetes.io/router.middlewares").asText())
                    .isEqualTo("%s-%s@kubernetescrd".formatted(RenderedChart.NAMESPACE, middleware.at("/metadata/name").asText()));
            assertThat(ingress.at("/spec/tls/0/hosts/0").asText()).isEqualTo(ingress.at("/spec/rules/0/host").asText());
            JsonNode backend = ingress.at("/spec/rules/0/http/paths/0/backend/service");
            JsonNode service = chart.named("Service", backend.get("name").asText());
            // the Service selects the coordinator's pods, and the port the Ingress names is its HTTP port
            assertThat(labels(chart.coordinator().at("/spec/template/metadata/labels"))).containsAllEntriesOf(labels(service.at("/spec/selector")));
            JsonNode servicePort = null;
            for (JsonNode port : service.at("/spec/ports")) {
                if (port.get("port").asInt() == backend.at("/port/number").asInt()) {
                    servicePort = port;
                }
            }
            assertThat(servicePort).as("Service port %s", backend.at("/port/number")).isNotNull();
            JsonNode containerPort = null;
            for (JsonNode port : chart.coordinator().at("/spec/template/spec/containers/0/ports")) {
                if (port.get("name").asText().equals(servicePort.get("targetPort").asText())) {
                    containerPort = port;
                }
            }
            assertThat(containerPort).isNotNull();
            assertThat(containerPort.get("containerPort").asText()).isEqualTo(chart.properties("trino-coordinator", "config.properties").get("http-server.http.port"));
        }
    }

    private static List<RenderedChart> bothVariants()
            throws Exception
    {
        return List.of(RenderedChart.render("values.yaml"), RenderedChart.render("values.yaml", "values-init-container.yaml"));
    }

    private static String mountPath(JsonNode deployment, String secretName)
    {
        JsonNode mount = mount(deployment, volume -> volume.at("/secret/secretName").asText().equals(secretName));
        assertThat(mount.has("subPath")).as("a subPath mount never sees a rotated Secret").isFalse();
        return mount.get("mountPath").asText();
    }

    /** The Trino container's mount of the one volume that matches. */
    private static JsonNode mount(JsonNode deployment, Predicate<JsonNode> volumeMatches)
    {
        List<String> volumes = new ArrayList<>();
        deployment.at("/spec/template/spec/volumes").forEach(volume -> {
            if (volumeMatches.test(volume)) {
                volumes.add(volume.get("name").asText());
            }
        });
        assertThat(volumes).as("matching volumes of %s", deployment.at("/metadata/name")).hasSize(1);
        for (JsonNode mount : deployment.at("/spec/template/spec/containers/0/volumeMounts")) {
            if (mount.get("name").asText().equals(volumes.getFirst())) {
                return mount;
            }
        }
        throw new AssertionError("volume %s is not mounted".formatted(volumes.getFirst()));
    }

    private static List<String> fieldNames(JsonNode node)
    {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static Map<String, String> labels(JsonNode node)
    {
        Map<String, String> labels = new java.util.TreeMap<>();
        node.properties().forEach(entry -> labels.put(entry.getKey(), entry.getValue().asText()));
        return labels;
    }

    private static String database(String jdbcUrl)
    {
        return URI.create(jdbcUrl.substring("jdbc:".length())).getPath();
    }

    private static String host(String jdbcUrl)
    {
        return URI.create(jdbcUrl.substring("jdbc:".length())).getAuthority();
    }
}
