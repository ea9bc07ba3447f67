package dev.trinobundle.it.deployment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.StreamSupport;

import static com.google.common.base.Preconditions.checkState;

/**
 * {@code helm template} of the official Trino chart (system property {@code trino.chart}, by default
 * {@code ../shared/vendor/trino-1.41.0.tgz}) with values files of {@code deployment/helm/}, as Kubernetes objects.
 */
record RenderedChart(List<JsonNode> objects)
{
    static final String RELEASE = "trino";
    static final String NAMESPACE = "trino";

    static RenderedChart render(String... valuesFiles)
            throws IOException
    {
        return render(Map.of(), valuesFiles);
    }

    /** With {@code --set key=value} overrides on top of the values files, as an operator's command line adds them. */
    static RenderedChart render(Map<String, String> overrides, String... valuesFiles)
            throws IOException
    {
        Path chart = Path.of(System.getProperty("trino.chart", "../../../shared/vendor/trino-1.41.0.tgz"));
        checkState(Files.isRegularFile(chart), "Trino chart %s not found: pass -Dtrino.chart=<helm pull trino/trino --version 1.41.0>", chart.toAbsolutePath());
        TemplateCommand template = Helm.template(chart.toAbsolutePath().toString()).withName(RELEASE).withNamespace(NAMESPACE);
        for (String valuesFile : valuesFiles) {
            template = template.withValuesFile(DeploymentFiles.deploymentDir().resolve("helm").resolve(valuesFile));
        }
        for (Map.Entry<String, String> override : overrides.entrySet()) {
            template = template.set(override.getKey(), override.getValue());
        }
        String yaml = template.call();
        ObjectMapper mapper = new YAMLMapper();
        List<JsonNode> objects = new ArrayList<>();
        try (var parser = new YAMLFactory().createParser(yaml)) {
            mapper.readValues(parser, JsonNode.class).forEachRemaining(node -> {
                if (node != null && !node.isNull() && !node.isMissingNode()) {
                    objects.add(node);
                }
            });
        }
        return new RenderedChart(List.copyOf(objects));
    }

    List<JsonNode> ofKind(String kind)
    {
        return objects.stream().filter(object -> object.path("kind").asText().equals(kind)).toList();
    }

    JsonNode named(String kind, String name)
    {
        List<JsonNode> found = ofKind(kind).stream().filter(object -> object.at("/metadata/name").asText().equals(name)).toList();
        checkState(found.size() == 1, "%s %s: found %s of %s", kind, name, found.size(), ofKind(kind).stream().map(object -> object.at("/metadata/name").asText()).toList());
        return found.getFirst();
    }

    JsonNode coordinator()
    {
        return named("Deployment", RELEASE + "-coordinator");
    }

    JsonNode worker()
    {
        return named("Deployment", RELEASE + "-worker");
    }

    /** A file a ConfigMap of the chart carries, by ConfigMap name and key: what the pod sees under the mount path. */
    String file(String configMap, String key)
    {
        JsonNode data = named("ConfigMap", configMap).path("data").path(key);
        checkState(data.isTextual(), "ConfigMap %s has no key %s", configMap, key);
        return data.asText();
    }

    /** A properties file a ConfigMap of the chart carries, by ConfigMap name and key. */
    Map<String, String> properties(String configMap, String key)
            throws IOException
    {
        return parseProperties(file(configMap, key));
    }

    static Map<String, String> parseProperties(String text)
            throws IOException
    {
        Properties properties = new Properties();
        properties.load(new StringReader(text));
        Map<String, String> result = new TreeMap<>();
        properties.stringPropertyNames().forEach(name -> result.put(name, properties.getProperty(name).trim()));
        return result;
    }

    /** Parses a YAML file of {@code deployment/} (values, manifests) into its documents. */
    static List<JsonNode> yamlDocuments(Path file)
            throws IOException
    {
        List<JsonNode> documents = new ArrayList<>();
        try (var parser = new YAMLFactory().createParser(file.toFile())) {
            new YAMLMapper().readValues(parser, JsonNode.class).forEachRemaining(node -> {
                if (node != null && !node.isNull() && !node.isMissingNode()) {
                    documents.add(node);
                }
            });
        }
        return List.copyOf(documents);
    }

    /** Names of the Secrets a pod template can read: volumes, env and envFrom. */
    static List<String> secretsOf(JsonNode deployment)
    {
        JsonNode spec = deployment.at("/spec/template/spec");
        List<String> secrets = new ArrayList<>();
        spec.path("volumes").forEach(volume -> {
            if (volume.has("secret")) {
                secrets.add(volume.at("/secret/secretName").asText());
            }
        });
        for (JsonNode container : iterable(spec.path("containers"), spec.path("initContainers"))) {
            container.path("envFrom").forEach(source -> {
                if (source.has("secretRef")) {
                    secrets.add(source.at("/secretRef/name").asText());
                }
            });
            container.path("env").forEach(variable -> {
                if (variable.at("/valueFrom/secretKeyRef").isObject()) {
                    secrets.add(variable.at("/valueFrom/secretKeyRef/name").asText());
                }
            });
        }
        return secrets;
    }

    private static List<JsonNode> iterable(JsonNode... arrays)
    {
        List<JsonNode> nodes = new ArrayList<>();
        for (JsonNode array : arrays) {
            StreamSupport.stream(array.spliterator(), false).forEach(nodes::add);
        }
        return nodes;
    }
}
