package dev.trinobundle.it.deployment;

import io.trino.jdbc.TrinoResultSet;
import io.trino.jdbc.TrinoStatement;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * BI-tool-like traffic through trino-jdbc and the proxy: {@value #BI_CLIENTS} clients log in as the service user and
 * impersonate {@value #IMPERSONATED_USERS} users in turn, three analysts log in directly (and now and then try to
 * impersonate someone, which the rules deny), one client guesses passwords. Every query is recorded with what the
 * client saw: completed (all rows read), failed (the server gave it a query id) or refused (no query id: login refused,
 * authentication error, proxy or coordinator down).
 */
final class SoakLoad
        implements AutoCloseable
{
    static final String SERVICE_USER = "admin";
    static final List<String> DIRECT_USERS = List.of("analyst1", "analyst2", "analyst3");
    static final String REVOKED_USER = "analyst1";
    static final String GUESSED_USER = "mallory";
    static final int BI_CLIENTS = 8;
    static final int IMPERSONATED_USERS = 200;
    static final int LONG_QUERY_TEXT = 1_000_000;

    private static final Pattern QUERY_ID = Pattern.compile("Query failed \\(#([0-9a-z_]+)\\)");
    private static final Pattern HTTP_STATUS = Pattern.compile("statusCode=(\\d{3})");

    enum Kind
    {
        POINT, COUNT, METADATA, LONG, DENIED_IMPERSONATION, WRONG_PASSWORD, BURST, HOSTILE_NUL, HOSTILE_LONG_TEXT, MONITOR;

        /** Submitted with the right password and allowed by the chart's rules (the revoke aside). */
        boolean expectAllowed()
        {
            return this != DENIED_IMPERSONATION && this != WRONG_PASSWORD && this != BURST;
        }

        boolean wrongPassword()
        {
            return this == WRONG_PASSWORD || this == BURST;
        }
    }

    enum Result
    {
        COMPLETED, FAILED, REFUSED
    }

    /** One query as the client saw it; {@code start} in seconds on the soak's clock. */
    record Outcome(String client, Kind kind, String principal, String user, double start, double millis, Result result, String queryId, String error, String message) {}

    private final SoakCluster cluster;
    private final SoakClock clock;
    private final Map<String, String> passwords;
    private final ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
    private final AtomicInteger nextImpersonated = new AtomicInteger();
    private final ExecutorService clients = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "soak-client");
        thread.setDaemon(true);
        return thread;
    });
    private volatile boolean running;

    SoakLoad(SoakCluster cluster, SoakClock clock, Map<String, String> passwords)
    {
        this.cluster = requireNonNull(cluster, "cluster is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.passwords = Map.copyOf(passwords);
    }

    /** Random passwords of every user the load logs in as (the service user, the analysts, the guessed user). */
    static Map<String, String> passwords()
    {
        Map<String, String> passwords = new LinkedHashMap<>();
        passwords.put(SERVICE_USER, UUID.randomUUID().toString());
        DIRECT_USERS.forEach(user -> passwords.put(user, UUID.randomUUID().toString()));
        passwords.put(GUESSED_USER, UUID.randomUUID().toString());
        return passwords;
    }

    void start()
    {
        running = true;
        for (int i = 0; i < BI_CLIENTS; i++) {
            String client = "bi-" + i;
            Random random = new Random(client.hashCode());
            clients.execute(() -> {
                while (running) {
                    String user = "u%03d".formatted(nextImpersonated.getAndIncrement() % IMPERSONATED_USERS);
                    Kind kind = pick(random);
                    execute(client, kind, SERVICE_USER, passwords.get(SERVICE_USER), Optional.of(user), sql(kind, random, true));
                    think(random, 150, 350);
                }
            });
        }
        for (String user : DIRECT_USERS) {
            Random random = new Random(user.hashCode());
            clients.execute(() -> {
                while (running) {
                    if (random.nextInt(100) < 5) {
                        execute(user, Kind.DENIED_IMPERSONATION, user, passwords.get(user), Optional.of("u%03d".formatted(random.nextInt(IMPERSONATED_USERS))), "SELECT 1");
                    }
                    else {
                        Kind kind = pick(random);
                        execute(user, kind, user, passwords.get(user), Optional.empty(), sql(kind, random, false));
                    }
                    think(random, 300, 700);
                }
            });
        }
        Random guesses = new Random(42);
        clients.execute(() -> {
            for (int i = 0; running; i++) {
                // a known name and made-up ones: never a name a real client logs in with (that is the burst's job)
                String user = i % 2 == 0 ? GUESSED_USER : "ghost" + guesses.nextInt(1000);
                execute("guesser", Kind.WRONG_PASSWORD, user, "guess-" + guesses.nextInt(), Optional.empty(), "SELECT 1");
                think(guesses, 1500, 2500);
            }
        });
    }

    /** Stops the clients after their current query. */
    void stop()
            throws InterruptedException
    {
        running = false;
        clients.shutdown();
        if (!clients.awaitTermination(5, TimeUnit.MINUTES)) {
            throw new IllegalStateException("soak clients did not finish their last queries in 5 minutes");
        }
    }

    List<Outcome> outcomes()
    {
        return List.copyOf(outcomes);
    }

    /** The burst: {@code attempts} logins of the service user with wrong passwords, eight at a time. */
    String wrongPasswordBurst(int attempts)
            throws InterruptedException
    {
        ExecutorService burst = Executors.newFixedThreadPool(8);
        AtomicInteger accepted = new AtomicInteger();
        double start = clock.seconds();
        for (int i = 0; i < attempts; i++) {
            String password = "wrong-" + i;
            burst.execute(() -> {
                if (execute("burst", Kind.BURST, SERVICE_USER, password, Optional.empty(), "SELECT 1").result() != Result.REFUSED) {
                    accepted.incrementAndGet();
                }
            });
        }
        burst.shutdown();
        burst.awaitTermination(30, TimeUnit.MINUTES);
        return "%d wrong passwords in %.1f s, %d got in".formatted(attempts, clock.seconds() - start, accepted.get());
    }

    /** Query texts a client could send: U+0000 inside a literal, and 1,000,000 characters (Trino's query.max-length). */
    String hostileQueryTexts()
    {
        String longPrefix = "SELECT count(*) FROM tpch.tiny.nation WHERE name <> '";
        String longText = longPrefix + "x".repeat(LONG_QUERY_TEXT - longPrefix.length() - 1) + "'";
        List<String> results = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String user = "u%03d".formatted(i);
            results.add(execute("hostile", Kind.HOSTILE_NUL, SERVICE_USER, passwords.get(SERVICE_USER), Optional.of(user), "SELECT length('soak\u0000nul') AS n").result().name());
            results.add(execute("hostile", Kind.HOSTILE_LONG_TEXT, SERVICE_USER, passwords.get(SERVICE_USER), Optional.of(user), longText).result().name());
        }
        return "NUL / 1,000,000-character texts: " + String.join(" ", results);
    }

    /** A query of the monitor (JMX through Trino, as the service user); its rows, empty if it did not complete. */
    List<List<String>> monitorQuery(String sql)
    {
        List<List<String>> rows = new ArrayList<>();
        execute("monitor", Kind.MONITOR, SERVICE_USER, passwords.get(SERVICE_USER), Optional.empty(), sql, rows);
        return rows;
    }

    Outcome execute(String client, Kind kind, String principal, String password, Optional<String> sessionUser, String sql)
    {
        return execute(client, kind, principal, password, sessionUser, sql, null);
    }

    private Outcome execute(String client, Kind kind, String principal, String password, Optional<String> sessionUser, String sql, List<List<String>> rows)
    {
        double start = clock.seconds();
        long startNanos = System.nanoTime();
        AtomicReference<String> queryId = new AtomicReference<>();
        Result result;
        String error = null;
        String message = null;
        try (Connection connection = cluster.connect(principal, password, sessionUser, "soak-" + client);
                Statement statement = connection.createStatement()) {
            statement.unwrap(TrinoStatement.class).setProgressMonitor(stats -> queryId.compareAndSet(null, stats.getQueryId()));
            try (ResultSet resultSet = statement.executeQuery(sql)) {
                queryId.compareAndSet(null, resultSet.unwrap(TrinoResultSet.class).getQueryId());
                int columns = resultSet.getMetaData().getColumnCount();
                // read to the end: closing early cancels the query, and the audit would record a failure
                while (resultSet.next()) {
                    if (rows != null) {
                        List<String> row = new ArrayList<>();
                        for (int i = 1; i <= columns; i++) {
                            row.add(resultSet.getString(i));
                        }
                        rows.add(row);
                    }
                }
            }
            result = Result.COMPLETED;
        }
        catch (SQLException | RuntimeException e) {
            Matcher matcher = QUERY_ID.matcher(String.valueOf(e.getMessage()));
            if (matcher.find()) {
                queryId.compareAndSet(null, matcher.group(1));
            }
            result = queryId.get() == null ? Result.REFUSED : Result.FAILED;
            error = category(e, queryId.get() != null);
            // the soak's own query texts only; kept short for the report's samples
            String text = String.valueOf(e.getMessage()).lines().findFirst().orElse("") + (e.getCause() == null ? "" : " / " + e.getCause());
            message = text.substring(0, Math.min(300, text.length()));
        }
        Outcome outcome = new Outcome(client, kind, principal, sessionUser.orElse(principal), start, (System.nanoTime() - startNanos) / 1e6, result, queryId.get(), error, message);
        outcomes.add(outcome);
        return outcome;
    }

    /** What kind of failure, from what trino-jdbc says; never the message itself (it may quote the query). */
    static String category(Exception e, boolean hasQueryId)
    {
        String message = String.valueOf(e.getMessage());
        if (hasQueryId && e instanceof SQLException sql) {
            return switch (sql.getErrorCode()) {
                case 0 -> "connection lost after the query started";
                case 3 -> "USER_CANCELED";
                case 4 -> message.contains("is invalid since") ? "PERMISSION_DENIED (rules file invalid)" : "PERMISSION_DENIED";
                case 65536 -> "GENERIC_INTERNAL_ERROR";
                case 65537 -> "NO_NODES_AVAILABLE";
                case 65541 -> "SERVER_SHUTTING_DOWN";
                default -> "error code " + sql.getErrorCode();
            };
        }
        if (message.contains("Authentication failed")) {
            return "login refused (401)";
        }
        Matcher status = HTTP_STATUS.matcher(message);
        if (status.find()) {
            // 500: Trino's answer to an authenticator that could not check the password (Vault unavailable);
            // 502-504: the proxy found no coordinator
            return switch (status.group(1)) {
                // Trino answers 500 while it starts, until it has loaded its password authenticators
                case "500" -> message.contains("authenticators were not loaded") ? "authenticators not loaded yet (500)" : "authentication error (500)";
                case "502", "503", "504" -> "proxy " + status.group(1);
                default -> "HTTP " + status.group(1);
            };
        }
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return "no answer: " + root.getClass().getSimpleName();
    }

    private static Kind pick(Random random)
    {
        int roll = random.nextInt(100);
        if (roll < 65) {
            return Kind.POINT;
        }
        if (roll < 80) {
            return Kind.COUNT;
        }
        return roll < 96 ? Kind.METADATA : Kind.LONG;
    }

    private static String sql(Kind kind, Random random, boolean bi)
    {
        return switch (kind) {
            case POINT -> "SELECT name, regionkey FROM tpch.tiny.nation WHERE nationkey = " + random.nextInt(25);
            case COUNT -> "SELECT count(*) FROM tpch.tiny.orders WHERE orderpriority = '1-URGENT'";
            // every listing reads the tpch catalog, so that a revoked user is refused them all
            case METADATA -> switch (random.nextInt(bi ? 4 : 3)) {
                case 0 -> "SHOW SCHEMAS FROM tpch";
                case 1 -> "SELECT table_name FROM tpch.information_schema.tables WHERE table_schema = 'tiny'";
                case 2 -> "SELECT column_name FROM tpch.information_schema.columns WHERE table_schema = 'tiny' AND table_name = 'orders'";
                default -> "SHOW CATALOGS";
            };
            // some seconds on this machine: 1.5 million generated rows on the worker
            case LONG -> "SELECT orderpriority, count(*), sum(totalprice) FROM tpch.sf1.orders GROUP BY orderpriority";
            default -> throw new IllegalArgumentException(kind.name());
        };
    }

    private void think(Random random, int minMillis, int maxMillis)
    {
        // pacing of a client between its queries (BI dashboards refresh tiles), not a wait for a condition
        try {
            Thread.sleep(minMillis + random.nextInt(maxMillis - minMillis));
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    @Override
    public void close()
    {
        running = false;
        clients.shutdownNow();
    }
}
