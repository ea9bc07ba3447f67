package dev.trinobundle.it.deployment;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.trinobundle.it.deployment.RenderedChart.secretsOf;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the official chart 1.41.0 really renders from our values ({@code helm template}, in-process): the security
 * properties of the objects, not just that the values parse.
 */
final class TestHelmChartRender
{
    private static final List<String> COORDINATOR_ONLY_SECRETS = List.of("trino-vault-approle", "trino-vault-ca", "trino-audit-db", "trino-audit-key");

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

    private static List<RenderedChart> bothVariants()
            throws Exception
    {
        return List.of(RenderedChart.render("values.yaml"), RenderedChart.render("values.yaml", "values-init-container.yaml"));
    }

    private static String mountPath(JsonNode deployment, String secretName)
    {
        String volume = null;
        for (JsonNode candidate : deployment.at("/spec/template/spec/volumes")) {
            if (candidate.at("/secret/secretName").asText().equals(secretName)) {
                volume = candidate.get("name").asText();
            }
        }
        assertThat(volume).as("volume of Secret " + secretName).isNotNull();
        for (JsonNode mount : deployment.at("/spec/template/spec/containers/0/volumeMounts")) {
            if (mount.get("name").asText().equals(volume)) {
                assertThat(mount.has("subPath")).as("a subPath mount never sees a rotated Secret").isFalse();
                return mount.get("mountPath").asText();
            }
        }
        throw new AssertionError("Secret %s is not mounted".formatted(secretName));
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
