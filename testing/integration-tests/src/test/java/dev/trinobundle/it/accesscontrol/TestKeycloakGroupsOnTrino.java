package dev.trinobundle.it.accesscontrol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.trinobundle.testing.TestingKeycloakServer;
import dev.trinobundle.testing.TrinoServer;
import io.airlift.units.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;

import static dev.trinobundle.it.accesscontrol.AccessControlProbe.query;
import static io.trino.testing.assertions.Assert.assertEventually;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.TestInstance.Lifecycle.PER_CLASS;

/**
 * {@code group-provider.name=keycloak} on a real Trino 476 against a real Keycloak 26 (the shipped realm plus the
 * shipped {@code client-trino-groups.json}, users in nested groups). Group paths: alice is in {@code /analysts/emea}
 * and so in {@code /analysts}. The TTL is 3s and the stale window 10s so that expiry is observable; the last test
 * stops Keycloak.
 */
@TestInstance(PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Tag("server")
final class TestKeycloakGroupsOnTrino
{
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String REALM = "trino";
    private static final String RULES = """
            {
              "tables": [
                {"group": "/analysts", "catalog": "tpch", "schema": "tiny", "table": "nation", "privileges": ["SELECT"], "filter": "regionkey = 1"},
                {"privileges": ["SELECT"]}
              ],
              "impersonation": [
                {"original_group": "/contractors", "new_user": ".*", "allow": false},
                {"original_user": "admin", "new_user": ".*"},
                {"original_group": "/admins", "new_user": "alice"},
                {"original_user": ".*", "new_user": "report_.*"}
              ]
            }
            """;
    private static final Map<String, String> PASSWORDS = Map.of(
            "admin", "secret", "carol", "carolpw", "alice", "alicepw", "svc_bi", "svcpw", "dave", "davepw");

    private TestingKeycloakServer keycloak;
    private TrinoServer server;

    @BeforeAll
    void start()
            throws Exception
    {
        keycloak = TestingKeycloakServer.start(Map.of("realm-trino.json", realmWithGroups()));
        TrinoServer.Builder builder = TrinoServer.builder();
        server = builder
                .withBundledPlugins("tpch")
                .withBundlePlugins("rules-access-control")
                .withCatalog("tpch", Map.of("connector.name", "tpch"))
                .withEtcFile("rules.json", RULES)
                .withEnvironment("KEYCLOAK_GROUPS_CLIENT_SECRET", keycloak.clientSecret(REALM, "trino-groups"))
                .withEtcProperties("group-provider.properties", Map.of(
                        "group-provider.name", "keycloak",
                        "keycloak.url", keycloak.baseUri().toString(),
                        "keycloak.realm", REALM,
                        "keycloak.client-id", "trino-groups",
                        "keycloak.client-secret", "${ENV:KEYCLOAK_GROUPS_CLIENT_SECRET}",
                        "keycloak.trust-certificate-file", keycloak.certificatePem().toString(),
                        "keycloak.cache-ttl", "3s",
                        "keycloak.stale-window", "10s",
                        "keycloak.lookup-timeout", "2s"))
                .withEtcProperties("access-control.properties", Map.of(
                        "access-control.name", "rules",
                        "security.config-file", builder.etcDir().resolve("rules.json").toString()))
                .withFilePasswords(PASSWORDS)
                .start();
    }

    @AfterAll
    void stop()
    {
        if (server != null) {
            server.close();
        }
        if (keycloak != null) {
            keycloak.close();
        }
    }

    /** The shipped realm (with the group-provider client and nested groups), plus members of those groups. */
    private static String realmWithGroups()
            throws Exception
    {
        Path keycloakDir = Path.of("").toAbsolutePath().resolve("../../deployment/keycloak").normalize();
        ObjectNode realm = (ObjectNode) MAPPER.readTree(Files.readString(keycloakDir.resolve("realm-trino.json")));
        // the realm ships the client, its service account (view-users) and the groups; the client file is the same client
        JsonNode client = MAPPER.readTree(Files.readString(keycloakDir.resolve("client-trino-groups.json")));
        assertThat(realm.get("clients")).contains(client);
        ArrayNode users = (ArrayNode) realm.get("users");
        for (JsonNode user : users) {
            if (user.path("username").asText().equals("alice")) {
                ((ObjectNode) user).set("groups", MAPPER.readTree("[\"/analysts/emea\"]"));
            }
        }
        users.add(MAPPER.readTree("{\"username\": \"carol\", \"enabled\": true, \"groups\": [\"/contractors\"]}"));
        users.add(MAPPER.readTree("{\"username\": \"svc_bi\", \"enabled\": true, \"groups\": [\"/admins\"]}"));
        users.add(MAPPER.readTree("{\"username\": \"dave\", \"enabled\": true}"));
        return MAPPER.writeValueAsString(realm);
    }

    @Test
    @Order(1)
    void testContractorInKeycloakGroupIsDenied()
            throws SQLException
    {
        try (Connection connection = server.connect("carol", "carolpw", Map.of("sessionUser", "report_finance"))) {
            assertThatThrownBy(() -> query(connection, "SELECT current_user"))
                    .hasMessageContaining("Access Denied: User carol cannot impersonate user report_finance: denied by rule impersonation[0]");
        }
        try (Connection connection = server.connect("dave", "davepw", Map.of("sessionUser", "report_finance"))) {
            assertThat(query(connection, "SELECT current_user")).containsExactly("report_finance");
        }
    }

    @Test
    @Order(2)
    void testAdminGroupServiceUserImpersonates()
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
    @Order(3)
    void testNestedGroupTableRuleAndRemovalWithinTtl()
            throws SQLException
    {
        assertThat(nationRowsAs("alice")).isEqualTo("5");
        assertThat(nationRowsAs("dave")).isEqualTo("25");

        String aliceId = keycloak.admin("GET", "/admin/realms/trino/users?exact=true&username=alice", null).get(0).get("id").asText();
        String emeaId = keycloak.admin("GET", "/admin/realms/trino/users/%s/groups".formatted(aliceId), null).get(0).get("id").asText();
        keycloak.admin("DELETE", "/admin/realms/trino/users/%s/groups/%s".formatted(aliceId, emeaId), null);

        // TTL 3s: the filter is gone well within the poll's 10s
        assertEventually(new Duration(10, SECONDS), () -> assertThat(nationRowsAs("alice")).isEqualTo("25"));
    }

    @Test
    @Order(4)
    void testKeycloakStoppedInsideThenBeyondStaleWindow()
            throws SQLException
    {
        assertThatThrownBy(() -> impersonateAs("carol", "report_finance")).hasMessageContaining("denied by rule impersonation[0]");
        assertThat(impersonateAs("dave", "report_finance")).isEqualTo("report_finance");
        keycloak.close();

        // inside the stale window (TTL 3s + 10s from the lookups just made): the last known groups still decide
        assertThatThrownBy(() -> impersonateAs("carol", "report_finance")).hasMessageContaining("denied by rule impersonation[0]");
        assertThat(impersonateAs("dave", "report_finance")).isEqualTo("report_finance");

        // beyond it nobody's groups are known: requests are rejected, never decided as if the user were in no group
        assertEventually(new Duration(60, SECONDS), () -> assertThatThrownBy(() -> impersonateAs("dave", "report_finance"))
                .hasMessageContaining("Keycloak"));
        assertThatThrownBy(() -> impersonateAs("carol", "report_finance")).hasMessageContaining("Keycloak");
    }

    private String nationRowsAs(String user)
            throws SQLException
    {
        try (Connection connection = server.connect("admin", "secret", Map.of("sessionUser", user))) {
            return query(connection, "SELECT count(*) FROM tpch.tiny.nation").getFirst();
        }
    }

    private String impersonateAs(String user, String sessionUser)
            throws SQLException
    {
        try (Connection connection = server.connect(user, PASSWORDS.get(user), Map.of("sessionUser", sessionUser))) {
            return query(connection, "SELECT current_user").getFirst();
        }
    }
}
