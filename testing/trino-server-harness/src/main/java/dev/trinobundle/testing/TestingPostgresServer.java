package dev.trinobundle.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import static java.util.Objects.requireNonNull;

/**
 * A real PostgreSQL server from the machine's Debian packages ({@code /usr/lib/postgresql/<version>/bin}), in its own
 * temporary cluster on 127.0.0.1 and a free port. {@code initdb} refuses to run as root, so as root the cluster belongs
 * to the {@code postgres} user and every command runs through {@code runuser}. {@link #stop()} and {@link #restart()}
 * keep the data and the port, to test clients against an outage.
 */
public final class TestingPostgresServer
        implements AutoCloseable
{
    private static final String USER = "trino_test";
    private static final Set<TestingPostgresServer> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(TestingPostgresServer::stopQuietly), "postgres-reaper"));
    }

    private final Path binDir;
    private final Path baseDir;
    private final int port;
    private final String password;
    private final boolean asPostgresUser;
    private boolean running;

    private TestingPostgresServer(Path binDir, Path baseDir, int port, String password, boolean asPostgresUser)
    {
        this.binDir = requireNonNull(binDir, "binDir is null");
        this.baseDir = requireNonNull(baseDir, "baseDir is null");
        this.port = port;
        this.password = requireNonNull(password, "password is null");
        this.asPostgresUser = asPostgresUser;
    }

    public static TestingPostgresServer start()
    {
        Path binDir = findBinDir();
        boolean asPostgresUser = "root".equals(System.getProperty("user.name"));
        try {
            Path baseDir = Files.createTempDirectory("trino-bundle-postgres-");
            String password = UUID.randomUUID().toString();
            Files.writeString(baseDir.resolve("pwfile"), password + "\n");
            TestingPostgresServer server = new TestingPostgresServer(binDir, baseDir, TrinoServer.freePort(), password, asPostgresUser);
            if (asPostgresUser) {
                TrinoDistribution.run(List.of("chown", "-R", "postgres:postgres", baseDir.toString()));
            }
            server.runAsOwner(List.of(binDir.resolve("initdb").toString(), "--pgdata=" + server.dataDir(), "--username=" + USER,
                    "--pwfile=" + baseDir.resolve("pwfile"), "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C", "--no-sync"));
            server.restart();
            return server;
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot start a PostgreSQL server from " + binDir, e);
        }
    }

    public String jdbcUrl()
    {
        return jdbcUrl("postgres");
    }

    public String jdbcUrl(String database)
    {
        return "jdbc:postgresql://127.0.0.1:%s/%s".formatted(port, database);
    }

    public String user()
    {
        return USER;
    }

    public String password()
    {
        return password;
    }

    public int port()
    {
        return port;
    }

    public synchronized boolean isRunning()
    {
        return running;
    }

    /** Starts the (stopped) server again with the same data and port. */
    public synchronized void restart()
    {
        if (running) {
            return;
        }
        try {
            runAsOwner(List.of(binDir.resolve("pg_ctl").toString(), "--pgdata=" + dataDir(), "--log=" + baseDir.resolve("postgres.log"),
                    "--wait", "--timeout=60",
                    "-o", "-c listen_addresses=127.0.0.1 -c port=%s -c unix_socket_directories=%s -c fsync=off".formatted(port, baseDir),
                    "start"));
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot start PostgreSQL in %s; log:%n%s".formatted(dataDir(), log()), e);
        }
        running = true;
        RUNNING.add(this);
    }

    /** Fast shutdown: clients see their connections closed and new ones refused, as in an outage. */
    public synchronized void stop()
    {
        if (!running) {
            return;
        }
        try {
            runAsOwner(List.of(binDir.resolve("pg_ctl").toString(), "--pgdata=" + dataDir(), "--mode=fast", "--wait", "--timeout=60", "stop"));
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot stop PostgreSQL in " + dataDir(), e);
        }
        running = false;
        RUNNING.remove(this);
    }

    @Override
    public synchronized void close()
    {
        stop();
        try {
            TrinoDistribution.deleteRecursively(baseDir);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void stopQuietly()
    {
        try {
            stop();
        }
        catch (RuntimeException _) {
            // best effort at JVM exit
        }
    }

    private Path dataDir()
    {
        return baseDir.resolve("data");
    }

    private String log()
    {
        try {
            return Files.readString(baseDir.resolve("postgres.log"));
        }
        catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private void runAsOwner(List<String> command)
            throws IOException
    {
        List<String> full = new ArrayList<>();
        if (asPostgresUser) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(command);
        TrinoDistribution.run(full);
    }

    private static Path findBinDir()
    {
        try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
            return versions.map(version -> version.resolve("bin"))
                    .filter(bin -> Files.isExecutable(bin.resolve("initdb")) && Files.isExecutable(bin.resolve("pg_ctl")))
                    .max(Comparator.comparing(bin -> Integer.parseInt(bin.getParent().getFileName().toString().replaceAll("\\D", "0"))))
                    .orElseThrow(TestingPostgresServer::notInstalled);
        }
        catch (IOException _) {
            throw notInstalled();
        }
    }

    private static IllegalStateException notInstalled()
    {
        return new IllegalStateException("No PostgreSQL server binaries under /usr/lib/postgresql/*/bin: install them (Debian: apt-get install postgresql-15)");
    }
}
