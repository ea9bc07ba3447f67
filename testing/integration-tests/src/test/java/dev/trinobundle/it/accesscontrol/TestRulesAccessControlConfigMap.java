package dev.trinobundle.it.accesscontrol;

import dev.trinobundle.it.deployment.ConfigMapVolume;
import dev.trinobundle.testing.SharedTrinoServers;
import dev.trinobundle.testing.TrinoServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static dev.trinobundle.it.accesscontrol.AccessControlProbe.ANY_USER;
import static dev.trinobundle.it.accesscontrol.AccessControlProbe.COMPANY_AND_EXAMPLE_USERS;
import static dev.trinobundle.it.accesscontrol.AccessControlProbe.COMPANY_USERS;
import static dev.trinobundle.it.accesscontrol.AccessControlProbe.PASSWORDS;
import static dev.trinobundle.it.accesscontrol.AccessControlProbe.rules;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.TestInstance.Lifecycle.PER_CLASS;

/**
 * The rules file mounted from a Kubernetes ConfigMap: the kubelet never writes {@code rules.json}, it writes a new
 * timestamped directory and atomically swaps the {@code ..data} symlink that {@code rules.json} points through. The
 * refresh period is an hour, so the changes below can only be seen in time by watching the file.
 */
@TestInstance(PER_CLASS)
@Tag("server")
final class TestRulesAccessControlConfigMap
{
    private static final String ACCESS_CONTROL_NAME = System.getProperty("it.access-control.name", "rules");

    private TrinoServer server;
    private ConfigMapVolume configMap;
    private Path rulesFile;
    private AccessControlProbe probe;

    @BeforeAll
    void startServer()
    {
        server = SharedTrinoServers.getOrStart("access-control-configmap-" + ACCESS_CONTROL_NAME, () -> {
            TrinoServer.Builder builder = TrinoServer.builder();
            ConfigMapVolume mount = new ConfigMapVolume(builder.etcDir().resolve("rules-configmap"), "rules.json");
            mount.publish(rules(ANY_USER));
            return builder
                    .withBundledPlugins("tpch")
                    .withBundlePlugins("rules-access-control")
                    .withCatalog("tpch", Map.of("connector.name", "tpch"))
                    .withCatalog("restricted", Map.of("connector.name", "tpch"))
                    .withEtcProperties("access-control.properties", Map.of(
                            "access-control.name", ACCESS_CONTROL_NAME,
                            "security.config-file", mount.file().toString(),
                            "security.refresh-period", "1h"))
                    .withFilePasswords(PASSWORDS);
        });
        // the server may be shared: continue its volume (the version directories are found through ..data)
        configMap = new ConfigMapVolume(server.etcDir().resolve("rules-configmap"), "rules.json");
        rulesFile = configMap.file();
        probe = new AccessControlProbe(server);
    }

    @Test
    void testConfigMapUpdatesApplyWithoutRestart()
            throws Exception
    {
        assertThat(Files.isSymbolicLink(rulesFile)).isTrue();
        publishAndAwait(rules(ANY_USER), () -> probe.canImpersonate("alice@example.com"));
        long pid = server.pid();

        publishAndAwait(rules(COMPANY_USERS), () -> probe.isDeniedImpersonating("alice@example.com"));
        assertThat(probe.canImpersonate("carol@company.com")).isTrue();

        // A broken ConfigMap: the last good rules stay in force, and the error names the configured file.
        long logOffset = probe.serverLogSize();
        configMap.publish("{\"impersonation\": [");
        probe.awaitTrue("an ERROR naming " + rulesFile, () -> probe.hasErrorNaming(rulesFile, logOffset));
        assertThat(probe.canImpersonate("carol@company.com")).isTrue();
        assertThat(probe.isDeniedImpersonating("alice@example.com")).isTrue();

        publishAndAwait(rules(COMPANY_AND_EXAMPLE_USERS), () -> probe.canImpersonate("alice@example.com"));
        assertThat(server.pid()).as("server was not restarted").isEqualTo(pid);
    }

    private void publishAndAwait(String rules, AccessControlProbe.Condition inEffect)
            throws Exception
    {
        configMap.publish(rules);
        probe.awaitTrue("the ConfigMap update to take effect", inEffect);
    }
}
