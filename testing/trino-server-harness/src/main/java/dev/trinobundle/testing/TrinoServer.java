package dev.trinobundle.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static java.nio.file.StandardOpenOption.APPEND;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.util.Objects.requireNonNull;

/**
 * A real Trino server started from the release tarball with {@code bin/launcher run}: only the bundled plugins a test
 * asks for, our plugin directories as built, and the {@code etc/} files the test gives. Always stopped by
 * {@link #close()}, and by a JVM shutdown hook if a test run is interrupted.
 */
public final class TrinoServer
        implements AutoCloseable
{
    public static final String BUNDLE_PLUGINS_DIR_PROPERTY = "trino.bundle.plugins.dir";

    private static final Duration STARTUP_TIMEOUT = Duration.ofMinutes(3);
    private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);
    private static final AtomicInteger SERVER_COUNTER = new AtomicInteger();
    private static final Set<TrinoServer> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(TrinoServer::killProcessTree), "trino-server-reaper"));
    }

    private final TrinoDistribution distribution;
    private final Path jdk;
    private final Path serverDir;
    private final int httpPort;
    private final Optional<Integer> httpsPort;
    private final Optional<SelfSignedCertificate> certificate;
    private final Map<String, String> environment;
    private final List<String> jvmOptions;
    private final Map<String, String> configProperties;
    private final Optional<Map.Entry<String, String>> readinessLogin;
    private final String readinessQuery;
    private Process process;

    private TrinoServer(Builder builder)
    {
        this.distribution = builder.distribution;
        this.jdk = builder.jdk;
        this.serverDir = builder.serverDir;
        this.httpPort = builder.httpPort;
        this.httpsPort = builder.httpsPort;
        this.certificate = builder.certificate;
        this.environment = Map.copyOf(builder.environment);
        this.jvmOptions = List.copyOf(builder.jvmOptions);
        this.configProperties = Map.copyOf(builder.writtenConfig);
        this.readinessLogin = builder.readinessLogin();
        this.readinessQuery = builder.readinessQuery();
    }

    public static Builder builder()
    {
        return new Builder(TrinoDistribution.get());
    }

    public URI httpUri()
    {
        return URI.create("http://127.0.0.1:" + httpPort);
    }

    public Optional<URI> httpsUri()
    {
        return httpsPort.map(port -> URI.create("https://localhost:" + port));
    }

    public int httpPort()
    {
        return httpPort;
    }

    public Optional<Integer> httpsPort()
    {
        return httpsPort;
    }

    /** PEM certificate the server presents over HTTPS, for clients' trust stores. */
    public Optional<Path> certificatePem()
    {
        return certificate.map(SelfSignedCertificate::certificatePem);
    }

    public String jdbcUrl()
    {
        if (certificate.isPresent()) {
            return "jdbc:trino://localhost:%s?SSL=true&SSLTrustStorePath=%s".formatted(httpsPort.orElseThrow(), certificate.get().certificatePem());
        }
        return "jdbc:trino://127.0.0.1:" + httpPort;
    }

    public Connection connect(String user, String password)
            throws SQLException
    {
        return connect(user, password, Map.of());
    }

    public Connection connect(String user, String password, Map<String, String> extraProperties)
            throws SQLException
    {
        Properties properties = new Properties();
        properties.setProperty("user", user);
        if (password != null) {
            properties.setProperty("password", password);
        }
        properties.putAll(extraProperties);
        return DriverManager.getConnection(jdbcUrl(), properties);
    }

    public Path serverDir()
    {
        return serverDir;
    }

    /** The {@code config.properties} this server was started with. */
    public Map<String, String> configProperties()
    {
        return configProperties;
    }

    public Path etcDir()
    {
        return serverDir.resolve("etc");
    }

    public Path dataDir()
    {
        return serverDir.resolve("data");
    }

    public Path pluginDir()
    {
        return serverDir.resolve("plugin");
    }

    public Path installDir()
    {
        return distribution.installDir();
    }

    /** Everything the server process printed (Trino logs to the console in {@code launcher run} mode), across restarts. */
    public Path serverLog()
    {
        return serverDir.resolve("var/log/server.log");
    }

    public String serverLogTail(int lines)
    {
        return ChildProcess.tail(serverLog(), lines);
    }

    public synchronized long pid()
    {
        return requireRunning().pid();
    }

    public synchronized boolean isRunning()
    {
        return process != null && process.isAlive();
    }

    synchronized TrinoServer start()
    {
        if (isRunning()) {
            throw new IllegalStateException("Trino server in " + serverDir + " is already running");
        }
        List<String> command = new ArrayList<>(List.of(
                distribution.installDir().resolve("bin/launcher").toString(),
                "run",
                "--etc-dir=" + etcDir(),
                "--data-dir=" + dataDir(),
                "--jvm-dir=" + jdk));
        jvmOptions.forEach(option -> command.add("-J" + option));
        ProcessBuilder processBuilder = new ProcessBuilder(command)
                .directory(dataDir().toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(serverLog().toFile()));
        processBuilder.environment().put("JAVA_HOME", jdk.toString());
        processBuilder.environment().put("PATH", jdk.resolve("bin") + ":" + System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        processBuilder.environment().putAll(environment);
        try {
            Files.writeString(serverLog(), "%n==== %s starting Trino %s: %s%n".formatted(java.time.Instant.now(), distribution.version(), String.join(" ", command)), CREATE, APPEND);
            process = processBuilder.start();
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot start Trino in " + serverDir, e);
        }
        RUNNING.add(this);
        try {
            awaitStarted();
            awaitNodeScheduling();
        }
        catch (RuntimeException e) {
            killProcessTree();
            throw e;
        }
        return this;
    }

    /** Restarts a stopped or killed server with the same directories, ports and configuration. */
    public synchronized void restart()
    {
        if (isRunning()) {
            stop();
        }
        start();
    }

    /** Graceful stop (SIGTERM, as Kubernetes does), then SIGKILL if the server does not exit in time. */
    public synchronized void stop()
    {
        if (process == null) {
            return;
        }
        List<ProcessHandle> tree = processTree();
        tree.forEach(ProcessHandle::destroy);
        try {
            if (!process.waitFor(SHUTDOWN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                killProcessTree();
            }
        }
        catch (InterruptedException e) {
            killProcessTree();
            Thread.currentThread().interrupt();
        }
        tree.forEach(this::awaitExit);
        RUNNING.remove(this);
        process = null;
    }

    /** {@code kill -9}: the server gets no chance to flush or shut down, as when a pod is OOM-killed. */
    public synchronized void kill()
    {
        requireRunning();
        List<ProcessHandle> tree = processTree();
        killProcessTree();
        tree.forEach(this::awaitExit);
        RUNNING.remove(this);
        process = null;
    }

    @Override
    public void close()
    {
        stop();
    }

    private void awaitStarted()
    {
        // HTTP/1.1: the default h2c upgrade attempt makes Jetty log stream resets when a probe times out
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest request = HttpRequest.newBuilder(httpUri().resolve("/v1/info")).timeout(Duration.ofSeconds(5)).build();
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        String lastAnswer = "no answer";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Trino server exited with code %s during startup. Tail of %s:%n%s".formatted(process.exitValue(), serverLog(), serverLogTail(80)));
            }
            try {
                HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
                lastAnswer = response.statusCode() + " " + response.body();
                if (response.statusCode() == 200 && response.body().replace(" ", "").contains("\"starting\":false")) {
                    return;
                }
            }
            catch (IOException e) {
                lastAnswer = e.toString();
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while waiting for Trino to start", e);
            }
            sleep(Duration.ofMillis(250));
        }
        throw new IllegalStateException("Trino server did not report started within %s (last /v1/info answer: %s). Tail of %s:%n%s".formatted(STARTUP_TIMEOUT, lastAnswer, serverLog(), serverLogTail(80)));
    }

    /**
     * {@code /v1/info} reports a coordinator started before its node manager has seen the node's announcement of its
     * catalogs (it refreshes every few seconds), and a table scan fails with "No nodes available to run query" until
     * then. So the harness scans a table of a tpch catalog (else runs {@code SELECT 1}) until that error is gone, when it
     * can log in (no password authentication, or Trino's file authenticator with passwords it wrote). Any other answer,
     * an access denial included, means the server schedules queries.
     */
    private void awaitNodeScheduling()
    {
        if (readinessLogin.isEmpty()) {
            return;
        }
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        while (true) {
            try (Connection connection = connect(readinessLogin.get().getKey(), readinessLogin.get().getValue());
                    Statement statement = connection.createStatement();
                    ResultSet resultSet = statement.executeQuery(readinessQuery)) {
                resultSet.next();
                return;
            }
            catch (SQLException e) {
                if (!String.valueOf(e.getMessage()).contains("No nodes available")) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Trino server started but scheduled no query within %s. Tail of %s:%n%s".formatted(STARTUP_TIMEOUT, serverLog(), serverLogTail(80)), e);
                }
            }
            sleep(Duration.ofMillis(200));
        }
    }

    private Process requireRunning()
    {
        if (!isRunning()) {
            throw new IllegalStateException("Trino server in " + serverDir + " is not running");
        }
        return process;
    }

    private List<ProcessHandle> processTree()
    {
        List<ProcessHandle> tree = new ArrayList<>();
        process.toHandle().descendants().forEach(tree::add);
        tree.add(process.toHandle());
        return tree;
    }

    private synchronized void killProcessTree()
    {
        if (process != null) {
            processTree().forEach(ProcessHandle::destroyForcibly);
        }
    }

    private void awaitExit(ProcessHandle handle)
    {
        try {
            handle.onExit().get(SHUTDOWN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (Exception _) {
            handle.destroyForcibly();
        }
    }

    private static void sleep(Duration duration)
    {
        try {
            Thread.sleep(duration);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted", e);
        }
    }

    public static int freePort()
    {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static final class Builder
    {
        private final TrinoDistribution distribution;
        private final Path jdk;
        private final Path serverDir;
        private final int httpPort = freePort();
        private final Set<String> bundledPlugins = new LinkedHashSet<>();
        private final Set<String> bundlePlugins = new LinkedHashSet<>();
        private final Map<String, Map<String, String>> catalogs = new LinkedHashMap<>();
        private final Map<String, String> configProperties = new LinkedHashMap<>();
        private final Map<String, String> etcFiles = new LinkedHashMap<>();
        private final Map<String, String> environment = new LinkedHashMap<>();
        private final List<String> jvmOptions = new ArrayList<>();
        private final List<String> extraCertificateNames = new ArrayList<>();
        private Optional<Integer> httpsPort = Optional.empty();
        private Optional<SelfSignedCertificate> certificate = Optional.empty();
        private boolean passwordAuthentication;
        private Optional<TrinoServer> coordinator = Optional.empty();
        private Map<String, String> writtenConfig = Map.of();
        private Optional<Map.Entry<String, String>> filePasswordLogin = Optional.empty();
        private String nodeEnvironment = "test";
        private String heapSize = "1G";

        private Builder(TrinoDistribution distribution)
        {
            this.distribution = requireNonNull(distribution, "distribution is null");
            this.jdk = Jdk.find();
            try {
                Path servers = distribution.workDir().resolve("servers");
                Files.createDirectories(servers);
                this.serverDir = Files.createTempDirectory(servers, "server-%s-".formatted(SERVER_COUNTER.incrementAndGet()));
                Files.createDirectories(serverDir.resolve("etc/catalog"));
                Files.createDirectories(serverDir.resolve("data"));
                Files.createDirectories(serverDir.resolve("plugin"));
                Files.createDirectories(serverDir.resolve("var/log"));
            }
            catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** The server's {@code etc/} directory, known before {@link #start()} so that properties can name files in it. */
        public Path etcDir()
        {
            return serverDir.resolve("etc");
        }

        /** The directory that holds this server's etc, data, plugin and log directories. */
        public Path serverDir()
        {
            return serverDir;
        }

        /** The HTTP port the server will listen on, known before {@link #start()} (e.g. for a proxy in front of it). */
        public int httpPort()
        {
            return httpPort;
        }

        /** The unpacked Trino installation ({@code bin/}, {@code lib/}, bundled plugins) the server runs from. */
        public Path installDir()
        {
            return distribution.installDir();
        }

        /** Keeps these plugins of the Trino tarball (e.g. {@code tpch}, {@code password-authenticators}); others are left out. */
        public Builder withBundledPlugins(String... names)
        {
            bundledPlugins.addAll(List.of(names));
            return this;
        }

        /** Installs our plugin directories as built ({@code rules-access-control}, {@code vault-authenticator}, {@code audit-event-listener}). */
        public Builder withBundlePlugins(String... names)
        {
            bundlePlugins.addAll(List.of(names));
            return this;
        }

        public Builder withCatalog(String name, Map<String, String> properties)
        {
            catalogs.put(name, Map.copyOf(properties));
            return this;
        }

        public Builder withConfigProperty(String key, String value)
        {
            configProperties.put(key, value);
            return this;
        }

        public Builder withEtcFile(String relativePath, String content)
        {
            etcFiles.put(relativePath, content);
            return this;
        }

        public Builder withEtcProperties(String fileName, Map<String, String> properties)
        {
            return withEtcFile(fileName, propertiesFile(properties));
        }

        /** Serves HTTPS on a second port with a self-signed certificate (HTTP stays on for {@code /v1/info} probes). */
        public Builder withHttps(String... extraCertificateDnsNames)
        {
            if (httpsPort.isEmpty()) {
                httpsPort = Optional.of(freePort());
            }
            extraCertificateNames.addAll(List.of(extraCertificateDnsNames));
            return this;
        }

        /**
         * Makes this server a worker of {@code coordinator}: it announces itself to the coordinator's discovery service
         * and shares its internal-communication secret. Workers serve plain HTTP to the coordinator only.
         */
        public Builder asWorkerOf(TrinoServer coordinator)
        {
            this.coordinator = Optional.of(coordinator);
            return this;
        }

        /** Serves HTTPS on this port instead of a free one. */
        public Builder withHttpsPort(int port)
        {
            httpsPort = Optional.of(port);
            return this;
        }

        /** HTTPS plus {@code http-server.authentication.type=PASSWORD}; configure an authenticator separately. */
        public Builder withPasswordAuthentication()
        {
            withHttps();
            passwordAuthentication = true;
            return this;
        }

        /** Password authentication through Trino's own {@code file} authenticator, with these users and passwords. */
        public Builder withFilePasswords(Map<String, String> userToPassword)
        {
            withPasswordAuthentication();
            withBundledPlugins("password-authenticators");
            withEtcFile("password.db", FilePasswords.passwordFile(userToPassword));
            filePasswordLogin = userToPassword.entrySet().stream().min(Map.Entry.comparingByKey()).map(entry -> Map.entry(entry.getKey(), entry.getValue()));
            withEtcProperties("password-authenticator.properties", Map.of(
                    "password-authenticator.name", "file",
                    "file.password-file", etcDir().resolve("password.db").toString()));
            return this;
        }

        public Builder withEnvironment(String key, String value)
        {
            environment.put(key, value);
            return this;
        }

        public Builder withJvmOption(String option)
        {
            jvmOptions.add(option);
            return this;
        }

        public Builder withHeapSize(String heapSize)
        {
            this.heapSize = requireNonNull(heapSize, "heapSize is null");
            return this;
        }

        public Builder withNodeEnvironment(String nodeEnvironment)
        {
            this.nodeEnvironment = requireNonNull(nodeEnvironment, "nodeEnvironment is null");
            return this;
        }

        /** Who can run the post-start readiness query: only a coordinator that schedules on itself, and whose login is known. */
        private Optional<Map.Entry<String, String>> readinessLogin()
        {
            if (coordinator.isPresent() || "false".equals(writtenConfig.get("node-scheduler.include-coordinator"))) {
                return Optional.empty();
            }
            if (!passwordAuthentication) {
                return Optional.of(new java.util.AbstractMap.SimpleImmutableEntry<>("harness", null));
            }
            return filePasswordLogin;
        }

        private String readinessQuery()
        {
            return catalogs.entrySet().stream()
                    .filter(catalog -> "tpch".equals(catalog.getValue().get("connector.name")))
                    .map(catalog -> "SELECT count(*) FROM \"%s\".tiny.region".formatted(catalog.getKey()))
                    .findFirst()
                    .orElse("SELECT 1");
        }

        public TrinoServer start()
        {
            try {
                writeConfiguration();
            }
            catch (IOException e) {
                throw new UncheckedIOException("Cannot write the configuration of the Trino server in " + serverDir, e);
            }
            return new TrinoServer(this).start();
        }

        private void writeConfiguration()
                throws IOException
        {
            Path etc = etcDir();
            if (httpsPort.isPresent()) {
                certificate = Optional.of(SelfSignedCertificate.generate(serverDir, jdk, extraCertificateNames.toArray(String[]::new)));
            }
            for (String plugin : bundledPlugins) {
                Files.createSymbolicLink(serverDir.resolve("plugin").resolve(plugin), distribution.bundledPlugin(plugin));
            }
            for (String plugin : bundlePlugins) {
                Files.createSymbolicLink(serverDir.resolve("plugin").resolve(plugin), bundlePlugin(plugin));
            }

            Map<String, String> node = new LinkedHashMap<>();
            node.put("node.environment", nodeEnvironment);
            node.put("node.id", UUID.randomUUID().toString());
            node.put("node.data-dir", serverDir.resolve("data").toString());
            // announce and talk on loopback only: the auto-detected interface address is not ours to send traffic to
            node.put("node.internal-address", "127.0.0.1");
            Files.writeString(etc.resolve("node.properties"), propertiesFile(node));

            List<String> jvm = List.of(
                    "-server",
                    "-Xmx" + heapSize,
                    "-XX:+UseG1GC",
                    "-XX:+ExitOnOutOfMemoryError",
                    "-XX:ReservedCodeCacheSize=256M",
                    "-Djdk.attach.allowAttachSelf=true",
                    // what Trino's own jvm.config recommends for Java 24+: no warnings about JOL, JNA and Unsafe
                    "-XX:+EnableDynamicAgentLoading",
                    "--enable-native-access=ALL-UNNAMED",
                    "--sun-misc-unsafe-memory-access=allow",
                    "-Dfile.encoding=UTF-8");
            Files.writeString(etc.resolve("jvm.config"), String.join("\n", jvm) + "\n");

            Map<String, String> config = new LinkedHashMap<>();
            if (coordinator.isPresent()) {
                config.put("coordinator", "false");
                config.put("discovery.uri", coordinator.get().httpUri().toString());
                String secret = coordinator.get().configProperties().get("internal-communication.shared-secret");
                if (secret != null) {
                    config.put("internal-communication.shared-secret", secret);
                }
            }
            else {
                config.put("coordinator", "true");
                config.put("node-scheduler.include-coordinator", "true");
                config.put("discovery.uri", "http://127.0.0.1:" + httpPort);
            }
            config.put("http-server.http.port", String.valueOf(httpPort));
            config.put("plugin.dir", serverDir.resolve("plugin").toString());
            config.put("catalog.config-dir", etc.resolve("catalog").toString());
            config.put("query.max-memory", "512MB");
            config.put("query.max-memory-per-node", "256MB");
            if (httpsPort.isPresent()) {
                SelfSignedCertificate cert = certificate.orElseThrow();
                config.put("http-server.https.enabled", "true");
                config.put("http-server.https.port", String.valueOf(httpsPort.get()));
                config.put("http-server.https.keystore.path", cert.keyStore().toString());
                config.put("http-server.https.keystore.key", cert.keyStorePassword());
                config.put("internal-communication.shared-secret", UUID.randomUUID().toString());
            }
            if (passwordAuthentication) {
                config.put("http-server.authentication.type", "PASSWORD");
            }
            config.putAll(configProperties);
            Files.writeString(etc.resolve("config.properties"), propertiesFile(config));
            writtenConfig = Map.copyOf(config);
            Files.writeString(etc.resolve("log.properties"), "io.trino=INFO\n");

            for (Map.Entry<String, Map<String, String>> catalog : catalogs.entrySet()) {
                Files.writeString(etc.resolve("catalog").resolve(catalog.getKey() + ".properties"), propertiesFile(catalog.getValue()));
            }
            for (Map.Entry<String, String> file : etcFiles.entrySet()) {
                Path target = etc.resolve(file.getKey());
                Files.createDirectories(target.getParent());
                Files.writeString(target, file.getValue());
            }
        }

        private static Path bundlePlugin(String name)
        {
            String dir = System.getProperty(BUNDLE_PLUGINS_DIR_PROPERTY);
            if (dir == null || dir.isBlank()) {
                throw new IllegalStateException("System property %s is not set: our plugin directories are unpacked by the integration-tests module's build".formatted(BUNDLE_PLUGINS_DIR_PROPERTY));
            }
            Path plugin = Path.of(dir).resolve(name);
            if (!Files.isDirectory(plugin)) {
                throw new IllegalArgumentException("No plugin directory %s (build the plugin modules first: ./mvnw install -DskipTests)".formatted(plugin));
            }
            return plugin;
        }

        static String propertiesFile(Map<String, String> properties)
        {
            // Written by hand rather than with java.util.Properties so that values (regexes, paths) stay readable in
            // the file; airlift reads them with java.util.Properties, so backslashes must still be escaped.
            return properties.entrySet().stream()
                    .map(entry -> entry.getKey() + "=" + entry.getValue().replace("\\", "\\\\"))
                    .collect(Collectors.joining("\n", "", "\n"));
        }
    }
}
