package dev.trinobundle.authenticator.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import static java.util.Objects.requireNonNull;

/**
 * An in-process stand-in for Vault/OpenBao that answers the endpoints the authenticator uses exactly as Vault documents
 * them (full response envelope, {@code {"errors":[…]}} bodies, status codes): KV v2 and v1 reads, including the 404 with a
 * full body and {@code data.data = null} for a soft-deleted or destroyed v2 version and the 404 {@code {"errors":[]}} for a
 * path never written; {@code auth/token/lookup-self} and {@code renew-self}; AppRole and Kubernetes login. Tokens carry
 * read-path prefixes as their policy (403 "permission denied" outside them; 403 "permission denied"/"invalid token" for
 * unknown, expired or revoked tokens). Faults: sealed (503 on every path), the next N answers forced to a status (429
 * rate limit, 503 standby...), a response delay, and stop/restart on the same port. Every request is counted per path.
 */
public final class TestingVaultServer
        implements Closeable
{
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String ROOT_TOKEN = "root-token-for-tests";

    public record RecordedRequest(String method, String path, Optional<String> namespace, Optional<String> token) {}

    private record Token(String id, String accessor, Set<String> readablePrefixes, long ttlSeconds, boolean renewable, Instant issued, Instant expires) {}

    private record Version(Map<String, String> data, Instant created, Optional<Instant> deleted, boolean destroyed) {}

    private record AuthRole(String kind, String name, String credential, Duration ttl, boolean renewable, Set<String> readablePrefixes) {}

    private final boolean https;
    private final Optional<Path> caCertFile;
    private final SSLContext sslContext;
    private final ExecutorService executor = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "testing-vault");
        thread.setDaemon(true);
        return thread;
    });
    private final Map<String, Token> tokens = new ConcurrentHashMap<>();
    private final Map<String, Integer> kvMounts = new ConcurrentHashMap<>();
    private final Map<String, List<Version>> secrets = new ConcurrentHashMap<>();
    private final Map<String, AuthRole> authRoles = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> requestCounts = new ConcurrentHashMap<>();
    private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
    private final List<Integer> forcedStatuses = new CopyOnWriteArrayList<>();
    private volatile boolean sealed;
    private volatile Duration responseDelay = Duration.ZERO;
    private volatile HttpServer server;
    private volatile int port;

    private TestingVaultServer(boolean https, Optional<Path> caCertFile, SSLContext sslContext)
    {
        this.https = https;
        this.caCertFile = caCertFile;
        this.sslContext = sslContext;
        tokens.put(ROOT_TOKEN, new Token(ROOT_TOKEN, "root-accessor", Set.of(""), 0, false, Instant.now(), Instant.MAX));
        kvMounts.put("secret", 2);
        start(0);
    }

    /** Plain HTTP on 127.0.0.1 (clients need their allow-insecure switch), KV v2 mounted at {@code secret/} as in dev mode. */
    public static TestingVaultServer start()
    {
        return new TestingVaultServer(false, Optional.empty(), null);
    }

    /** HTTPS on 127.0.0.1 with a self-signed certificate (SAN 127.0.0.1, localhost); {@link #caCertFile()} is its PEM. */
    public static TestingVaultServer startHttps(Path workDirectory)
    {
        try {
            Path keyStore = workDirectory.resolve("vault-keystore.p12");
            Path pem = workDirectory.resolve("vault-ca.pem");
            Files.deleteIfExists(keyStore);
            keytool("-genkeypair", "-alias", "vault", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                    "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "3", "-keystore", keyStore.toString(), "-storetype", "PKCS12",
                    "-storepass", "changeit", "-keypass", "changeit");
            keytool("-exportcert", "-rfc", "-alias", "vault", "-keystore", keyStore.toString(), "-storepass", "changeit", "-file", pem.toString());
            KeyStore store = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(keyStore)) {
                store.load(in, "changeit".toCharArray());
            }
            KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keyManagers.init(store, "changeit".toCharArray());
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keyManagers.getKeyManagers(), null, null);
            return new TestingVaultServer(true, Optional.of(pem), context);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        catch (Exception e) {
            throw new IllegalStateException("Cannot set up TLS for the testing Vault", e);
        }
    }

    private static void keytool(String... arguments)
            throws IOException, InterruptedException
    {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IOException("keytool failed: " + output);
        }
    }

    private void start(int requestedPort)
    {
        try {
            InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), requestedPort);
            HttpServer created;
            if (https) {
                HttpsServer httpsServer = HttpsServer.create(address, 0);
                httpsServer.setHttpsConfigurator(new HttpsConfigurator(sslContext));
                created = httpsServer;
            }
            else {
                created = HttpServer.create(address, 0);
            }
            created.createContext("/", this::handle);
            created.setExecutor(executor);
            created.start();
            server = created;
            port = created.getAddress().getPort();
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public URI address()
    {
        return URI.create((https ? "https" : "http") + "://127.0.0.1:" + port);
    }

    public Optional<Path> caCertFile()
    {
        return caCertFile;
    }

    public String rootToken()
    {
        return ROOT_TOKEN;
    }

    // ---- configuration -------------------------------------------------------------------------------------------

    public TestingVaultServer mountKv(String mount, int version)
    {
        kvMounts.put(mount, version);
        return this;
    }

    /** Writes a new version of the secret (KV v2) or replaces it (KV v1); returns the version number. */
    public synchronized int putSecret(String mount, String path, Map<String, String> data)
    {
        int version = requireMount(mount);
        List<Version> versions = secrets.computeIfAbsent(mount + "/" + path, key -> new CopyOnWriteArrayList<>());
        if (version == 1) {
            versions.clear();
        }
        versions.add(new Version(Map.copyOf(data), Instant.now(), Optional.empty(), false));
        return versions.size();
    }

    /** {@code vault kv delete}: soft-deletes the latest version (KV v2), removes the secret (KV v1). */
    public synchronized void deleteSecret(String mount, String path)
    {
        if (requireMount(mount) == 1) {
            secrets.remove(mount + "/" + path);
            return;
        }
        List<Version> versions = requireSecret(mount, path);
        Version latest = versions.getLast();
        versions.set(versions.size() - 1, new Version(latest.data(), latest.created(), Optional.of(Instant.now()), false));
    }

    /** {@code vault kv destroy} of the latest version (KV v2). */
    public synchronized void destroySecret(String mount, String path)
    {
        List<Version> versions = requireSecret(mount, path);
        Version latest = versions.getLast();
        versions.set(versions.size() - 1, new Version(Map.of(), latest.created(), latest.deleted(), true));
    }

    /** A service token whose policy allows reading API paths starting with one of the prefixes (e.g. "secret/data/trino/"). */
    public String createToken(Duration ttl, boolean renewable, String... readablePrefixes)
    {
        return issue(ttl, renewable, Set.of(readablePrefixes)).id();
    }

    public void revokeToken(String token)
    {
        tokens.remove(token);
    }

    /** Revokes every token handed out so far except the root token, as when their leases ran out. */
    public void revokeAllIssuedTokens()
    {
        tokens.keySet().removeIf(id -> !id.equals(ROOT_TOKEN));
    }

    public void enableAppRole(String mount, String roleId, String secretId, Duration ttl, boolean renewable, String... readablePrefixes)
    {
        authRoles.put(mount + "/" + roleId, new AuthRole("approle", roleId, secretId, ttl, renewable, Set.of(readablePrefixes)));
    }

    public void enableKubernetes(String mount, String role, String acceptedJwt, Duration ttl, boolean renewable, String... readablePrefixes)
    {
        authRoles.put(mount + "/" + role, new AuthRole("kubernetes", role, acceptedJwt, ttl, renewable, Set.of(readablePrefixes)));
    }

    /** Changes the credential a role accepts (a rotated secret id or service-account JWT). */
    public void setAcceptedCredential(String mount, String roleName, String credential)
    {
        authRoles.computeIfPresent(mount + "/" + roleName, (key, role) -> new AuthRole(role.kind(), role.name(), credential, role.ttl(), role.renewable(), role.readablePrefixes()));
    }

    public void setSealed(boolean sealed)
    {
        this.sealed = sealed;
    }

    /** The next {@code count} requests, whatever their path, get {@code status} with Vault's body for it. */
    public void failNextRequests(int status, int count)
    {
        for (int i = 0; i < count; i++) {
            forcedStatuses.add(status);
        }
    }

    public void setResponseDelay(Duration delay)
    {
        this.responseDelay = requireNonNull(delay, "delay is null");
    }

    /** Closes the listening socket: clients get "connection refused" until {@link #restart()}. */
    public void stop()
    {
        server.stop(0);
    }

    public void restart()
    {
        start(port);
    }

    // ---- observations --------------------------------------------------------------------------------------------

    /** Requests received for an exact request path such as {@code /v1/secret/data/trino/password} (query ignored). */
    public int requestCount(String path)
    {
        AtomicInteger count = requestCounts.get(path);
        return count == null ? 0 : count.get();
    }

    public int totalRequestCount()
    {
        return requestCounts.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    public List<RecordedRequest> requests()
    {
        return List.copyOf(requests);
    }

    public void resetRequestCounts()
    {
        requestCounts.clear();
        requests.clear();
    }

    @Override
    public void close()
    {
        server.stop(0);
        executor.shutdownNow();
    }

    // ---- HTTP handling -------------------------------------------------------------------------------------------

    private void handle(HttpExchange exchange)
            throws IOException
    {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            Optional<String> token = Optional.ofNullable(exchange.getRequestHeaders().getFirst("X-Vault-Token"));
            requestCounts.computeIfAbsent(path, key -> new AtomicInteger()).incrementAndGet();
            requests.add(new RecordedRequest(exchange.getRequestMethod(), path, Optional.ofNullable(exchange.getRequestHeaders().getFirst("X-Vault-Namespace")), token));
            byte[] requestBody = exchange.getRequestBody().readAllBytes();
            if (!responseDelay.isZero()) {
                Thread.sleep(responseDelay);
            }
            Reply reply = answer(exchange.getRequestMethod(), path, token, requestBody);
            byte[] body = reply.body() == null ? new byte[0] : MAPPER.writeValueAsBytes(reply.body());
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(reply.status(), body.length == 0 ? -1 : body.length);
            if (body.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private record Reply(int status, JsonNode body) {}

    private Reply answer(String method, String path, Optional<String> tokenId, byte[] requestBody)
            throws IOException
    {
        if (sealed) {
            return error(503, "Vault is sealed");
        }
        if (!forcedStatuses.isEmpty()) {
            int status = forcedStatuses.removeFirst();
            return switch (status) {
                case 429 -> error(429, "request path \"" + path.substring(4) + "\": rate limit quota exceeded");
                case 503 -> error(503, "Vault is sealed");
                default -> error(status, "internal error");
            };
        }
        if (!path.startsWith("/v1/")) {
            return error(404, "no handler for route \"" + path + "\". route entry not found.");
        }
        String apiPath = path.substring("/v1/".length());

        if (apiPath.matches("auth/.+/login")) {
            if (!method.equals("POST") && !method.equals("PUT")) {
                return error(405, "unsupported operation");
            }
            return login(apiPath.substring("auth/".length(), apiPath.length() - "/login".length()), MAPPER.readTree(requestBody));
        }

        Optional<Token> token = tokenId.map(tokens::get).filter(found -> Instant.now().isBefore(found.expires()));
        if (token.isEmpty()) {
            return tokenId.isPresent() ? invalidToken() : permissionDenied();
        }
        if (apiPath.equals("auth/token/lookup-self")) {
            return new Reply(200, envelope(lookupData(token.get()), null, 0));
        }
        if (apiPath.equals("auth/token/renew-self")) {
            return renew(token.get());
        }
        return kvRead(method, apiPath, token.get());
    }

    private Reply login(String mount, JsonNode body)
    {
        String kind;
        String roleName;
        String credential;
        if (body.has("role_id")) {
            kind = "approle";
            roleName = body.path("role_id").asText();
            credential = body.path("secret_id").asText();
        }
        else {
            kind = "kubernetes";
            roleName = body.path("role").asText();
            credential = body.path("jwt").asText();
        }
        AuthRole role = authRoles.get(mount + "/" + roleName);
        if (kind.equals("approle")) {
            if (role == null || !role.kind().equals("approle") || !role.credential().equals(credential)) {
                return error(400, "invalid role or secret ID");
            }
        }
        else {
            if (role == null || !role.kind().equals("kubernetes")) {
                return error(400, "invalid role name \"" + roleName + "\"");
            }
            if (!role.credential().equals(credential)) {
                return permissionDenied();
            }
        }
        Token token = issue(role.ttl(), role.renewable(), role.readablePrefixes());
        ObjectNode auth = authObject(token);
        auth.putObject("metadata").put("role_name", roleName);
        return new Reply(200, envelope(null, auth, 0));
    }

    private Reply renew(Token token)
    {
        if (!token.renewable() || token.ttlSeconds() == 0) {
            return error(400, "lease is not renewable");
        }
        Instant now = Instant.now();
        Token renewed = new Token(token.id(), token.accessor(), token.readablePrefixes(), token.ttlSeconds(), true, token.issued(), now.plusSeconds(token.ttlSeconds()));
        tokens.put(token.id(), renewed);
        return new Reply(200, envelope(null, authObject(renewed), 0));
    }

    private Reply kvRead(String method, String apiPath, Token token)
    {
        if (!method.equals("GET")) {
            return error(405, "unsupported operation");
        }
        int slash = apiPath.indexOf('/');
        String mount = slash < 0 ? apiPath : apiPath.substring(0, slash);
        Integer version = kvMounts.get(mount);
        if (version == null || slash < 0) {
            return permissionDenied();
        }
        if (token.readablePrefixes().stream().noneMatch(apiPath::startsWith)) {
            return permissionDenied();
        }
        String rest = apiPath.substring(slash + 1);
        if (version == 2) {
            if (!rest.startsWith("data/")) {
                return error(404, "no handler for route \"" + apiPath + "\". route entry not found.");
            }
            List<Version> versions = secrets.get(mount + "/" + rest.substring("data/".length()));
            if (versions == null || versions.isEmpty()) {
                return new Reply(404, errorsBody());
            }
            Version latest = versions.getLast();
            ObjectNode metadata = MAPPER.createObjectNode()
                    .put("created_time", latest.created().toString());
            metadata.set("custom_metadata", NullNode.getInstance());
            metadata.put("deletion_time", latest.deleted().map(Instant::toString).orElse(""))
                    .put("destroyed", latest.destroyed())
                    .put("version", versions.size());
            ObjectNode data = MAPPER.createObjectNode();
            boolean gone = latest.deleted().isPresent() || latest.destroyed();
            data.set("data", gone ? NullNode.getInstance() : MAPPER.valueToTree(latest.data()));
            data.set("metadata", metadata);
            return new Reply(gone ? 404 : 200, envelope(data, null, 0));
        }
        List<Version> versions = secrets.get(mount + "/" + rest);
        if (versions == null || versions.isEmpty()) {
            return new Reply(404, errorsBody());
        }
        return new Reply(200, envelope(MAPPER.valueToTree(versions.getLast().data()), null, 2_764_800));
    }

    // ---- bodies --------------------------------------------------------------------------------------------------

    private Token issue(Duration ttl, boolean renewable, Set<String> readablePrefixes)
    {
        Instant now = Instant.now();
        Token token = new Token("hvs." + UUID.randomUUID(), UUID.randomUUID().toString(), Set.copyOf(readablePrefixes), ttl.toSeconds(), renewable, now,
                ttl.isZero() ? Instant.MAX : now.plus(ttl));
        tokens.put(token.id(), token);
        return token;
    }

    private static ObjectNode lookupData(Token token)
    {
        long remaining = token.ttlSeconds() == 0 ? 0 : Math.max(0, Duration.between(Instant.now(), token.expires()).toSeconds());
        ObjectNode data = MAPPER.createObjectNode()
                .put("accessor", token.accessor())
                .put("creation_time", token.issued().getEpochSecond())
                .put("creation_ttl", token.ttlSeconds())
                .put("display_name", "token")
                .put("entity_id", "");
        if (token.ttlSeconds() == 0) {
            data.set("expire_time", NullNode.getInstance());
        }
        else {
            data.put("expire_time", token.expires().toString());
        }
        data.put("explicit_max_ttl", 0)
                .put("id", token.id())
                .put("issue_time", token.issued().toString())
                .put("num_uses", 0)
                .put("orphan", false)
                .put("path", "auth/token/create")
                .put("renewable", token.renewable())
                .put("ttl", remaining)
                .put("type", "service");
        data.putArray("policies").add("default");
        return data;
    }

    private static ObjectNode authObject(Token token)
    {
        ObjectNode auth = MAPPER.createObjectNode()
                .put("client_token", token.id())
                .put("accessor", token.accessor());
        auth.putArray("policies").add("default").add("trino");
        auth.putArray("token_policies").add("default").add("trino");
        auth.set("metadata", NullNode.getInstance());
        auth.put("lease_duration", token.ttlSeconds())
                .put("renewable", token.renewable())
                .put("entity_id", "")
                .put("token_type", "service")
                .put("orphan", true);
        auth.set("mfa_requirement", NullNode.getInstance());
        auth.put("num_uses", 0);
        return auth;
    }

    private static ObjectNode envelope(JsonNode data, JsonNode auth, long leaseDuration)
    {
        ObjectNode envelope = MAPPER.createObjectNode()
                .put("request_id", UUID.randomUUID().toString())
                .put("lease_id", "")
                .put("renewable", false)
                .put("lease_duration", leaseDuration);
        envelope.set("data", data == null ? NullNode.getInstance() : data);
        envelope.set("wrap_info", NullNode.getInstance());
        envelope.set("warnings", NullNode.getInstance());
        envelope.set("auth", auth == null ? NullNode.getInstance() : auth);
        envelope.put("mount_type", data == null ? "token" : "kv");
        return envelope;
    }

    private static ObjectNode errorsBody(String... messages)
    {
        ObjectNode body = MAPPER.createObjectNode();
        ArrayNode errors = body.putArray("errors");
        for (String message : messages) {
            errors.add(message);
        }
        return body;
    }

    private static Reply error(int status, String message)
    {
        return new Reply(status, errorsBody(message));
    }

    private static Reply permissionDenied()
    {
        return error(403, "1 error occurred:\n\t* permission denied\n\n");
    }

    private static Reply invalidToken()
    {
        return error(403, "2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n");
    }

    private int requireMount(String mount)
    {
        Integer version = kvMounts.get(mount);
        if (version == null) {
            throw new IllegalArgumentException("no KV mount " + mount);
        }
        return version;
    }

    private List<Version> requireSecret(String mount, String path)
    {
        List<Version> versions = secrets.get(mount + "/" + path);
        if (versions == null || versions.isEmpty()) {
            throw new IllegalArgumentException("no secret " + mount + "/" + path);
        }
        return versions;
    }

    /** A small helper for building {@code key=value} maps in tests, in order. */
    public static Map<String, String> fields(String... keysAndValues)
    {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }
}
