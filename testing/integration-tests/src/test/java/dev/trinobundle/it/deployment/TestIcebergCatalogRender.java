package dev.trinobundle.it.deployment;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.trinobundle.it.deployment.DeploymentFiles.deploymentDir;
import static dev.trinobundle.it.deployment.RenderedChart.secretsOf;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The seed's Iceberg catalog as the official chart renders it from our values: REST catalog with Keycloak client
 * credentials (scope {@code lakekeeper}), vended credentials off, static MinIO keys from a Secret of their own that
 * exactly the pods running the catalog (coordinator and workers) see. {@link TestIcebergCatalogEndToEnd} runs it.
 */
final class TestIcebergCatalogRender
{
    private static final Pattern ENV_REFERENCE = Pattern.compile("\\$\\{ENV:(\\w+)}");

    @Test
    void testCatalogMatchesTheSeed()
            throws Exception
    {
        for (RenderedChart chart : List.of(RenderedChart.render("values.yaml"), RenderedChart.render("values.yaml", "values-init-container.yaml"))) {
            Map<String, String> iceberg = chart.properties("trino-catalog", "iceberg.properties");
            assertThat(iceberg)
                    .containsEntry("connector.name", "iceberg")
                    .containsEntry("iceberg.catalog.type", "rest")
                    .containsEntry("iceberg.rest-catalog.security", "OAUTH2")
                    .containsEntry("iceberg.rest-catalog.oauth2.server-uri", "https://keycloak.example.com/realms/trino/protocol/openid-connect/token")
                    .containsEntry("iceberg.rest-catalog.oauth2.credential", "trino-lakekeeper:${ENV:ICEBERG_CLIENT_SECRET}")
                    .containsEntry("iceberg.rest-catalog.oauth2.scope", "openid profile lakekeeper")
                    .containsEntry("iceberg.rest-catalog.vended-credentials-enabled", "false")
                    .containsEntry("fs.native-s3.enabled", "true")
                    .containsEntry("s3.path-style-access", "true")
                    .containsEntry("s3.endpoint", "http://minio.minio.svc:9000")
                    .containsEntry("s3.region", "us-east-1")
                    .containsEntry("s3.aws-access-key", "${ENV:ICEBERG_S3_ACCESS_KEY}")
                    .containsEntry("s3.aws-secret-key", "${ENV:ICEBERG_S3_SECRET_KEY}");
            // no literal credential anywhere in the catalog: every secret is an environment reference
            assertThat(iceberg.entrySet()).filteredOn(entry -> entry.getKey().matches(".*(oauth2\\.credential|aws-.*-key)"))
                    .allSatisfy(entry -> assertThat(entry.getValue()).contains("${ENV:"));

            // every ${ENV:...} the catalog reads is set in both pods that load it, or the catalog cannot start there
            List<String> referenced = new ArrayList<>();
            Matcher matcher = ENV_REFERENCE.matcher(chart.file("trino-catalog", "iceberg.properties"));
            while (matcher.find()) {
                referenced.add(matcher.group(1));
            }
            assertThat(referenced).containsExactlyInAnyOrder("ICEBERG_CLIENT_SECRET", "ICEBERG_S3_ACCESS_KEY", "ICEBERG_S3_SECRET_KEY");
            for (JsonNode deployment : List.of(chart.coordinator(), chart.worker())) {
                JsonNode container = deployment.at("/spec/template/spec/containers/0");
                assertThat(envKeyRef(container, "ICEBERG_S3_ACCESS_KEY")).isEqualTo("trino-iceberg-s3/access-key");
                assertThat(envKeyRef(container, "ICEBERG_S3_SECRET_KEY")).isEqualTo("trino-iceberg-s3/secret-key");
                // the client secret stays a key of the cluster Secret every pod gets through envFrom
                assertThat(container.path("envFrom").toString()).contains("trino-cluster-secrets");
                assertThat(secretsOf(deployment)).contains("trino-iceberg-s3");
            }
        }
    }

    @Test
    void testExampleEtcCatalogIsTheChartsCatalog()
            throws Exception
    {
        assertThat(RenderedChart.parseProperties(Files.readString(deploymentDir().resolve("etc/catalog/iceberg.properties"))))
                .isEqualTo(RenderedChart.render("values.yaml").properties("trino-catalog", "iceberg.properties"));
    }

    /** {@code secret/key} of the container's variable, which must come from a Secret key (never a literal value). */
    private static String envKeyRef(JsonNode container, String name)
    {
        for (JsonNode variable : container.path("env")) {
            if (variable.path("name").asText().equals(name)) {
                assertThat(variable.has("value")).as("%s has a literal value", name).isFalse();
                JsonNode ref = variable.at("/valueFrom/secretKeyRef");
                return ref.path("name").asText() + "/" + ref.path("key").asText();
            }
        }
        throw new AssertionError("No env variable " + name + " in " + container.path("env"));
    }
}
