package dev.trinobundle.accesscontrol.groups;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.collect.ImmutableSet;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static java.net.URLEncoder.encode;
import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

/**
 * Keycloak's Admin REST API as a service account: {@code users?username=&exact=true} then {@code users/{id}/groups}
 * (direct memberships, brief representation, paged). Messages name the HTTP status and the user, never the secret or
 * a token.
 */
final class KeycloakClient
{
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final int PAGE = 100;
    // a token is renewed this long before Keycloak says it expires
    private static final long TOKEN_MARGIN_NANOS = Duration.ofSeconds(30).toNanos();

    private final URI base;
    private final String realm;
    private final String clientId;
    private final String clientSecret;
    private final KeycloakGroupProviderConfig.GroupFormat format;
    private final boolean includeParents;
    private final Duration timeout;
    private final HttpClient client;
    private String token;
    private long tokenExpiresNanos;

    KeycloakClient(KeycloakGroupProviderConfig config, String clientSecret)
    {
        this.base = URI.create(config.getUrl().toString().replaceAll("/+$", "") + "/");
        this.realm = config.getRealm();
        this.clientId = config.getClientId();
        this.clientSecret = requireNonNull(clientSecret, "clientSecret is null");
        this.format = config.getGroupFormat();
        this.includeParents = config.isIncludeParentGroups();
        this.timeout = config.getLookupTimeout().toJavaTime();
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER);
        if (config.getTrustCertificateFile() != null) {
            builder.sslContext(trusting(Path.of(config.getTrustCertificateFile())));
        }
        this.client = builder.build();
    }

    /** The user's groups; empty when the realm has no such user (such a user can be in no group). */
    Optional<Set<String>> groups(String user)
            throws IOException, InterruptedException
    {
        String realmPath = "admin/realms/" + encode(realm, UTF_8) + "/";
        JsonNode users = get(realmPath + "users?briefRepresentation=true&exact=true&username=" + encode(user, UTF_8), user);
        String id = idOf(users, user);
        if (id == null) {
            return Optional.empty();
        }
        ImmutableSet.Builder<String> groups = ImmutableSet.builder();
        for (int first = 0; ; first += PAGE) {
            JsonNode page = get(realmPath + "users/" + encode(id, UTF_8) + "/groups?briefRepresentation=true&first=" + first + "&max=" + PAGE, user);
            for (JsonNode group : page) {
                addGroup(groups, group.path("path").asText(group.path("name").asText()));
            }
            if (page.size() < PAGE) {
                return Optional.of(groups.build());
            }
        }
    }

    /**
     * The id of the user named exactly {@code user}. Keycloak's {@code exact=true} still matches case-insensitively
     * (it lower-cases user names), but Trino's user names are case-sensitive: {@code ALICE} is not {@code alice} and
     * must not get her groups (an impersonation rule may allow one and not the other).
     */
    static String idOf(JsonNode users, String user)
    {
        for (JsonNode candidate : users) {
            if (candidate.path("username").asText().equals(user)) {
                return candidate.path("id").asText();
            }
        }
        return null;
    }

    private void addGroup(ImmutableSet.Builder<String> groups, String path)
    {
        List<String> segments = new ArrayList<>(List.of(path.replaceFirst("^/", "").split("/")));
        int from = includeParents ? 1 : segments.size();
        for (int length = from; length <= segments.size(); length++) {
            List<String> prefix = segments.subList(0, length);
            groups.add(format == KeycloakGroupProviderConfig.GroupFormat.PATH ? "/" + String.join("/", prefix) : prefix.getLast());
        }
    }

    private JsonNode get(String path, String user)
            throws IOException, InterruptedException
    {
        HttpResponse<InputStream> response = send(HttpRequest.newBuilder(base.resolve(path)).header("Authorization", "Bearer " + token(false)).GET());
        if (response.statusCode() == 401) {
            response.body().close();
            response = send(HttpRequest.newBuilder(base.resolve(path)).header("Authorization", "Bearer " + token(true)).GET());
        }
        try (InputStream body = response.body()) {
            if (response.statusCode() != 200) {
                throw new IOException("Keycloak answered HTTP %s to the group lookup of %s (does client %s have realm-management's view-users role?)".formatted(response.statusCode(), user, clientId));
            }
            return MAPPER.readTree(body);
        }
    }

    private synchronized String token(boolean renew)
            throws IOException, InterruptedException
    {
        if (!renew && token != null && System.nanoTime() - tokenExpiresNanos < 0) {
            return token;
        }
        String form = "grant_type=client_credentials&client_id=" + encode(clientId, UTF_8) + "&client_secret=" + encode(clientSecret, UTF_8);
        HttpResponse<InputStream> response = send(HttpRequest.newBuilder(base.resolve("realms/" + encode(realm, UTF_8) + "/protocol/openid-connect/token"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)));
        try (InputStream body = response.body()) {
            if (response.statusCode() != 200) {
                throw new IOException("Keycloak refused a token to client %s of realm %s (HTTP %s): check keycloak.client-id and the client secret".formatted(clientId, realm, response.statusCode()));
            }
            JsonNode answer = MAPPER.readTree(body);
            token = answer.path("access_token").asText();
            tokenExpiresNanos = System.nanoTime() + Duration.ofSeconds(answer.path("expires_in").asLong(60)).toNanos() - TOKEN_MARGIN_NANOS;
            return token;
        }
    }

    private HttpResponse<InputStream> send(HttpRequest.Builder request)
            throws IOException, InterruptedException
    {
        return client.send(request.timeout(timeout).build(), HttpResponse.BodyHandlers.ofInputStream());
    }

    private static SSLContext trusting(Path pemFile)
    {
        try (InputStream in = Files.newInputStream(pemFile)) {
            KeyStore trustStore = KeyStore.getInstance(KeyStore.getDefaultType());
            trustStore.load(null, null);
            int i = 0;
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                trustStore.setCertificateEntry("keycloak-" + i++, certificate);
            }
            TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trustManagers.init(trustStore);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trustManagers.getTrustManagers(), null);
            return context;
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot read keycloak.trust-certificate-file " + pemFile, e);
        }
        catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("keycloak.trust-certificate-file " + pemFile + " holds no usable PEM certificate: " + e.getMessage(), e);
        }
    }
}
