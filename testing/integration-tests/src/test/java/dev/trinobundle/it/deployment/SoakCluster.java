package dev.trinobundle.it.deployment;

import at.favre.lib.crypto.bcrypt.BCrypt;
import dev.trinobundle.authenticator.testing.TestingVaultServer;
import dev.trinobundle.testing.TestingPostgresServer;
import dev.trinobundle.testing.TrinoServer;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static dev.trinobundle.it.deployment.DeploymentFiles.deploymentDir;
import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

/**
 * The soak's cluster: a coordinator configured as the chart configures it, one worker without our plugins, nginx
 * terminating TLS in front of the coordinator's HTTP port, and for the bundle the Vault fixture over HTTPS (AppRole),
 * a real PostgreSQL for the audit sink and the audit volume on a small tmpfs. The baseline is the same cluster with
 * Trino's built-ins: {@code file} access control on the same rules, {@code file} authenticator, no event listener.
 * Also the hands that inject the faults.
 */
final class SoakCluster
        implements AutoCloseable
{
    enum Flavor
    {
        BUNDLE, BUILTINS
    }

    static final String AUDIT_VOLUME_SIZE = "256m";
    // htpasswd -B -C 10, as deployment/helm/README.md tells operators to store passwords
    private static final int BCRYPT_COST = 10;

    private final Flavor flavor;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final Map<String, String> passwords;
    private TestingVaultServer vault;
    private TestingPostgresServer postgres;
    private TrinoServer coordinator;
    private TlsTerminatingNginx nginx;
    private ConfigMapVolume rules;
    private SoakConfiguration configuration;
    private Path auditVolume;
    private Optional<String> tmpfsProblem = Optional.empty();
    private Path filler;

    private SoakCluster(Flavor flavor, Map<String, String> passwords)
    {
        this.flavor = requireNonNull(flavor, "flavor is null");
        this.passwords = Map.copyOf(passwords);
    }

    static SoakCluster start(Flavor flavor, SoakSchedule.Timing timing, Map<String, String> passwords, String rulesJson)
            throws Exception
    {
        SoakCluster cluster = new SoakCluster(flavor, passwords);
        try {
            cluster.startServers(timing, rulesJson);
            return cluster;
        }
        catch (Exception | Error e) {
            cluster.close();
            throw e;
        }
    }

    private void startServers(SoakSchedule.Timing timing, String rulesJson)
            throws Exception
    {
        String sharedSecret = UUID.randomUUID().toString();
        TrinoServer.Builder builder = TrinoServer.builder()
                .withBundledPlugins("tpch", "jmx")
                .withHeapSize("2G")
                .withPasswordAuthentication()
                // as the chart renders it with workers, and as values.yaml sets it for the proxy
                .withConfigProperty("node-scheduler.include-coordinator", "false")
                .withConfigProperty("http-server.process-forwarded", "true")
                .withConfigProperty("internal-communication.shared-secret", etcConfigProperty("internal-communication.shared-secret"))
                .withEnvironment("TRINO_SHARED_SECRET", sharedSecret);
        Path serverDir = builder.serverDir();
        auditVolume = Files.createDirectories(serverDir.resolve("audit-volume"));
        configuration = new SoakConfiguration(new SoakConfiguration.Mounts(
                serverDir.resolve("etc/rules"), serverDir.resolve("secrets/vault"), serverDir.resolve("secrets/vault-approle"),
                serverDir.resolve("secrets/audit-db"), serverDir.resolve("secrets/audit-key"), auditVolume));
        Map<String, String> tpch = configuration.tpchCatalog();
        builder.withCatalog("tpch", tpch).withCatalog("jmx", Map.of("connector.name", "jmx"));

        rules = new ConfigMapVolume(configuration.rulesFile().getParent(), configuration.rulesFile().getFileName().toString());
        rules.publish(rulesJson);

        if (flavor == Flavor.BUNDLE) {
            configureBundle(builder, timing);
        }
        else {
            builder.withBundledPlugins("password-authenticators")
                    .withEtcFile("password.db", passwords.entrySet().stream()
                            .map(entry -> entry.getKey() + ":" + bcrypt(entry.getValue()))
                            .collect(Collectors.joining("\n", "", "\n")))
                    .withEtcProperties("password-authenticator.properties", Map.of(
                            "password-authenticator.name", "file",
                            "file.password-file", builder.etcDir().resolve("password.db").toString()))
                    .withEtcProperties("access-control.properties", configuration.fileAccessControl(timing.refreshPeriod()));
        }
        coordinator = builder.start();
        closeables.add(coordinator);

        TrinoServer worker = TrinoServer.builder()
                .withBundledPlugins("tpch", "jmx")
                .withCatalog("tpch", tpch)
                .withCatalog("jmx", Map.of("connector.name", "jmx"))
                .asWorkerOf(coordinator)
                .withEnvironment("TRINO_SHARED_SECRET", sharedSecret)
                .start();
        // closed before the coordinator (closeables run in reverse)
        closeables.add(worker);
        nginx = TlsTerminatingNginx.start(serverDir.resolve("nginx"), coordinator.httpPort());
        closeables.add(nginx);
    }

    private void configureBundle(TrinoServer.Builder builder, SoakSchedule.Timing timing)
            throws Exception
    {
        Path serverDir = builder.serverDir();
        if (timing.has(SoakSchedule.Fault.AUDIT_DISK_FULL)) {
            mountAuditVolume();
        }

        Files.createDirectories(configuration.vaultCaFile().getParent());
        vault = TestingVaultServer.startHttps(configuration.vaultCaFile().getParent());
        closeables.add(vault);
        Files.copy(vault.caCertFile().orElseThrow(), configuration.vaultCaFile(), StandardCopyOption.REPLACE_EXISTING);
        Map<String, String> stored = new LinkedHashMap<>();
        passwords.forEach((user, password) -> stored.put(user, bcrypt(password)));
        vault.putSecret("secret", "trino/password", stored);
        String roleId = UUID.randomUUID().toString();
        String secretId = UUID.randomUUID().toString();
        vault.enableAppRole("approle", roleId, secretId, Duration.ofHours(1), true, "secret/data/trino/");
        writeSecret(configuration.vaultSecretIdFile(), secretId);

        postgres = TestingPostgresServer.start();
        closeables.add(postgres);
        SoakConfiguration.AuditFiles audit = configuration.auditFiles();
        String databasePassword = UUID.randomUUID().toString();
        try (Connection connection = DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), postgres.password());
                Statement statement = connection.createStatement()) {
            // the chart's own database and user for the audit (the postgresql catalog cannot see it)
            statement.execute("CREATE ROLE %s LOGIN PASSWORD '%s'".formatted(audit.databaseUser(), databasePassword));
            statement.execute("CREATE DATABASE %s OWNER %s".formatted(audit.database(), audit.databaseUser()));
        }
        writeSecret(configuration.auditDatabasePasswordFile(), databasePassword);
        writeSecret(audit.keyFile(), HexFormat.of().formatHex(SecureRandom.getInstanceStrong().generateSeed(32)));

        builder.withBundlePlugins("rules-access-control", "vault-authenticator", "audit-event-listener")
                .withEtcProperties("access-control.properties", configuration.rulesAccessControl(timing.refreshPeriod()))
                .withEtcProperties("password-authenticator.properties", configuration.vaultAuthenticator(vault.address(), timing.vaultCacheTtl(), timing.vaultStaleWindow()))
                .withEnvironment(configuration.vaultRoleIdVariable(), roleId)
                .withEtcProperties("audit-event-listener.properties", configuration.auditListener("jdbc:postgresql://127.0.0.1:%s/".formatted(postgres.port())))
                // values.yaml's coordinatorExtraConfig names the file the same way
                .withConfigProperty("event-listener.config-files", serverDir.resolve("etc/audit-event-listener.properties").toString());
    }

    /** The chart's journal volume as a small file system of its own, so that it can really fill up. */
    private void mountAuditVolume()
    {
        try {
            run(List.of("mount", "-t", "tmpfs", "-o", "size=" + AUDIT_VOLUME_SIZE + ",mode=0700", "tmpfs", auditVolume.toString()));
            closeables.add(() -> run(List.of("umount", "--lazy", auditVolume.toString())));
        }
        catch (IOException e) {
            tmpfsProblem = Optional.of("cannot mount a tmpfs at %s (needs root): %s".formatted(auditVolume, e.getMessage()));
        }
    }

    Flavor flavor()
    {
        return flavor;
    }

    SoakConfiguration.AuditFiles auditFiles()
    {
        return configuration.auditFiles();
    }

    /** trino-jdbc through the proxy's HTTPS, as a BI tool connects; {@code sessionUser} is JDBC's impersonation. */
    Connection connect(String user, String password, Optional<String> sessionUser, String source)
            throws SQLException
    {
        Properties properties = new Properties();
        properties.setProperty("user", user);
        properties.setProperty("password", password);
        properties.setProperty("SSL", "true");
        properties.setProperty("SSLTrustStorePath", nginx.certificatePem().toString());
        properties.setProperty("source", source);
        sessionUser.ifPresent(name -> properties.setProperty("sessionUser", name));
        return DriverManager.getConnection("jdbc:trino://localhost:" + nginx.port(), properties);
    }

    // ---- faults ----------------------------------------------------------------------------------------------

    void sealVault(boolean sealed)
    {
        vault.setSealed(sealed);
    }

    int vaultRequests()
    {
        return vault == null ? 0 : vault.totalRequestCount();
    }

    void stopPostgres()
    {
        postgres.stop();
    }

    void restartPostgres()
    {
        postgres.restart();
    }

    TestingPostgresServer postgres()
    {
        return postgres;
    }

    void publishRules(String content)
    {
        rules.publish(content);
    }

    void killCoordinator()
    {
        coordinator.kill();
    }

    void restartCoordinator()
    {
        coordinator.restart();
    }

    void stopCoordinator()
    {
        coordinator.stop();
    }

    boolean coordinatorRunning()
    {
        return coordinator.isRunning();
    }

    Optional<Long> coordinatorPid()
    {
        try {
            return Optional.of(coordinator.pid());
        }
        catch (IllegalStateException e) {
            return Optional.empty();
        }
    }

    Path coordinatorLog()
    {
        return coordinator.serverLog();
    }

    Optional<String> tmpfsProblem()
    {
        return tmpfsProblem;
    }

    Path auditVolume()
    {
        return auditVolume;
    }

    /** Writes zeros into the audit volume until the file system refuses more: a really full disk. */
    long fillAuditDisk()
            throws IOException
    {
        filler = auditVolume.resolve("filler");
        byte[] chunk = new byte[1 << 20];
        long written = 0;
        try (OutputStream out = Files.newOutputStream(filler)) {
            while (true) {
                out.write(chunk);
                written += chunk.length;
            }
        }
        catch (IOException e) {
            // ENOSPC: the volume is full; write what still fits in smaller pieces
            try (OutputStream out = Files.newOutputStream(filler, StandardOpenOption.APPEND)) {
                for (int size = chunk.length / 2; size >= 1; size /= 2) {
                    try {
                        out.write(chunk, 0, size);
                        out.flush();
                        written += size;
                    }
                    catch (IOException _) {
                        // next, smaller piece
                    }
                }
            }
            catch (IOException _) {
                // full to the last byte
            }
        }
        return written;
    }

    void freeAuditDisk()
            throws IOException
    {
        Files.deleteIfExists(filler);
    }

    @Override
    public void close()
    {
        List<Exception> failures = new ArrayList<>();
        for (AutoCloseable closeable : closeables.reversed()) {
            try {
                closeable.close();
            }
            catch (Exception e) {
                failures.add(e);
            }
        }
        closeables.clear();
        if (!failures.isEmpty()) {
            RuntimeException failure = new RuntimeException("Cannot stop the soak cluster cleanly", failures.getFirst());
            failures.stream().skip(1).forEach(failure::addSuppressed);
            throw failure;
        }
    }

    private static String bcrypt(String password)
    {
        return new String(BCrypt.with(BCrypt.Version.VERSION_2Y).hash(BCRYPT_COST, password.getBytes(UTF_8)), UTF_8);
    }

    /** A Secret's file as the kubelet mounts it: readable by its owner only. */
    private static void writeSecret(Path file, String content)
            throws IOException
    {
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--------"));
    }

    private static String etcConfigProperty(String key)
            throws IOException
    {
        Properties properties = new Properties();
        try (var reader = Files.newBufferedReader(deploymentDir().resolve("etc/config.properties"))) {
            properties.load(reader);
        }
        return requireNonNull(properties.getProperty(key), key);
    }

    private static void run(List<String> command)
            throws IOException
    {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), UTF_8);
        try {
            if (!process.waitFor(1, TimeUnit.MINUTES) || process.exitValue() != 0) {
                throw new IOException("%s failed: %s".formatted(String.join(" ", command), output.strip()));
            }
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + command, e);
        }
    }
}
