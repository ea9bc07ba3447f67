package dev.trinobundle.it.deployment;

import com.google.common.primitives.Longs;
import com.sun.net.httpserver.HttpServer;
import dev.trinobundle.authenticator.testing.TestingVaultServer;
import dev.trinobundle.testing.TrinoServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static dev.trinobundle.it.deployment.DeploymentFiles.deploymentDir;
import static java.util.stream.Collectors.joining;

/**
 * What the bundle costs per query, against Trino's built-ins doing the same jobs. Two real servers serve the same
 * small JDBC queries over HTTPS with password authentication, measured in alternating blocks of 10 so that machine noise
 * hits both alike. Run through {@code deployment/benchmark-overhead}:
 * <ul>
 * <li>{@code [queries]}: the bundle (rules access control, the Vault authenticator against an in-process Vault
 * fixture, the audit listener writing its log) against the {@code file} access control (same rules), the
 * {@code file} authenticator and a no-op listener (Trino builds the query events for any listener; a listener cannot
 * cost less than that);</li>
 * <li>{@code decompose [queries]}: one plugin at a time against the same built-ins: rules vs {@code file}, vault vs
 * {@code file}, a no-op listener vs none, audit vs no-op, Trino's {@code http} listener vs no-op;</li>
 * <li>{@code noise [queries]}: the built-ins against themselves, the ratio this method reports for no difference.</li>
 * </ul>
 * Each block of queries runs on both servers, in an order that alternates from block to block; each comparison runs
 * in {@link #FORKS} forks with fresh servers, reported one by one and pooled.
 */
public final class OverheadBenchmark
{
    private static final String SQL = "SELECT name FROM tpch.tiny.nation WHERE nationkey = ?";
    private static final String PASSWORD = "bench-password";
    // small blocks (0.3 s here): the two servers see the same moments of the machine (GC, JIT, the other server's
    // timers), so the p99 ratio measures the servers, not when a stall happened to fall; 100 gave p99 ratios 0.97-1.17
    private static final int BLOCK = 10;
    // fresh servers per fork, as JMH forks JVMs: a server's JIT and heap layout are a random effect of several per
    // cent (the same code, one pair of servers per run: median ratios 1.059, then 0.999)
    private static final int FORKS = 2;

    private OverheadBenchmark() {}

    private record Setup(String accessControl, String authenticator, String listener)
    {
        @Override
        public String toString()
        {
            return accessControl + "/" + authenticator + "/" + listener;
        }
    }

    public static void main(String[] args)
            throws Exception
    {
        String mode = args.length > 0 && !args[0].matches("[0-9]+") ? args[0] : "bundle";
        int queries = args.length > (mode.equals("bundle") ? 0 : 1) ? Integer.parseInt(args[mode.equals("bundle") ? 0 : 1]) : 3000;
        Setup builtins = new Setup("file", "file", "noop");
        List<Setup[]> pairs = switch (mode) {
            case "decompose" -> List.of(
                        new Setup[] {new Setup("rules", "file", "none"), new Setup("file", "file", "none")},
                        new Setup[] {new Setup("file", "vault", "none"), new Setup("file", "file", "none")},
                        new Setup[] {builtins, new Setup("file", "file", "none")},
                        new Setup[] {new Setup("file", "file", "audit"), builtins},
                        new Setup[] {new Setup("file", "file", "http"), builtins});
            case "noise" -> List.<Setup[]>of(new Setup[] {builtins, builtins});
            case "bundle" -> List.<Setup[]>of(new Setup[] {new Setup("rules", "vault", "audit"), builtins});
            default -> throw new IllegalArgumentException("usage: benchmark-overhead [decompose|noise] [queries]");
        };
        String rules = Files.readString(deploymentDir().resolve("etc/rules.json"));
        try (TestingVaultServer vault = TestingVaultServer.start();
                IngestServer ingest = new IngestServer()) {
            vault.putSecret("secret", "trino/password", Map.of("admin", "plain:" + PASSWORD));
            String token = vault.createToken(Duration.ofHours(2), true, "secret/data/trino/");
            for (Setup[] pair : pairs) {
                long[][] pooled = new long[2][0];
                for (int fork = 0; fork < FORKS; fork++) {
                    // which server starts second (a warmer machine, the other heap layout) alternates too
                    boolean swap = fork % 2 == 1;
                    try (TrinoServer started = server(pair[swap ? 1 : 0], rules, vault, token, ingest);
                            TrinoServer next = server(pair[swap ? 0 : 1], rules, vault, token, ingest)) {
                        long[][] nanos = measure(queries, pair, swap ? next : started, swap ? started : next);
                        report("fork %d of %d".formatted(fork + 1, FORKS), pair, nanos);
                        pooled[0] = Longs.concat(pooled[0], nanos[0]);
                        pooled[1] = Longs.concat(pooled[1], nanos[1]);
                    }
                }
                report("all %d forks".formatted(FORKS), pair, pooled);
            }
        }
    }

    private static TrinoServer server(Setup setup, String rules, TestingVaultServer vault, String token, IngestServer ingest)
            throws IOException
    {
        TrinoServer.Builder builder = TrinoServer.builder()
                // Trino keeps finished queries for 15 minutes by default: over thousands of queries the heap of a 1 GB
                // server fills with their history, and the G1 marking it causes swamps a difference of a few per cent
                // (profiled: heap after GC 470 -> 900 MB, the marking thread 30-60 s of CPU per server and run)
                .withHeapSize("2G")
                .withConfigProperty("query.min-expire-age", "30s")
                .withConfigProperty("query.max-history", "100")
                .withBundledPlugins("tpch", "jmx")
                .withCatalog("tpch", Map.of("connector.name", "tpch"))
                // Trino's own timing of the event listener calls, read after the measurement
                .withCatalog("jmx", Map.of("connector.name", "jmx"))
                .withEtcFile("rules.json", rules);
        switch (setup.accessControl()) {
            case "rules" -> builder.withBundlePlugins("rules-access-control")
                    .withEtcProperties("access-control.properties", Map.of(
                            "access-control.name", "rules",
                            "security.config-file", builder.etcDir().resolve("rules.json").toString()));
            case "file" -> builder.withEtcProperties("access-control.properties", Map.of(
                    "access-control.name", "file",
                    "security.config-file", builder.etcDir().resolve("rules.json").toString()));
            default -> throw new IllegalArgumentException(setup.accessControl());
        }
        switch (setup.authenticator()) {
            case "vault" -> builder.withBundlePlugins("vault-authenticator")
                    .withPasswordAuthentication()
                    .withEtcProperties("password-authenticator.properties", Map.of(
                            "password-authenticator.name", "vault",
                            "vault.address", vault.address().toString(),
                            "vault.allow-insecure", "true",
                            "vault.token", token));
            case "file" -> builder.withFilePasswords(Map.of("admin", PASSWORD));
            default -> throw new IllegalArgumentException(setup.authenticator());
        }
        switch (setup.listener()) {
            case "none" -> {}
            case "noop" -> {
                NoopEventListenerPlugin.install(builder.serverDir().resolve("plugin"));
                builder.withEtcProperties("event-listener.properties", Map.of("event-listener.name", "noop"));
            }
            case "audit" -> builder.withBundlePlugins("audit-event-listener")
                    .withEtcProperties("event-listener.properties", Map.of(
                            "event-listener.name", "audit",
                            "audit.journal.directory", builder.serverDir().resolve("audit/log").toString(),
                            // as deployed: signed checkpoints in a directory of their own, every second
                            "audit.checkpoint.directory", builder.serverDir().resolve("audit/checkpoints").toString(),
                            "audit.mac.key-file", Files.writeString(Files.createDirectories(builder.serverDir().resolve("audit")).resolve("key"), "k".repeat(64)).toString()));
            case "http" -> builder.withBundledPlugins("http-event-listener")
                    .withEtcProperties("event-listener.properties", Map.of(
                            "event-listener.name", "http",
                            "http-event-listener.log-created", "true",
                            "http-event-listener.log-completed", "true",
                            "http-event-listener.connect-ingest-uri", ingest.uri().toString()));
            default -> throw new IllegalArgumentException(setup.listener());
        }
        return builder.start();
    }

    // the two servers' latencies, alternating in blocks after a warm-up
    private static long[][] measure(int queries, Setup[] pair, TrinoServer first, TrinoServer second)
            throws Exception
    {
        // Code a plugin runs once per query (a listener's callbacks) is C2-compiled only after about 5,000 calls
        // (Tier4InvocationThreshold): with 1,000 warm-up queries the audit listener's queryCreated took 160 us in the
        // server (Trino's EventListenerManager timing) against 12 us compiled (JMH), while Trino's own code, run many
        // times per query, was long compiled. A coordinator runs far more queries than that; measure it compiled.
        int warmup = Math.max(5000, queries);
        try (Connection firstConnection = first.connect("admin", PASSWORD);
                Connection secondConnection = second.connect("admin", PASSWORD);
                PreparedStatement firstStatement = firstConnection.prepareStatement(SQL);
                PreparedStatement secondStatement = secondConnection.prepareStatement(SQL)) {
            // the harness cannot log in to a server with the Vault authenticator to wait for its node: wait here
            awaitNode(firstStatement);
            awaitNode(secondStatement);
            run(firstStatement, new long[warmup], 0, warmup);
            run(secondStatement, new long[warmup], 0, warmup);
            long[] firstNanos = new long[queries];
            long[] secondNanos = new long[queries];
            for (int offset = 0; offset < queries; offset += BLOCK) {
                int count = Math.min(BLOCK, queries - offset);
                // the order alternates: the server that runs second in a block does not always get a warmer machine
                if ((offset / BLOCK) % 2 == 0) {
                    run(firstStatement, firstNanos, offset, count);
                    run(secondStatement, secondNanos, offset, count);
                }
                else {
                    run(secondStatement, secondNanos, offset, count);
                    run(firstStatement, firstNanos, offset, count);
                }
            }
            System.out.printf("%d queries per server (%s) after %d warm-up, load average %s%n", queries, SQL, warmup, loadAverage());
            listenerTimes(pair[0], firstConnection);
            listenerTimes(pair[1], secondConnection);
            return new long[][] {firstNanos, secondNanos};
        }
    }

    private static void awaitNode(PreparedStatement statement)
            throws Exception
    {
        for (int attempt = 1; ; attempt++) {
            try {
                run(statement, new long[1], 0, 1);
                return;
            }
            catch (SQLException e) {
                if (attempt == 60 || !String.valueOf(e.getMessage()).contains("No nodes available")) {
                    throw e;
                }
                Thread.sleep(1000);
            }
        }
    }

    // Trino's timing of its event listener calls (all listeners; queryCompleted includes building the event)
    private static void listenerTimes(Setup setup, Connection connection)
            throws SQLException
    {
        String columns = Stream.of("querycreatedtime", "querycompletedtime").flatMap(stat -> Stream.of(".alltime.p50", ".alltime.p99").map(suffix -> "\"" + stat + suffix + "\""))
                .collect(joining(", "));
        try (ResultSet stats = connection.createStatement().executeQuery("SELECT %s FROM jmx.current.\"trino.eventlistener:name=eventlistenermanager\"".formatted(columns))) {
            stats.next();
            System.out.printf("  %-20s listener calls: queryCreated p50 %.3f ms p99 %.3f ms, queryCompleted (with building the event) p50 %.3f ms p99 %.3f ms%n",
                    setup, stats.getDouble(1), stats.getDouble(2), stats.getDouble(3), stats.getDouble(4));
        }
    }

    private static void report(String label, Setup[] pair, long[][] nanos)
    {
        long[] first = nanos[0].clone();
        long[] second = nanos[1].clone();
        Arrays.sort(first);
        Arrays.sort(second);
        System.out.printf("%s: %d queries per server%n", label, first.length);
        System.out.printf("  %-20s median %8.2f ms   p99 %8.2f ms%n", pair[0], percentile(first, 0.5), percentile(first, 0.99));
        System.out.printf("  %-20s median %8.2f ms   p99 %8.2f ms%n", pair[1], percentile(second, 0.5), percentile(second, 0.99));
        System.out.printf("  ratio                median %8.3f      p99 %8.3f   (%s / %s)%n",
                percentile(first, 0.5) / percentile(second, 0.5), percentile(first, 0.99) / percentile(second, 0.99), pair[0], pair[1]);
    }

    private static String loadAverage()
            throws IOException
    {
        return String.join(" ", Arrays.copyOf(Files.readString(Path.of("/proc/loadavg")).split(" "), 3));
    }

    private static void run(PreparedStatement statement, long[] nanos, int offset, int count)
            throws SQLException
    {
        for (int i = 0; i < count; i++) {
            statement.setLong(1, (offset + i) % 25);
            long start = System.nanoTime();
            try (ResultSet rows = statement.executeQuery()) {
                // read to the end: closing a result set early cancels the query (and the audit records a failure)
                int rowCount = 0;
                while (rows.next()) {
                    rowCount++;
                }
                if (rowCount != 1) {
                    throw new IllegalStateException("expected one row, got " + rowCount);
                }
            }
            nanos[offset + i] = System.nanoTime() - start;
        }
    }

    private static double percentile(long[] sortedNanos, double fraction)
    {
        int index = Math.min(sortedNanos.length - 1, (int) Math.ceil(fraction * sortedNanos.length) - 1);
        return sortedNanos[Math.max(0, index)] / 1_000_000.0;
    }

    /**
     * Accepts every POST with 200, as an ingest service would: the target of Trino's {@code http} listener.
     */
    private static final class IngestServer
            implements AutoCloseable
    {
        private final HttpServer server;

        IngestServer()
                throws IOException
        {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
            server.createContext("/", exchange -> {
                try (InputStream body = exchange.getRequestBody()) {
                    body.transferTo(OutputStream.nullOutputStream());
                }
                exchange.sendResponseHeaders(200, -1);
                exchange.close();
            });
            server.start();
        }

        URI uri()
        {
            return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/events");
        }

        @Override
        public void close()
        {
            server.stop(0);
        }
    }
}
