package dev.trinobundle.it.deployment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.spec.RSAPublicKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.util.Objects.requireNonNull;

/**
 * What Lakekeeper does with a request before its catalog sees it, in front of the REST catalog stand-in: the bearer
 * token must be an RS256 JWT signed by a key of Keycloak's JWKS, issued by the realm, unexpired, with the audience
 * {@code lakekeeper}; anything else is 401. Accepted requests go to the catalog with the mount path {@code /catalog}
 * removed (Lakekeeper serves the REST API under {@code /catalog/v1/}). Records the claims of every accepted token.
 */
final class AudienceCheckingFront
        implements AutoCloseable
{
    static final String AUDIENCE = "lakekeeper";
    static final String MOUNT_PATH = "/catalog";
    private static final ObjectMapper MAPPER = new ObjectMapper();
    // hop-by-hop headers and the ones the JDK client sets itself
    private static final Set<String> NOT_FORWARDED = Set.of("host", "content-length", "connection", "accept-encoding", "expect", "upgrade", "keep-alive", "transfer-encoding");

    private final HttpServer server;
    private final HttpClient keycloakClient;
    private final HttpClient catalogClient = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final URI issuer;
    private final URI catalog;
    private final Map<String, PublicKey> keys = new ConcurrentHashMap<>();
    private final List<JsonNode> acceptedClaims = new CopyOnWriteArrayList<>();
    private final List<String> rejections = new CopyOnWriteArrayList<>();

    private AudienceCheckingFront(URI issuer, Path issuerCertificatePem, URI catalog)
            throws IOException
    {
        this.issuer = requireNonNull(issuer, "issuer is null");
        this.catalog = requireNonNull(catalog, "catalog is null");
        this.keycloakClient = HttpClient.newBuilder().sslContext(trusting(issuerCertificatePem)).connectTimeout(Duration.ofSeconds(5)).build();
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.setExecutor(Executors.newFixedThreadPool(8));
        server.createContext("/", this::handle);
    }

    static AudienceCheckingFront start(URI issuer, Path issuerCertificatePem, URI catalog)
            throws IOException
    {
        AudienceCheckingFront front = new AudienceCheckingFront(issuer, issuerCertificatePem, catalog);
        front.server.start();
        return front;
    }

    /** {@code http://127.0.0.1:<port>}, where Lakekeeper's service answers in production. */
    URI baseUri()
    {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    List<JsonNode> acceptedClaims()
    {
        return List.copyOf(acceptedClaims);
    }

    List<String> rejections()
    {
        return List.copyOf(rejections);
    }

    private void handle(HttpExchange exchange)
            throws IOException
    {
        try (exchange) {
            String problem = check(exchange.getRequestHeaders().getFirst("Authorization"));
            String path = exchange.getRequestURI().getRawPath();
            if (problem == null && !(path.startsWith(MOUNT_PATH + "/"))) {
                problem = "not under " + MOUNT_PATH;
            }
            if (problem != null) {
                rejections.add(exchange.getRequestMethod() + " " + path + ": " + problem);
                byte[] body = MAPPER.createObjectNode().set("error", MAPPER.createObjectNode()
                        .put("message", "Unauthorized: " + problem).put("type", "NotAuthorizedException").put("code", 401)).toString().getBytes(US_ASCII);
                exchange.getResponseHeaders().add("WWW-Authenticate", "Bearer error=\"invalid_token\"");
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(401, body.length);
                exchange.getResponseBody().write(body);
                return;
            }
            forward(exchange, path.substring(MOUNT_PATH.length()));
        }
        catch (RuntimeException e) {
            exchange.sendResponseHeaders(502, -1);
        }
    }

    /** Null when the token is acceptable, else why not (never the token itself). */
    private String check(String authorization)
    {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return "no bearer token";
        }
        String[] parts = authorization.substring(7).strip().split("\\.", -1);
        if (parts.length != 3) {
            return "not a signed JWT";
        }
        try {
            JsonNode header = MAPPER.readTree(Base64.getUrlDecoder().decode(parts[0]));
            if (!header.path("alg").asText().equals("RS256")) {
                return "algorithm " + header.path("alg").asText() + " is not RS256";
            }
            PublicKey key = key(header.path("kid").asText());
            if (key == null) {
                return "unknown signing key";
            }
            Signature signature = Signature.getInstance("SHA256withRSA");
            signature.initVerify(key);
            signature.update((parts[0] + "." + parts[1]).getBytes(US_ASCII));
            if (!signature.verify(Base64.getUrlDecoder().decode(parts[2]))) {
                return "bad signature";
            }
            JsonNode claims = MAPPER.readTree(Base64.getUrlDecoder().decode(parts[1]));
            if (!claims.path("iss").asText().equals(issuer.toString())) {
                return "issuer " + claims.path("iss").asText();
            }
            if (claims.path("exp").asLong() <= Instant.now().getEpochSecond()) {
                return "expired";
            }
            JsonNode audience = claims.path("aud");
            boolean hasAudience = audience.isArray()
                    ? audience.valueStream().anyMatch(value -> value.asText().equals(AUDIENCE))
                    : audience.asText().equals(AUDIENCE);
            if (!hasAudience) {
                return "audience %s lacks %s (scope %s)".formatted(audience, AUDIENCE, claims.path("scope").asText());
            }
            acceptedClaims.add(claims);
            return null;
        }
        catch (IOException | IllegalArgumentException | GeneralSecurityException e) {
            return "unreadable token (" + e.getClass().getSimpleName() + ")";
        }
    }

    private PublicKey key(String kid)
            throws IOException, GeneralSecurityException
    {
        PublicKey key = keys.get(kid);
        if (key == null) {
            // a key Keycloak rotated in: read the JWKS again
            loadKeys();
            key = keys.get(kid);
        }
        return key;
    }

    private synchronized void loadKeys()
            throws IOException, GeneralSecurityException
    {
        HttpRequest request = HttpRequest.newBuilder(URI.create(issuer + "/protocol/openid-connect/certs")).timeout(Duration.ofSeconds(10)).build();
        JsonNode jwks;
        try {
            jwks = MAPPER.readTree(keycloakClient.send(request, HttpResponse.BodyHandlers.ofString()).body());
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        for (JsonNode jwk : jwks.path("keys")) {
            if (jwk.path("kty").asText().equals("RSA") && jwk.path("use").asText("sig").equals("sig")) {
                BigInteger modulus = new BigInteger(1, Base64.getUrlDecoder().decode(jwk.path("n").asText()));
                BigInteger exponent = new BigInteger(1, Base64.getUrlDecoder().decode(jwk.path("e").asText()));
                keys.put(jwk.path("kid").asText(), KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(modulus, exponent)));
            }
        }
    }

    private void forward(HttpExchange exchange, String path)
            throws IOException
    {
        String query = exchange.getRequestURI().getRawQuery();
        HttpRequest.Builder request = HttpRequest.newBuilder(catalog.resolve(path + (query == null ? "" : "?" + query))).timeout(Duration.ofSeconds(60));
        exchange.getRequestHeaders().forEach((name, values) -> {
            if (!NOT_FORWARDED.contains(name.toLowerCase(java.util.Locale.ROOT))) {
                values.forEach(value -> request.header(name, value));
            }
        });
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readAllBytes();
        }
        request.method(exchange.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        HttpResponse<byte[]> response;
        try {
            response = catalogClient.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        response.headers().firstValue("Content-Type").ifPresent(type -> exchange.getResponseHeaders().add("Content-Type", type));
        byte[] answer = response.body();
        boolean empty = answer.length == 0 || exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(response.statusCode(), empty ? -1 : answer.length);
        if (!empty) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        }
    }

    @Override
    public void close()
    {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }

    private static SSLContext trusting(Path certificatePem)
            throws IOException
    {
        try (InputStream pem = Files.newInputStream(certificatePem)) {
            KeyStore trustStore = KeyStore.getInstance(KeyStore.getDefaultType());
            trustStore.load(null, null);
            trustStore.setCertificateEntry("keycloak", CertificateFactory.getInstance("X.509").generateCertificate(pem));
            TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trustManagers.init(trustStore);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trustManagers.getTrustManagers(), null);
            return context;
        }
        catch (GeneralSecurityException e) {
            throw new IOException("Cannot trust " + certificatePem, e);
        }
    }
}
