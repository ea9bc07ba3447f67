package dev.trinobundle.it.accesscontrol;

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
import static dev.trinobundle.it.accesscontrol.AccessControlProbe.PASSWORDS;
import static dev.trinobundle.it.accesscontrol.AccessControlProbe.rules;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.TestInstance.Lifecycle.PER_CLASS;

/**
 * {@code security.on-invalid-rules=deny-all} in a real Trino 476 over HTTPS and trino-jdbc: while the rules file is
 * invalid every query is denied with the file's error, and the first valid edit restores service without a restart.
 */
@Tag("server")
@TestInstance(PER_CLASS)
final class TestRulesAccessControlDenyAll
{
    private TrinoServer server;
    private Path rulesFile;
    private AccessControlProbe probe;

    @BeforeAll
    void startServer()
    {
        server = SharedTrinoServers.getOrStart("access-control-deny-all", () -> {
            TrinoServer.Builder builder = TrinoServer.builder();
            Path rules = builder.etcDir().resolve("rules.json");
            return builder
                    .withBundledPlugins("tpch")
                    .withBundlePlugins("rules-access-control")
                    .withCatalog("tpch", Map.of("connector.name", "tpch"))
                    .withEtcFile("rules.json", rules(ANY_USER))
                    .withEtcProperties("access-control.properties", Map.of(
                            "access-control.name", "rules",
                            "security.config-file", rules.toString(),
                            "security.refresh-period", "1s",
                            "security.on-invalid-rules", "deny-all"))
                    .withFilePasswords(PASSWORDS);
        });
        rulesFile = server.etcDir().resolve("rules.json");
        probe = new AccessControlProbe(server);
    }

    @Test
    void testInvalidFileDeniesEverythingUntilFixed()
            throws Exception
    {
        Files.writeString(rulesFile, rules(ANY_USER));
        probe.awaitTrue("valid rules in force", () -> probe.canImpersonate("alice@example.com"));
        long pid = server.pid();

        Files.writeString(rulesFile, rules(ANY_USER).replace("\"new_user\": \".*\"}", "\"new_user\": \".*\"},"));
        probe.awaitTrue("admin denied while the file is invalid", () -> probe.failureImpersonating("admin", "SELECT 1")
                .contains("every check is denied until it is fixed (security.on-invalid-rules=deny-all)"));
        assertThat(probe.failureImpersonating("alice@example.com", "SELECT 1"))
                .contains("Access Denied: Principal admin cannot become user alice@example.com")
                .containsPattern("the rules file rules\\.json:\\d+:\\d+ is invalid since ")
                .doesNotContain(rulesFile.toString());

        Files.writeString(rulesFile, rules(ANY_USER));
        probe.awaitTrue("service restored by a valid edit", () -> probe.canImpersonate("alice@example.com"));
        assertThat(server.pid()).as("server was not restarted").isEqualTo(pid);
    }
}
