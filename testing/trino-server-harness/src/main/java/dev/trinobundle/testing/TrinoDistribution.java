package dev.trinobundle.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.WRITE;
import static java.util.Objects.requireNonNull;

/**
 * The real Trino server tarball ({@code io.trino:trino-server:<version>:tar.gz}), resolved by Maven and handed to the
 * tests in system property {@value #TARBALL_PROPERTY}, unpacked once per build into {@value #WORK_DIR_PROPERTY}.
 * Unpacking happens under a file lock, so that parallel test JVMs share one copy.
 */
public final class TrinoDistribution
{
    public static final String TARBALL_PROPERTY = "trino.server.tarball";
    public static final String WORK_DIR_PROPERTY = "trino.server.work-dir";

    private static final Pattern TARBALL_NAME = Pattern.compile("trino-server-(\\d+)\\.tar\\.gz");
    private static final String COMPLETE_MARKER = ".unpacked";

    private static volatile TrinoDistribution instance;

    private final Path installDir;
    private final Path workDir;
    private final String version;

    private TrinoDistribution(Path installDir, Path workDir, String version)
    {
        this.installDir = requireNonNull(installDir, "installDir is null");
        this.workDir = requireNonNull(workDir, "workDir is null");
        this.version = requireNonNull(version, "version is null");
    }

    public static synchronized TrinoDistribution get()
    {
        if (instance == null) {
            instance = unpack(tarball(), configuredWorkDir());
        }
        return instance;
    }

    /** The unpacked server: {@code bin/}, {@code lib/} and every bundled plugin under {@code plugin/}. */
    public Path installDir()
    {
        return installDir;
    }

    /** Directory for per-server state (etc, data, logs) next to the unpacked server. */
    public Path workDir()
    {
        return workDir;
    }

    public String version()
    {
        return version;
    }

    public Path bundledPlugin(String name)
    {
        Path plugin = installDir.resolve("plugin").resolve(name);
        if (!Files.isDirectory(plugin)) {
            throw new IllegalArgumentException("Trino %s has no bundled plugin '%s' (looked in %s)".formatted(version, name, plugin.getParent()));
        }
        return plugin;
    }

    private static Path tarball()
    {
        String path = System.getProperty(TARBALL_PROPERTY);
        if (path == null || path.isBlank() || path.contains("${")) {
            throw new IllegalStateException("System property %s is not set: run the tests through Maven (./mvnw verify), which resolves io.trino:trino-server:tar.gz and passes its path".formatted(TARBALL_PROPERTY));
        }
        Path tarball = Path.of(path);
        if (!Files.isRegularFile(tarball)) {
            throw new IllegalStateException("Trino server tarball %s (system property %s) does not exist".formatted(tarball, TARBALL_PROPERTY));
        }
        return tarball;
    }

    private static Path configuredWorkDir()
    {
        return Path.of(System.getProperty(WORK_DIR_PROPERTY, "target/trino-server")).toAbsolutePath().normalize();
    }

    private static TrinoDistribution unpack(Path tarball, Path workDir)
    {
        Matcher matcher = TARBALL_NAME.matcher(tarball.getFileName().toString());
        if (!matcher.matches()) {
            throw new IllegalStateException("Unexpected Trino server tarball name: " + tarball);
        }
        String version = matcher.group(1);
        Path installDir = workDir.resolve("trino-server-" + version);
        try {
            Files.createDirectories(workDir);
            try (FileChannel lockChannel = FileChannel.open(workDir.resolve(".unpack.lock"), CREATE, WRITE);
                    FileLock _ = lockChannel.lock()) {
                if (!Files.exists(installDir.resolve(COMPLETE_MARKER))) {
                    Path staging = Files.createTempDirectory(workDir, "unpacking-");
                    run(List.of("tar", "-xzf", tarball.toString(), "-C", staging.toString()));
                    deleteRecursively(installDir);
                    Files.move(staging.resolve("trino-server-" + version), installDir);
                    deleteRecursively(staging);
                    Files.writeString(installDir.resolve(COMPLETE_MARKER), tarball.toString());
                }
            }
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot unpack " + tarball + " into " + workDir, e);
        }
        return new TrinoDistribution(installDir, workDir, version);
    }

    static void run(List<String> command)
            throws IOException
    {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        try {
            if (process.waitFor() != 0) {
                throw new IOException("Command failed (exit %s): %s%n%s".formatted(process.exitValue(), String.join(" ", command), output));
            }
        }
        catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while running " + String.join(" ", command), e);
        }
    }

    static void deleteRecursively(Path path)
            throws IOException
    {
        if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        // `rm -rf` does not follow symbolic links (plugin directories are links into the shared install)
        run(List.of("rm", "-rf", path.toString()));
    }
}
