package dev.trinobundle.it.accesscontrol;

import dev.trinobundle.testing.SharedTrinoServers;
import dev.trinobundle.testing.TrinoServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.trinobundle.it.accesscontrol.AccessControlProbe.ANY_USER;
import static dev.trinobundle.it.accesscontrol.AccessControlProbe.COMPANY_AND_EXAMPLE_USERS;
import static dev.trinobundle.it.accesscontrol.AccessControlProbe.COMPANY_USERS;
import static dev.trinobundle.it.accesscontrol.AccessControlProbe.PASSWORDS;
import static dev.trinobundle.it.accesscontrol.AccessControlProbe.rules;
import static java.nio.file.StandardCopyOption.ATOMIC_MOVE;
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

    private final AtomicInteger version = new AtomicInteger();
    private TrinoServer server;
    private Path mountDir;
    private Path rulesFile;
    private AccessControlProbe probe;

    @BeforeAll
    void startServer()
    {
        server = SharedTrinoServers.getOrStart("access-control-configmap-" + ACCESS_CONTROL_NAME, () -> {
            TrinoServer.Builder builder = TrinoServer.builder();
            Path mount = builder.etcDir().resolve("rules-configmap");
            publish(mount, rules(ANY_USER));
            return builder
                    .withBundledPlugins("tpch")
                    .withBundlePlugins("rules-access-control")
                    .withCatalog("tpch", Map.of("connector.name", "tpch"))
                    .withCatalog("restricted", Map.of("connector.name", "tpch"))
                    .withEtcProperties("access-control.properties", Map.of(
                            "access-control.name", ACCESS_CONTROL_NAME,
                            "security.config-file", mount.resolve("rules.json").toString(),
                            "security.refresh-period", "1h"))
                    .withFilePasswords(PASSWORDS);
        });
        mountDir = server.etcDir().resolve("rules-configmap");
        rulesFile = mountDir.resolve("rules.json");
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
        publish(mountDir, "{\"impersonation\": [");
        probe.awaitTrue("an ERROR naming " + rulesFile, () -> probe.hasErrorNaming(rulesFile, logOffset));
        assertThat(probe.canImpersonate("carol@company.com")).isTrue();
        assertThat(probe.isDeniedImpersonating("alice@example.com")).isTrue();

        publishAndAwait(rules(COMPANY_AND_EXAMPLE_USERS), () -> probe.canImpersonate("alice@example.com"));
        assertThat(server.pid()).as("server was not restarted").isEqualTo(pid);
    }

    private void publishAndAwait(String rules, AccessControlProbe.Condition inEffect)
            throws Exception
    {
        publish(mountDir, rules);
        probe.awaitTrue("the ConfigMap update to take effect", inEffect);
    }

    /**
     * Does what the kubelet's atomic writer does: writes the content into a fresh {@code ..<timestamp>} directory,
     * points a temporary symlink at it, renames that symlink over {@code ..data}, then removes the old directory.
     * {@code rules.json} is a symlink to {@code ..data/rules.json} and is itself never written.
     */
    private void publish(Path mount, String rules)
    {
        try {
            Files.createDirectories(mount);
            Path dataLink = mount.resolve("..data");
            Path previous = Files.isSymbolicLink(dataLink) ? mount.resolve(Files.readSymbolicLink(dataLink)) : null;

            String versionName = "..2026_11_25_00_00_00.%09d".formatted(version.incrementAndGet());
            Path versionDir = Files.createDirectory(mount.resolve(versionName));
            Files.writeString(versionDir.resolve("rules.json"), rules);

            Path newLink = mount.resolve("..data_tmp");
            Files.deleteIfExists(newLink);
            Files.createSymbolicLink(newLink, Path.of(versionName));
            Files.move(newLink, dataLink, ATOMIC_MOVE);

            Path rulesLink = mount.resolve("rules.json");
            if (!Files.isSymbolicLink(rulesLink)) {
                Files.createSymbolicLink(rulesLink, Path.of("..data/rules.json"));
            }
            if (previous != null) {
                Files.delete(previous.resolve("rules.json"));
                Files.delete(previous);
            }
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
