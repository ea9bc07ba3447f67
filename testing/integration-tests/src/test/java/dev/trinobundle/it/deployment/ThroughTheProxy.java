package dev.trinobundle.it.deployment;

import com.fasterxml.jackson.databind.JsonNode;
import dev.trinobundle.testing.AuditLogFiles;
import dev.trinobundle.testing.TrinoServer;
import io.airlift.units.Duration;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static io.trino.testing.assertions.Assert.assertEventually;
import static java.util.Objects.requireNonNull;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

/** Clients of a Trino behind the TLS-terminating proxy, as the seed's clients reach it, and what they leave behind. */
record ThroughTheProxy(TlsTerminatingNginx nginx)
{
    ThroughTheProxy
    {
        requireNonNull(nginx, "nginx is null");
    }

    String jdbcUrl()
    {
        return "jdbc:trino://localhost:" + nginx.port();
    }

    /** trino-jdbc over the proxy's HTTPS (its certificate trusted) with these further connection properties. */
    Connection connect(Map<String, String> properties)
            throws SQLException
    {
        Properties all = new Properties();
        all.setProperty("SSL", "true");
        all.setProperty("SSLTrustStorePath", nginx.certificatePem().toString());
        all.putAll(properties);
        return DriverManager.getConnection(jdbcUrl(), all);
    }

    Path accessLog()
    {
        return nginx.certificatePem().getParent().resolve("access.log");
    }

    /** Where {@code /ui/} of this server sends a browser that came through the proxy (its forwarded headers, straight to the HTTP port). */
    String uiRedirect(TrinoServer server)
            throws Exception
    {
        HttpClient client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
        HttpRequest request = HttpRequest.newBuilder(server.httpUri().resolve("/ui/"))
                .header("X-Forwarded-Proto", "https")
                .header("X-Forwarded-Host", "localhost:" + nginx.port())
                .header("X-Forwarded-Port", String.valueOf(nginx.port()))
                .build();
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isBetween(300, 399);
        String location = response.headers().firstValue("Location").orElseThrow();
        return URI.create("https://localhost:" + nginx.port() + "/ui/").resolve(location).toString();
    }

    static List<String> column(Statement statement, String sql)
            throws SQLException
    {
        List<String> values = new ArrayList<>();
        try (ResultSet rows = statement.executeQuery(sql)) {
            while (rows.next()) {
                values.add(rows.getString(1));
            }
        }
        return values;
    }

    /** The one {@code completed} record of the query whose text contains the marker, from the listener's JSON Lines. */
    static JsonNode awaitCompletedRecord(Path auditLog, String marker)
    {
        List<JsonNode> found = new ArrayList<>();
        assertEventually(new Duration(60, SECONDS), () -> {
            found.clear();
            AuditLogFiles.records(auditLog).stream()
                    .filter(record -> record.path("kind").asText().equals("completed"))
                    .filter(record -> record.at("/query/sql").asText().contains(marker))
                    .forEach(found::add);
            assertThat(found).as("completed audit record for %s in %s", marker, auditLog).hasSize(1);
        });
        return found.getFirst();
    }
}
