package dev.trinobundle.authenticator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.airlift.log.Logger;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import java.io.IOException;
import java.io.InputStream;
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
import java.util.Collection;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;

import static java.util.Objects.requireNonNull;

/**
 * One Vault HTTP request at a time, with bounded exponential backoff on the answers that mean "try again later"
 * (429 rate limit or standby, 412, 5xx) and on connection failures. Every other status is returned to the caller, which
 * decides on the status code alone (a KV v2 soft-deleted version answers 404 with a full body, not {@code {"errors":[]}}).
 */
final class VaultHttp
        implements AutoCloseable
{
    private static final Logger log = Logger.get(VaultHttp.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Set<Integer> RETRYABLE = Set.of(412, 429, 500, 502, 503, 504);

    private final HttpClient client;
    private final URI address;
    private final Optional<String> namespace;
    private final Duration timeout;
    private final int maxAttempts;
    private final long initialDelayMillis;
    private final long maxDelayMillis;

    VaultHttp(VaultConnectionSettings settings, io.airlift.units.Duration timeout, int maxAttempts, io.airlift.units.Duration initialDelay, io.airlift.units.Duration maxDelay)
    {
        requireNonNull(settings, "settings is null");
        this.address = settings.address();
        this.namespace = settings.namespace();
        this.timeout = timeout.toJavaTime();
        this.maxAttempts = maxAttempts;
        this.initialDelayMillis = initialDelay.toMillis();
        this.maxDelayMillis = maxDelay.toMillis();
        HttpClient.Builder builder = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(this.timeout)
                // a redirect would carry our token to wherever the Location points
                .followRedirects(HttpClient.Redirect.NEVER);
        settings.caCertFile().ifPresent(file -> builder.sslContext(sslContext(file)));
        this.client = builder.build();
    }

    record Response(int status, JsonNode body)
    {
        /** The {@code errors} array of a Vault error body, for messages; never the body itself, which may hold secrets. */
        String errors()
        {
            JsonNode errors = body.path("errors");
            if (!errors.isArray() || errors.isEmpty()) {
                return "";
            }
            String text = StreamSupport.stream(errors.spliterator(), false)
                    .map(JsonNode::asText)
                    .map(message -> message.replaceAll("\\s+", " ").trim())
                    .collect(Collectors.joining("; "));
            return text.length() > 200 ? text.substring(0, 200) + "…" : text;
        }

        String describe()
        {
            String errors = errors();
            return "HTTP " + status + (errors.isEmpty() ? "" : " (" + errors + ")");
        }
    }

    Response get(String path, Optional<String> token)
    {
        return send("GET", path, token, Optional.empty());
    }

    Response post(String path, Optional<String> token, JsonNode body)
    {
        return send("POST", path, token, Optional.of(body));
    }

    private Response send(String method, String path, Optional<String> token, Optional<JsonNode> body)
    {
        URI uri = URI.create(address + "/v1/" + path);
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("X-Vault-Request", "true")
                .header("Accept", "application/json");
        token.ifPresent(value -> builder.header("X-Vault-Token", value));
        namespace.ifPresent(value -> builder.header("X-Vault-Namespace", value));
        if (body.isPresent()) {
            builder.header("Content-Type", "application/json");
            builder.method(method, HttpRequest.BodyPublishers.ofString(body.get().toString()));
        }
        else {
            builder.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpRequest request = builder.build();

        String lastFailure = "no attempt";
        Throwable lastCause = null;
        long delay = initialDelayMillis;
        for (int attempt = 1; attempt <= maxAttempts; attempt++) {
            try {
                HttpResponse<byte[]> response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
                Response result = new Response(response.statusCode(), parse(response.body()));
                if (!RETRYABLE.contains(result.status())) {
                    return result;
                }
                lastFailure = result.describe();
                lastCause = null;
            }
            catch (IOException e) {
                lastFailure = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
                lastCause = e;
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new VaultUnavailableException("Vault is unavailable: interrupted while calling " + method + " /v1/" + path, e);
            }
            if (attempt < maxAttempts) {
                log.debug("Vault %s /v1/%s failed (%s), attempt %s of %s, retrying in %sms", method, path, lastFailure, attempt, maxAttempts, delay);
                sleep(delay, method, path);
                delay = Math.min(maxDelayMillis, Math.max(1, delay * 2));
            }
        }
        throw new VaultUnavailableException("Vault is unavailable: %s /v1/%s at %s failed after %s attempt(s): %s"
                .formatted(method, path, address, maxAttempts, lastFailure), lastCause);
    }

    private static void sleep(long millis, String method, String path)
    {
        try {
            Thread.sleep(millis);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VaultUnavailableException("Vault is unavailable: interrupted while retrying " + method + " /v1/" + path, e);
        }
    }

    private static JsonNode parse(byte[] body)
    {
        if (body.length == 0) {
            return MissingNode.getInstance();
        }
        try {
            return MAPPER.readTree(body);
        }
        catch (IOException e) {
            // A proxy's HTML error page, for example; the status code still decides
            return MissingNode.getInstance();
        }
    }

    static ObjectMapper mapper()
    {
        return MAPPER;
    }

    private static SSLContext sslContext(Path caCertFile)
    {
        try (InputStream in = Files.newInputStream(caCertFile)) {
            Collection<? extends Certificate> certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certificates.isEmpty()) {
                throw new IllegalArgumentException("vault.ca-cert-file " + caCertFile + " contains no PEM certificate");
            }
            KeyStore trustStore = KeyStore.getInstance(KeyStore.getDefaultType());
            trustStore.load(null, null);
            int index = 0;
            for (Certificate certificate : certificates) {
                trustStore.setCertificateEntry("vault-ca-" + index++, certificate);
            }
            TrustManagerFactory trustManagerFactory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trustManagerFactory.init(trustStore);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trustManagerFactory.getTrustManagers(), null);
            return context;
        }
        catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("vault.ca-cert-file " + caCertFile + " cannot be used as a PEM CA bundle: " + e.getMessage(), e);
        }
    }

    @Override
    public void close()
    {
        client.shutdownNow();
    }
}
