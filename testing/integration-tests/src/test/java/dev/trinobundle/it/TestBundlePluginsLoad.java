package dev.trinobundle.it;

import dev.trinobundle.testing.TrinoServer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The three plugin directories, exactly as built, load into a real Trino 476 and register their factories. */
@Tag("server")
final class TestBundlePluginsLoad
{
    @Test
    void testPluginsLoadAndRegisterTheirFactories()
            throws Exception
    {
        try (TrinoServer server = TrinoServer.builder()
                .withBundledPlugins("tpch")
                .withBundlePlugins("rules-access-control", "vault-authenticator", "audit-event-listener")
                .withCatalog("tpch", Map.of("connector.name", "tpch"))
                .start()) {
            String log = Files.readString(server.serverLog());
            assertThat(log)
                    .contains("-- Loading plugin " + server.pluginDir().resolve("rules-access-control") + " --")
                    .contains("-- Loading plugin " + server.pluginDir().resolve("vault-authenticator") + " --")
                    .contains("-- Loading plugin " + server.pluginDir().resolve("audit-event-listener") + " --")
                    .contains("Registering system access control rules")
                    // Trino logs no "Registering" line for password authenticators
                    .contains("Installing dev.trinobundle.authenticator.VaultAuthenticatorPlugin")
                    .contains("Registering event listener audit")
                    // no startup error (Trino logs plugin loading failures on the main thread)
                    .doesNotContain("ERROR\tmain");

            try (Connection connection = server.connect("smoke", null);
                    Statement statement = connection.createStatement();
                    ResultSet resultSet = statement.executeQuery("SELECT count(*) FROM tpch.tiny.region")) {
                assertThat(resultSet.next()).isTrue();
                assertThat(resultSet.getLong(1)).isEqualTo(5);
            }
        }
    }

    @Test
    void testPluginDirectoriesHoldOnlyWhatTheyNeed()
            throws Exception
    {
        Path plugins = Path.of(System.getProperty(TrinoServer.BUNDLE_PLUGINS_DIR_PROPERTY));
        for (String plugin : new String[] {"rules-access-control", "vault-authenticator", "audit-event-listener"}) {
            try (Stream<Path> jars = Files.list(plugins.resolve(plugin))) {
                assertThat(jars.map(path -> path.getFileName().toString()).toList())
                        .as("jars of %s", plugin)
                        .anyMatch(name -> name.startsWith(plugin + "-") && name.endsWith("-services.jar"))
                        // the SPI and the libraries Trino shares with plugins must come from Trino, never from the plugin
                        .noneMatch(name -> name.contains("trino-spi"))
                        .noneMatch(name -> name.contains("jackson-annotations"))
                        .noneMatch(name -> name.contains("opentelemetry-api"))
                        .noneMatch(name -> name.contains("opentelemetry-context"))
                        .noneMatch(name -> name.contains("slice"));
            }
        }
    }
}
