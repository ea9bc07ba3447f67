package dev.trinobundle.it.accesscontrol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trinobundle.testing.TrinoServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.trinobundle.it.accesscontrol.AccessControlProbe.query;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.TestInstance.Lifecycle.PER_CLASS;

/**
 * Group rules on a real Trino 476 with Trino's own {@code file} group provider, logged in the normal way (password
 * over HTTPS): the authenticated identity Trino hands {@code checkCanImpersonateUser} has no groups
 * (trinodb/trino#19598), so before the fix the contractor's deny rule never matched and she became
 * {@code report_finance} by sending {@code X-Trino-User} alone. The access control reads the same
 * {@code etc/group-provider.properties} as Trino (no property points it there: the default is Trino's path).
 */
@TestInstance(PER_CLASS)
@Tag("server")
final class TestGroupsOnTrino
{
    static final String RULES = """
            {
              "tables": [
                {"group": "analysts", "catalog": "tpch", "schema": "tiny", "table": "nation", "privileges": ["SELECT"], "filter": "regionkey = 1"},
                {"privileges": ["SELECT"]}
              ],
              "impersonation": [
                {"original_group": "contractors", "new_user": ".*", "allow": false},
                {"original_user": "admin", "new_user": ".*"},
                {"original_group": "admins", "new_user": "alice"},
                {"original_user": ".*", "new_user": "report_.*"}
              ]
            }
            """;

    private static final Map<String, String> PASSWORDS = Map.of(
            "admin", "secret", "carol", "carolpw", "alice", "alicepw", "svc_bi", "svcpw", "dave", "davepw");

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private TrinoServer server;

    @BeforeAll
    void startServer()
    {
        TrinoServer.Builder builder = TrinoServer.builder();
        server = builder
                .withBundledPlugins("tpch")
                .withBundlePlugins("rules-access-control")
                .withCatalog("tpch", Map.of("connector.name", "tpch"))
                .withEtcFile("rules.json", RULES)
                .withEtcFile("groups.txt", "contractors:carol\nanalysts:alice\nadmins:svc_bi\n")
                .withEtcProperties("group-provider.properties", Map.of(
                        "group-provider.name", "file",
                        "file.group-file", builder.etcDir().resolve("groups.txt").toString()))
                .withEtcProperties("access-control.properties", Map.of(
                        "access-control.name", "rules",
                        "security.config-file", builder.etcDir().resolve("rules.json").toString()))
                .withFilePasswords(PASSWORDS)
                .start();
    }

    @AfterAll
    void stopServer()
    {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void testContractorIsDeniedThroughJdbc()
            throws SQLException
    {
        try (Connection connection = server.connect("carol", "carolpw", Map.of("sessionUser", "report_finance"))) {
            assertThatThrownBy(() -> query(connection, "SELECT current_user"))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("Access Denied: User carol cannot impersonate user report_finance: denied by rule impersonation[0]");
        }
        // the positive control: a user in no group becomes report_finance by the last rule
        try (Connection connection = server.connect("dave", "davepw", Map.of("sessionUser", "report_finance"))) {
            assertThat(query(connection, "SELECT current_user")).containsExactly("report_finance");
        }
    }

    @Test
    void testContractorIsDeniedWithXTrinoUserAlone()
            throws Exception
    {
        // the reproduction: REST protocol, X-Trino-User only, no X-Trino-Original-User
        JsonNode denied = run("carol:carolpw", "report_finance");
        assertThat(denied.at("/stats/state").asText()).isEqualTo("FAILED");
        assertThat(denied.at("/error/message").asText()).isEqualTo("Access Denied: User carol cannot impersonate user report_finance: denied by rule impersonation[0]");

        JsonNode allowed = run("dave:davepw", "report_finance");
        assertThat(allowed.at("/stats/state").asText()).isEqualTo("FINISHED");
    }

    @Test
    void testAdminGroupServiceUserImpersonatesPerGroupRule()
            throws SQLException
    {
        try (Connection connection = server.connect("svc_bi", "svcpw", Map.of("sessionUser", "alice"))) {
            assertThat(query(connection, "SELECT current_user")).containsExactly("alice");
        }
        try (Connection connection = server.connect("svc_bi", "svcpw", Map.of("sessionUser", "bob"))) {
            assertThatThrownBy(() -> query(connection, "SELECT current_user"))
                    .hasMessageContaining("Access Denied: User svc_bi cannot impersonate user bob");
        }
    }

    @Test
    void testGroupTableRuleAppliesToImpersonatedUser()
            throws SQLException
    {
        // alice's session identity gets her groups from Trino's group provider: the analysts' row filter applies
        try (Connection connection = server.connect("admin", "secret", Map.of("sessionUser", "alice"))) {
            assertThat(query(connection, "SELECT count(*) FROM tpch.tiny.nation")).containsExactly("5");
        }
        try (Connection connection = server.connect("admin", "secret")) {
            assertThat(query(connection, "SELECT count(*) FROM tpch.tiny.nation")).containsExactly("25");
        }
    }

    /** POST /v1/statement with Basic credentials and X-Trino-User, then the nextUri polls: the last answer. */
    private JsonNode run(String credentials, String sessionUser)
            throws Exception
    {
        String certificate = server.certificatePem().orElseThrow().toString();
        JsonNode response = MAPPER.readTree(curl("--cacert", certificate, "-u", credentials, "-H", "X-Trino-User: " + sessionUser,
                "--data", "SELECT 1", server.httpsUri().orElseThrow() + "/v1/statement"));
        while (response.has("nextUri")) {
            response = MAPPER.readTree(curl("--cacert", certificate, response.get("nextUri").asText()));
        }
        return response;
    }

    private static String curl(String... arguments)
            throws Exception
    {
        List<String> command = new ArrayList<>(List.of("curl", "--silent", "--show-error", "--fail-with-body"));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as("%s", output).isZero();
        return output;
    }
}
