package dev.trinobundle.benchmarks.authenticator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The two Vault endpoints a token-authenticated KV v2 reader uses ({@code auth/token/lookup-self} and
 * {@code <mount>/data/<path>}), answered with Vault's response shapes, counting the KV reads. The full fixture lives in
 * the authenticator's test sources; the benchmark only needs these.
 */
final class StubVaultServer
        implements AutoCloseable
{
    static final String TOKEN = "benchmark-token";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final Map<String, Map<String, String>> secrets = new ConcurrentHashMap<>();
    private final AtomicLong kvReads = new AtomicLong();
    private final HttpServer server;

    StubVaultServer()
    {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newFixedThreadPool(4, runnable -> {
            Thread thread = new Thread(runnable, "stub-vault");
            thread.setDaemon(true);
            return thread;
        }));
        server.start();
    }

    String address()
    {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    void put(String path, Map<String, String> data)
    {
        secrets.put(path, Map.copyOf(data));
    }

    long kvReads()
    {
        return kvReads.get();
    }

    private void handle(HttpExchange exchange)
            throws IOException
    {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            if (!TOKEN.equals(exchange.getRequestHeaders().getFirst("X-Vault-Token"))) {
                reply(exchange, 403, Map.of("errors", new String[] {"permission denied"}));
            }
            else if (path.equals("/v1/auth/token/lookup-self")) {
                reply(exchange, 200, Map.of("data", Map.of("id", TOKEN, "ttl", 0, "renewable", false, "policies", new String[] {"root"})));
            }
            else if (path.startsWith("/v1/secret/data/")) {
                kvReads.incrementAndGet();
                Map<String, String> data = secrets.get(path.substring("/v1/secret/data/".length()));
                if (data == null) {
                    reply(exchange, 404, Map.of("errors", new String[0]));
                }
                else {
                    reply(exchange, 200, Map.of("lease_duration", 0, "renewable", false,
                            "data", Map.of("data", data, "metadata", Map.of("version", 1, "deletion_time", "", "destroyed", false))));
                }
            }
            else {
                reply(exchange, 404, Map.of("errors", new String[0]));
            }
        }
    }

    private static void reply(HttpExchange exchange, int status, Object body)
            throws IOException
    {
        byte[] bytes = MAPPER.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close()
    {
        server.stop(0);
    }
}
