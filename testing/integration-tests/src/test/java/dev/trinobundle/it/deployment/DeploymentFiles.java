package dev.trinobundle.it.deployment;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Locates the checked-in {@code deployment/} directory: the tests read exactly what operators get. */
final class DeploymentFiles
{
    private DeploymentFiles() {}

    static Path deploymentDir()
    {
        // surefire runs with the module directory (testing/integration-tests) as working directory
        Path deployment = Path.of("").toAbsolutePath().resolve("../../deployment").normalize();
        if (!Files.isRegularFile(deployment.resolve("helm/values.yaml"))) {
            throw new IllegalStateException("deployment directory not found at " + deployment);
        }
        return deployment;
    }

    /**
     * The multi-line strings of a YAML file of {@code deployment/} (where chart values and manifests embed properties
     * and JSON files), by their dotted key path ({@code catalogs.postgresql}, {@code data.rules.json}).
     */
    static Map<String, String> textBlocks(Path yamlFile)
            throws IOException
    {
        Map<String, String> blocks = new LinkedHashMap<>();
        for (JsonNode document : RenderedChart.yamlDocuments(yamlFile)) {
            collectTextBlocks("", document, blocks);
        }
        return blocks;
    }

    private static void collectTextBlocks(String path, JsonNode node, Map<String, String> blocks)
    {
        if (node.isTextual() && node.asText().contains("\n")) {
            blocks.put(path, node.asText());
        }
        else if (node.isObject()) {
            node.properties().forEach(entry -> collectTextBlocks(path.isEmpty() ? entry.getKey() : path + "." + entry.getKey(), entry.getValue(), blocks));
        }
        else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                collectTextBlocks(path + "." + i, node.get(i), blocks);
            }
        }
    }
}
