package dev.trinobundle.it.deployment;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trinobundle.testing.Jdk;
import dev.trinobundle.testing.PluginDirectory;
import dev.trinobundle.testing.SelfSignedCertificate;
import io.trino.spi.Plugin;
import io.trino.spi.classloader.ThreadContextClassLoader;
import io.trino.spi.eventlistener.EventListener;
import io.trino.spi.eventlistener.EventListenerFactory;
import io.trino.spi.security.GroupProviderFactory;
import io.trino.spi.security.PasswordAuthenticatorFactory;
import io.trino.spi.security.SystemAccessControl;
import io.trino.spi.security.SystemAccessControlFactory;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

import static dev.trinobundle.it.deployment.DeploymentFiles.deploymentDir;
import static dev.trinobundle.it.deployment.DeploymentFiles.textBlocks;
import static dev.trinobundle.testing.TestingPluginContext.TRINO_476;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every plugin configuration shipped in {@code deployment/} (example {@code etc/*.properties}, and the properties embedded
 * in the chart values and manifests) is accepted by the plugin directory that reads it, as built: the factory named by
 * the file starts with exactly those properties. Plugins fail on unknown keys, so a renamed or misspelt property in the
 * docs fails here.
 */
@Tag("plugin-directories")
final class TestDeploymentConfigDrift
{
    private static final Map<String, String> PLUGIN_DIRECTORY_BY_NAME_KEY = Map.of(
            "access-control.name", "rules-access-control",
            "password-authenticator.name", "vault-authenticator",
            "event-listener.name", "audit-event-listener",
            // group-provider.name=keycloak lives in the access control's plugin (it shares the group cache)
            "group-provider.name", "rules-access-control");

    @TempDir
    Path tempDir;

    @Test
    void testExampleEtcPropertiesStartThePlugins()
            throws Exception
    {
        List<String> started = new ArrayList<>();
        try (Stream<Path> files = Files.list(deploymentDir().resolve("etc"))) {
            for (Path file : files.filter(path -> path.toString().endsWith(".properties")).sorted().toList()) {
                Map<String, String> properties = load(Files.readString(file));
                if (nameKey(properties) == null) {
                    // Trino's own config.properties: read by the engine, not by a plugin
                    assertThat(file.getFileName().toString()).isEqualTo("config.properties");
                    continue;
                }
                startPlugin(file.toString(), properties);
                started.add(nameKey(properties));
            }
        }
        assertThat(started).containsExactlyInAnyOrderElementsOf(PLUGIN_DIRECTORY_BY_NAME_KEY.keySet());
    }

    @Test
    void testChartPluginConfigurationStartsThePlugins()
            throws Exception
    {
        List<String> started = new ArrayList<>();
        try (Stream<Path> files = Files.list(deploymentDir().resolve("helm"))) {
            for (Path file : files.filter(path -> path.toString().endsWith(".yaml")).sorted().toList()) {
                for (Map.Entry<String, String> block : textBlocks(file).entrySet()) {
                    Map<String, String> properties = load(block.getValue());
                    if (nameKey(properties) != null) {
                        startPlugin(file.getFileName() + " (" + block.getKey() + ")", properties);
                        started.add(nameKey(properties));
                    }
                }
            }
        }
        // values.yaml configures them all: access control, the authenticator and (coordinator only) the listener and the group provider
        assertThat(started).containsExactlyInAnyOrderElementsOf(PLUGIN_DIRECTORY_BY_NAME_KEY.keySet());
    }

    @Test
    void testUnknownPropertyFailsEveryPlugin()
            throws Exception
    {
        for (String file : List.of("access-control.properties", "password-authenticator.properties", "event-listener.properties", "group-provider.properties")) {
            Map<String, String> properties = load(Files.readString(deploymentDir().resolve("etc").resolve(file)));
            properties.put("security.no-such-property", "true");
            assertThatThrownBy(() -> startPlugin(file, properties))
                    .as(file)
                    .hasStackTraceContaining("security.no-such-property");
        }
    }

    @Test
    void testChartValuesPointAtTheMountedFiles()
            throws Exception
    {
        String values = Files.readString(deploymentDir().resolve("helm/values.yaml"));
        Map<String, String> blocks = textBlocks(deploymentDir().resolve("helm/values.yaml"));
        // the rules ConfigMap is mounted as a directory at /etc/trino/rules and holds rules.json
        assertThat(load(blocks.get("accessControl.properties"))).containsEntry("security.config-file", "/etc/trino/rules/rules.json");
        assertThat(values).contains("path: /etc/trino/rules").doesNotContainPattern("(?m)^\\s*subPath:");
        // the ConfigMap ships the same rules the other tests start the access control with
        String configMapRules = textBlocks(deploymentDir().resolve("helm/manifests.yaml")).get("data.rules.json");
        assertThat(configMapRules).isNotNull();
        assertThat(new ObjectMapper().readTree(configMapRules)).isEqualTo(new ObjectMapper().readTree(deploymentDir().resolve("etc/rules.json").toFile()));
        // the listener's file is a coordinator additionalConfigFiles entry, which the chart writes into /etc/trino
        assertThat(load(blocks.get("server.coordinatorExtraConfig")))
                .containsEntry("event-listener.config-files", "/etc/trino/audit-event-listener.properties")
                .containsEntry("http-server.process-forwarded", "true");
        // its only secret, the PostgreSQL password, is key `password` of the Secret mounted as a directory on the coordinator
        assertThat(load(blocks.get("coordinator.additionalConfigFiles.audit-event-listener.properties")))
                .containsEntry("audit.postgresql.password-file", "/etc/trino/audit-db/password")
                .doesNotContainKey("audit.postgresql.password");
        assertThat(values).contains("secretName: trino-audit-db\n      path: /etc/trino/audit-db\n");
        String manifests = Files.readString(deploymentDir().resolve("helm/manifests.yaml"));
        // the Secrets are created from real values (README), never shipped with a placeholder
        assertThat(manifests)
                .doesNotContain("kind: Secret")
                .doesNotContain("audit.postgresql.");
        // no chart-wide listener (it would be written on workers, which do not need the plugin)
        assertThat(values).doesNotContain("eventListenerProperties");
    }

    @Test
    void testNoPlaceholderSecretShips()
            throws Exception
    {
        // a placeholder that works when copied is a known password; secrets come from ${ENV:...} or mounted files
        try (Stream<Path> files = Files.walk(deploymentDir())) {
            for (Path file : files.filter(Files::isRegularFile).filter(path -> !path.toString().contains("/target/")).toList()) {
                assertThat(Files.readString(file)).as(file.toString()).doesNotContainPattern("(?i)change-?me");
            }
        }
        assertThat(load(Files.readString(deploymentDir().resolve("etc/config.properties"))))
                .containsEntry("internal-communication.shared-secret", "${ENV:TRINO_SHARED_SECRET}");
    }

    private void startPlugin(String source, Map<String, String> shipped)
            throws IOException
    {
        String nameKey = nameKey(shipped);
        String name = shipped.get(nameKey);
        Map<String, String> config = new HashMap<>(shipped);
        config.remove(nameKey);
        config.replaceAll(this::localEquivalent);

        Plugin plugin = PluginDirectory.bundlePlugin(PLUGIN_DIRECTORY_BY_NAME_KEY.get(nameKey));
        // as Trino's PluginManager does
        try (ThreadContextClassLoader _ = new ThreadContextClassLoader(plugin.getClass().getClassLoader())) {
            switch (nameKey) {
                case "access-control.name" -> {
                    SystemAccessControlFactory factory = only(plugin.getSystemAccessControlFactories(), name, SystemAccessControlFactory::getName, source);
                    SystemAccessControl accessControl = factory.create(config, TRINO_476);
                    accessControl.shutdown();
                }
                case "password-authenticator.name" -> {
                    PasswordAuthenticatorFactory factory = only(plugin.getPasswordAuthenticatorFactories(), name, PasswordAuthenticatorFactory::getName, source);
                    assertThat(factory.create(config)).isNotNull();
                }
                case "event-listener.name" -> {
                    EventListenerFactory factory = only(plugin.getEventListenerFactories(), name, EventListenerFactory::getName, source);
                    EventListener listener = factory.create(config, TRINO_476);
                    listener.shutdown();
                }
                case "group-provider.name" -> {
                    GroupProviderFactory factory = only(plugin.getGroupProviderFactories(), name, GroupProviderFactory::getName, source);
                    assertThat(factory.create(config)).isNotNull();
                }
                default -> throw new AssertionError(nameKey);
            }
        }
    }

    /** Files and directories of the deployment as local ones that exist; remote services as closed loopback ports. */
    private String localEquivalent(String key, String value)
    {
        try {
            if (key.equals("security.config-file")) {
                return Files.copy(deploymentDir().resolve("etc/rules.json"), Files.createTempDirectory(tempDir, "rules").resolve("rules.json")).toString();
            }
            if (key.equals("vault.ca-cert-file")) {
                Path directory = Files.createTempDirectory(tempDir, "ca");
                return SelfSignedCertificate.generate(directory, Jdk.find()).certificatePem().toString();
            }
            if (value.matches("\\$\\{ENV:\\w+}")) {
                // Trino resolves ${ENV:...} in every properties file before the plugin sees it
                return "value-of-" + value.substring(6, value.length() - 1);
            }
            if (key.equals("keycloak.client-secret-file")) {
                return Files.writeString(Files.createTempDirectory(tempDir, "keycloak-groups").resolve("client-secret"), "value-of-client-secret").toString();
            }
            if (key.equals("vault.approle.secret-id-file")) {
                return Files.writeString(Files.createTempDirectory(tempDir, "secret").resolve("secret-id"), "secret-id-of-test").toString();
            }
            if (key.equals("audit.mac.key-file")) {
                // the mounted Secret's key: the listener refuses a key shorter than 32 bytes at start
                Path keyFile = Files.createTempDirectory(tempDir, "audit-key").resolve("key");
                return Files.writeString(keyFile, "0123456789abcdef".repeat(4) + "\n").toString();
            }
            if (key.equals("audit.postgresql.password-file")) {
                // the mounted Secret's key: the listener checks at start that it can read it
                return Files.writeString(Files.createTempDirectory(tempDir, "secret").resolve("password"), "password-of-test").toString();
            }
            if (key.endsWith(".directory")) {
                return Files.createTempDirectory(tempDir, "dir").toString();
            }
            // test traffic stays on 127.0.0.1: the plugins must start without reaching their services
            if (key.equals("vault.address")) {
                return "https://127.0.0.1:" + closedPort();
            }
            if (key.equals("audit.postgresql.url")) {
                return value.replaceFirst("//[^/]+/", "//127.0.0.1:" + closedPort() + "/");
            }
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertThat(value).as("%s=%s: a path the test does not know how to provide; add it to localEquivalent", key, value).doesNotStartWith("/");
        return value;
    }

    private static int closedPort()
            throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static <T> T only(Iterable<T> factories, String name, java.util.function.Function<T, String> getName, String source)
    {
        List<T> matching = new ArrayList<>();
        factories.forEach(factory -> {
            if (getName.apply(factory).equals(name)) {
                matching.add(factory);
            }
        });
        assertThat(matching).as("%s names factory '%s'", source, name).hasSize(1);
        return matching.getFirst();
    }

    private static String nameKey(Map<String, String> properties)
    {
        return PLUGIN_DIRECTORY_BY_NAME_KEY.keySet().stream().filter(properties::containsKey).findFirst().orElse(null);
    }

    private static Map<String, String> load(String text)
            throws IOException
    {
        Properties properties = new Properties();
        properties.load(new StringReader(text));
        Map<String, String> result = new LinkedHashMap<>();
        properties.stringPropertyNames().forEach(key -> result.put(key, properties.getProperty(key).trim()));
        return result;
    }
}
