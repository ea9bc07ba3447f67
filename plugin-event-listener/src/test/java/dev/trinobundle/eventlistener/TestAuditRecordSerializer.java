package dev.trinobundle.eventlistener;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.trino.spi.eventlistener.QueryCompletedEvent;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Optional;

import static dev.trinobundle.testing.QueryEvents.accessDenied;
import static dev.trinobundle.testing.QueryEvents.completed;
import static dev.trinobundle.testing.QueryEvents.context;
import static dev.trinobundle.testing.QueryEvents.created;
import static org.assertj.core.api.Assertions.assertThat;

final class TestAuditRecordSerializer
{
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final AuditRecordSerializer serializer = new AuditRecordSerializer(new AuditEventListenerConfig().setMaxQueryTextLength(1000));

    @Test
    void testCompletedRecord()
            throws IOException
    {
        JsonNode record = MAPPER.readTree(TestingAuditEvents.serialize(serializer, completed("q1")));

        assertThat(record.get("kind").asText()).isEqualTo("completed");
        assertThat(record.get("eventTime").asText()).isEqualTo("2026-01-02T03:04:06.500Z");

        JsonNode identity = record.get("identity");
        assertThat(identity.get("principal").asText()).isEqualTo("admin");
        assertThat(identity.get("user").asText()).isEqualTo("alice");
        assertThat(identity.get("originalUser").asText()).isEqualTo("alice");
        assertThat(identity.get("impersonated").asBoolean()).isTrue();
        assertThat(identity.get("groups").toString()).isEqualTo("[\"bi\",\"finance\"]");
        assertThat(identity.get("roles").toString()).isEqualTo("[\"role_a\",\"role_b\"]");
        assertThat(identity.get("originalRoles").toString()).isEqualTo("[\"analyst\"]");

        JsonNode client = record.get("client");
        assertThat(client.get("source").asText()).isEqualTo("superset");
        assertThat(client.get("clientInfo").asText()).isEqualTo("{\"dashboard\":\"sales\"}");
        assertThat(client.get("tags").toString()).isEqualTo("[\"tag1\",\"tag2\"]");
        assertThat(client.get("userAgent").asText()).isEqualTo("Trino JDBC Driver/476");
        assertThat(client.get("remoteAddress").asText()).isEqualTo("10.1.2.3");
        assertThat(client.get("traceToken").asText()).isEqualTo("trace-1");

        JsonNode query = record.get("query");
        assertThat(query.get("id").asText()).isEqualTo("q1");
        assertThat(query.get("sql").asText()).isEqualTo("SELECT name FROM nation");
        assertThat(query.get("sqlTruncated").asBoolean()).isFalse();
        assertThat(query.get("type").asText()).isEqualTo("SELECT");
        assertThat(query.get("catalog").asText()).isEqualTo("tpch");
        assertThat(query.get("schema").asText()).isEqualTo("tiny");
        assertThat(query.get("resourceGroup").asText()).isEqualTo("global.bi");
        assertThat(query.get("state").asText()).isEqualTo("FINISHED");
        assertThat(query.get("error").isNull()).isTrue();
        assertThat(query.get("createTime").asText()).isEqualTo("2026-01-02T03:04:05.123Z");
        assertThat(query.get("executionStartTime").asText()).isEqualTo("2026-01-02T03:04:05.200Z");
        assertThat(query.get("endTime").asText()).isEqualTo("2026-01-02T03:04:06.500Z");
        assertThat(query.get("wallTimeMillis").asLong()).isEqualTo(1300);
        assertThat(query.get("cpuTimeMillis").asLong()).isEqualTo(420);
        assertThat(query.get("rowsRead").asLong()).isEqualTo(25);
        assertThat(query.get("bytesRead").asLong()).isEqualTo(2500);
        assertThat(query.get("rowsWritten").asLong()).isEqualTo(25);
        assertThat(query.get("bytesWritten").asLong()).isEqualTo(300);

        JsonNode objects = record.get("objects");
        assertThat(objects.get("read").toString())
                .isEqualTo("[{\"catalog\":\"tpch\",\"schema\":\"tiny\",\"table\":\"nation\",\"columns\":[\"name\",\"regionkey\"]}]");
        assertThat(objects.get("written").toString())
                .isEqualTo("[{\"catalog\":\"memory\",\"schema\":\"default\",\"table\":\"nation_copy\",\"columns\":[\"name\"]}]");
        assertThat(objects.get("referenced").get(0).get("table").asText()).isEqualTo("nation");

        JsonNode server = record.get("server");
        assertThat(server.get("environment").asText()).isEqualTo("production");
        assertThat(server.get("version").asText()).isEqualTo("476");
    }

    @Test
    void testCreatedRecord()
            throws IOException
    {
        JsonNode record = MAPPER.readTree(TestingAuditEvents.serialize(serializer, created("q2")));

        assertThat(record.get("kind").asText()).isEqualTo("created");
        assertThat(record.get("eventTime").asText()).isEqualTo("2026-01-02T03:04:05.123Z");
        assertThat(record.get("identity").get("impersonated").asBoolean()).isTrue();
        assertThat(record.get("query").get("state").asText()).isEqualTo("QUEUED");
        assertThat(record.get("query").get("wallTimeMillis").isNull()).isTrue();
        assertThat(record.get("objects").get("read").isEmpty()).isTrue();
    }

    @Test
    void testFailedQueryCarriesError()
            throws IOException
    {
        JsonNode record = MAPPER.readTree(TestingAuditEvents.serialize(serializer, 
                completed("q3", context("bob", "alice", "alice"), "SELECT 1", Optional.of(accessDenied()))));

        JsonNode error = record.get("query").get("error");
        assertThat(record.get("query").get("state").asText()).isEqualTo("FAILED");
        assertThat(error.get("code").asText()).isEqualTo("PERMISSION_DENIED");
        assertThat(error.get("codeNumber").asInt()).isEqualTo(4);
        assertThat(error.get("type").asText()).isEqualTo("USER_ERROR");
        assertThat(error.get("failureType").asText()).isEqualTo("io.trino.spi.security.AccessDeniedException");
        assertThat(error.get("message").asText()).isEqualTo("Access Denied: User bob cannot impersonate user alice");
    }

    @Test
    void testImpersonatedFlag()
            throws IOException
    {
        assertThat(impersonated(context("admin", "admin", "admin"))).isFalse();
        assertThat(impersonated(context("admin", "alice", "admin"))).isTrue();
        // no authenticated principal (insecure cluster): nothing proves an impersonation
        assertThat(impersonated(context(null, "alice", "alice"))).isFalse();
    }

    private boolean impersonated(io.trino.spi.eventlistener.QueryContext context)
            throws IOException
    {
        return MAPPER.readTree(TestingAuditEvents.serialize(serializer, completed("q", context, "SELECT 1", Optional.empty())))
                .get("identity").get("impersonated").asBoolean();
    }

    @Test
    void testSqlTruncated()
            throws IOException
    {
        String sql = "SELECT '" + "x".repeat(50) + "'";
        JsonNode query = MAPPER.readTree(TestingAuditEvents.serialize(new AuditRecordSerializer(new AuditEventListenerConfig().setMaxQueryTextLength(10)), completed("q", context("a", "a", "a"), sql, Optional.empty())))
                .get("query");

        assertThat(query.get("sql").asText()).isEqualTo("SELECT 'xx");
        assertThat(query.get("sqlTruncated").asBoolean()).isTrue();
        assertThat(query.get("sqlLength").asInt()).isEqualTo(sql.length());
    }

    @Test
    void testTruncationKeepsSurrogatePairsWhole()
            throws IOException
    {
        // the limit falls between the two halves of the emoji: the kept text ends before it
        String sql = "SELECT '😀😀😀'";
        JsonNode query = MAPPER.readTree(TestingAuditEvents.serialize(new AuditRecordSerializer(new AuditEventListenerConfig().setMaxQueryTextLength(9)), completed("q", context("a", "a", "a"), sql, Optional.empty())))
                .get("query");

        assertThat(query.get("sql").asText()).isEqualTo("SELECT '");
        assertThat(query.get("sqlTruncated").asBoolean()).isTrue();
    }

    @Test
    void testHostileTextStaysInItsField()
            throws IOException
    {
        // a user controls the query text and the client info: they must not be able to forge other fields
        String sql = "SELECT 1 -- \"}, \"identity\": {\"user\": \"root\"}\n\u0000\ud800";
        QueryCompletedEvent event = completed("q", context("admin", "alice", "alice"), sql, Optional.empty());
        JsonNode record = MAPPER.readTree(TestingAuditEvents.serialize(serializer, event));

        assertThat(record.get("query").get("sql").asText()).isEqualTo(sql);
        assertThat(record.get("identity").get("user").asText()).isEqualTo("alice");
        assertThat(record.get("identity").get("principal").asText()).isEqualTo("admin");
    }

    @Test
    void testEqualEventsGiveEqualBytes()
    {
        // sets arrive in arbitrary order; the serialized form must not depend on it
        assertThat(TestingAuditEvents.serialize(serializer, completed("q1"))).isEqualTo(TestingAuditEvents.serialize(serializer, completed("q1")));
    }
}
