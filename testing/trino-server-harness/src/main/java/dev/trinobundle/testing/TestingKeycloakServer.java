package dev.trinobundle.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.WRITE;
import static java.util.Objects.requireNonNull;

/**
 * A real Keycloak ({@code org.keycloak:keycloak-quarkus-dist:tar.gz}, resolved by Maven and handed to the tests in
 * system property {@value KeycloakDistribution#TARBALL_PROPERTY}) in development mode on 127.0.0.1: HTTPS with a
 * self-signed certificate (development mode also opens plain HTTP, on a free port nothing uses), an in-memory database,
 * and the given realm files imported at start ({@code --import-realm}).
 * Each server has its own home directory (the distribution's {@code bin/} copied, the rest linked) so that its
 * {@code data/import} holds exactly its realms. Always stopped by {@link #close()}, and by a JVM shutdown hook if a test
 * run is interrupted.
 */
public final class TestingKeycloakServer
        implements AutoCloseable
{
    private static final Duration STARTUP_TIMEOUT = Duration.ofMinutes(4);
    private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Set<TestingKeycloakServer> RUNNING = ConcurrentHashMap.newKeySet();
    // FileLock excludes other JVMs only; threads of this one queue here
    private static final Object START_LOCK = new Object();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(TestingKeycloakServer::killProcessTree), "keycloak-reaper"));
    }

    private final Path home;
    private final int httpsPort;
    private final SelfSignedCertificate certificate;
    private final String adminPassword;
    private final HttpClient client;
    private Process process;

    private TestingKeycloakServer(Path home, int httpsPort, SelfSignedCertificate certificate, String adminPassword)
    {
        this.home = requireNonNull(home, "home is null");
        this.httpsPort = httpsPort;
        this.certificate = requireNonNull(certificate, "certificate is null");
        this.adminPassword = requireNonNull(adminPassword, "adminPassword is null");
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .sslContext(trusting(certificate.certificatePem()))
                .build();
    }

    /** Starts Keycloak with these realm files (Keycloak's realm JSON, as {@code kc.sh export} writes it) imported. */
    public static TestingKeycloakServer start(Map<String, String> realmFilesByName)
    {
        KeycloakDistribution distribution = KeycloakDistribution.get();
        try {
            Path instances = distribution.workDir().resolve("instances");
            Files.createDirectories(instances);
            Path home = Files.createTempDirectory(instances, "keycloak-");
            // kc.sh takes its home from its own real path: a copied bin/ makes this directory the home
            TrinoDistribution.run(List.of("cp", "-r", distribution.installDir().resolve("bin").toString(), home.toString()));
            for (String linked : List.of("lib", "conf", "themes", "providers")) {
                Files.createSymbolicLink(home.resolve(linked), distribution.installDir().resolve(linked));
            }
            Path imports = Files.createDirectories(home.resolve("data/import"));
            for (Map.Entry<String, String> realm : realmFilesByName.entrySet()) {
                Files.writeString(imports.resolve(realm.getKey()), realm.getValue());
            }
            SelfSignedCertificate certificate = SelfSignedCertificate.generate(home, Jdk.find());
            TestingKeycloakServer server = new TestingKeycloakServer(home, TrinoServer.freePort(), certificate, "admin-" + UUID.randomUUID());
            // one start at a time per distribution: the first start-dev writes the build (lib/quarkus) into the shared lib/
            synchronized (START_LOCK) {
                try (FileChannel lockChannel = FileChannel.open(distribution.workDir().resolve(".start.lock"), CREATE, WRITE);
                        FileLock _ = lockChannel.lock()) {
                    server.startProcess();
                }
            }
            return server;
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot start Keycloak", e);
        }
    }

    /** {@code https://localhost:<port>}: the certificate names localhost and 127.0.0.1. */
    public URI baseUri()
    {
        return URI.create("https://localhost:" + httpsPort);
    }

    public int httpsPort()
    {
        return httpsPort;
    }

    public URI issuer(String realm)
    {
        return baseUri().resolve("/realms/" + realm);
    }

    public URI tokenEndpoint(String realm)
    {
        return baseUri().resolve("/realms/%s/protocol/openid-connect/token".formatted(realm));
    }

    /** PEM certificate Keycloak presents, for clients' trust stores. */
    public Path certificatePem()
    {
        return certificate.certificatePem();
    }

    public Path serverLog()
    {
        return home.resolve("keycloak.log");
    }

    public String serverLogTail(int lines)
    {
        return ChildProcess.tail(serverLog(), lines);
    }

    /** The secret Keycloak holds for a confidential client (generated at import when the realm file carries none). */
    public String clientSecret(String realm, String clientId)
    {
        String id = clientUuid(realm, clientId);
        return admin("GET", "/admin/realms/%s/clients/%s/client-secret".formatted(realm, id), null).path("value").asText();
    }

    /** Sets a user's password (not temporary), as {@code kcadm.sh set-password} does. */
    public void setPassword(String realm, String username, String password)
    {
        JsonNode users = admin("GET", "/admin/realms/%s/users?exact=true&username=%s".formatted(realm, encode(username)), null);
        if (users.size() != 1) {
            throw new IllegalArgumentException("Realm %s has %s users named %s".formatted(realm, users.size(), username));
        }
        String body = MAPPER.createObjectNode().put("type", "password").put("value", password).put("temporary", false).toString();
        admin("PUT", "/admin/realms/%s/users/%s/reset-password".formatted(realm, users.get(0).get("id").asText()), body);
    }

    /** An access token of the client's service account ({@code client_credentials} grant) with these scopes (space separated, may be empty). */
    public String clientCredentialsToken(String realm, String clientId, String clientSecret, String scope)
    {
        Map<String, String> form = new java.util.LinkedHashMap<>(Map.of("grant_type", "client_credentials", "client_id", clientId, "client_secret", clientSecret));
        if (!scope.isEmpty()) {
            form.put("scope", scope);
        }
        return token(realm, form).get("access_token").asText();
    }

    /** A call to Keycloak's admin REST API as the bootstrap admin; the JSON answer, or an empty object for no content. */
    public JsonNode admin(String method, String path, String jsonBody)
    {
        String adminToken = token("master", Map.of("grant_type", "password", "client_id", "admin-cli", "username", "admin", "password", adminPassword))
                .get("access_token").asText();
        HttpRequest.Builder request = HttpRequest.newBuilder(baseUri().resolve(path))
                .header("Authorization", "Bearer " + adminToken)
                .timeout(Duration.ofSeconds(30));
        if (jsonBody == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        else {
            request.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(jsonBody));
        }
        return send(request.build(), method + " " + path);
    }

    private JsonNode token(String realm, Map<String, String> form)
    {
        String body = form.entrySet().stream().map(entry -> encode(entry.getKey()) + "=" + encode(entry.getValue())).collect(Collectors.joining("&"));
        HttpRequest request = HttpRequest.newBuilder(tokenEndpoint(realm))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        // the grant type only: form values are credentials
        return send(request, "token request (%s) to realm %s".formatted(form.get("grant_type"), realm));
    }

    private JsonNode send(HttpRequest request, String what)
    {
        try {
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                throw new IllegalStateException("Keycloak answered %s to %s: %s".formatted(response.statusCode(), what, response.body()));
            }
            return response.body().isBlank() ? MAPPER.createObjectNode() : MAPPER.readTree(response.body());
        }
        catch (IOException e) {
            throw new UncheckedIOException("Keycloak: " + what, e);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted: " + what, e);
        }
    }

    private String clientUuid(String realm, String clientId)
    {
        JsonNode clients = admin("GET", "/admin/realms/%s/clients?clientId=%s".formatted(realm, encode(clientId)), null);
        if (clients.size() != 1) {
            throw new IllegalArgumentException("Realm %s has %s clients %s".formatted(realm, clients.size(), clientId));
        }
        return clients.get(0).get("id").asText();
    }

    private synchronized void startProcess()
    {
        Path jdk = Jdk.findAny("Keycloak 26", 17, 21);
        List<String> command = List.of(
                home.resolve("bin/kc.sh").toString(),
                "start-dev",
                "--db=dev-mem",
                "--import-realm",
                // start-dev listens on HTTP anyway: a free port, never the default 8080 other servers use
                "--http-port=" + TrinoServer.freePort(),
                "--http-host=127.0.0.1",
                "--https-port=" + httpsPort,
                // never the default 9000: other servers of the machine may use it
                "--http-management-port=" + TrinoServer.freePort(),
                "--https-key-store-file=" + certificate.keyStore());
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(serverLog().toFile()));
        builder.environment().put("JAVA_HOME", jdk.toString());
        builder.environment().put("PATH", jdk.resolve("bin") + ":" + System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        builder.environment().put("KC_BOOTSTRAP_ADMIN_USERNAME", "admin");
        builder.environment().put("KC_BOOTSTRAP_ADMIN_PASSWORD", adminPassword);
        // passwords in the environment, not on the command line every process can read
        builder.environment().put("KC_HTTPS_KEY_STORE_PASSWORD", certificate.keyStorePassword());
        builder.environment().put("JAVA_OPTS_KC_HEAP", "-Xms64m -Xmx512m");
        try {
            process = builder.start();
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot start Keycloak in " + home, e);
        }
        RUNNING.add(this);
        try {
            awaitStarted();
        }
        catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private void awaitStarted()
    {
        HttpRequest request = HttpRequest.newBuilder(baseUri().resolve("/realms/master/.well-known/openid-configuration")).timeout(Duration.ofSeconds(5)).build();
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        String lastAnswer = "no answer";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Keycloak exited with code %s during startup. Tail of %s:%n%s".formatted(process.exitValue(), serverLog(), serverLogTail(80)));
            }
            try {
                HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
                lastAnswer = String.valueOf(response.statusCode());
                // the realms are imported before the HTTP listener opens
                if (response.statusCode() == 200) {
                    return;
                }
            }
            catch (IOException e) {
                lastAnswer = e.toString();
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while waiting for Keycloak to start", e);
            }
            try {
                Thread.sleep(500);
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while waiting for Keycloak to start", e);
            }
        }
        throw new IllegalStateException("Keycloak did not answer within %s (last answer: %s). Tail of %s:%n%s".formatted(STARTUP_TIMEOUT, lastAnswer, serverLog(), serverLogTail(80)));
    }

    /** SIGTERM to the whole tree (kc.sh and its JVM), then SIGKILL what is left after the timeout. */
    @Override
    public synchronized void close()
    {
        if (process == null) {
            return;
        }
        List<ProcessHandle> tree = processTree();
        tree.forEach(ProcessHandle::destroy);
        for (ProcessHandle handle : tree) {
            try {
                handle.onExit().get(SHUTDOWN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
            catch (Exception _) {
                handle.destroyForcibly();
            }
        }
        RUNNING.remove(this);
        process = null;
    }

    private synchronized void killProcessTree()
    {
        if (process != null) {
            processTree().forEach(ProcessHandle::destroyForcibly);
        }
    }

    private List<ProcessHandle> processTree()
    {
        List<ProcessHandle> tree = new ArrayList<>();
        process.toHandle().descendants().forEach(tree::add);
        tree.add(process.toHandle());
        return tree;
    }

    private static String encode(String value)
    {
        return URLEncoder.encode(value, UTF_8);
    }

    private static SSLContext trusting(Path certificatePem)
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
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        catch (GeneralSecurityException e) {
            throw new IllegalStateException("Cannot trust " + certificatePem, e);
        }
    }
}
