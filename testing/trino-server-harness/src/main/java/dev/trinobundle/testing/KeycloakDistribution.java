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
 * The Keycloak distribution ({@code org.keycloak:keycloak-quarkus-dist:<version>:tar.gz}), resolved by Maven and handed
 * to the tests in system property {@value #TARBALL_PROPERTY}, unpacked once per build into {@value #WORK_DIR_PROPERTY}.
 */
final class KeycloakDistribution
{
    static final String TARBALL_PROPERTY = "keycloak.dist.tarball";
    static final String WORK_DIR_PROPERTY = "keycloak.work-dir";

    private static final Pattern TARBALL_NAME = Pattern.compile("keycloak-quarkus-dist-(.+)\\.tar\\.gz");
    private static final String COMPLETE_MARKER = ".unpacked";
    private static KeycloakDistribution instance;

    private final Path installDir;
    private final Path workDir;

    private KeycloakDistribution(Path installDir, Path workDir)
    {
        this.installDir = requireNonNull(installDir, "installDir is null");
        this.workDir = requireNonNull(workDir, "workDir is null");
    }

    static synchronized KeycloakDistribution get()
    {
        if (instance == null) {
            String tarball = System.getProperty(TARBALL_PROPERTY);
            if (tarball == null || tarball.isBlank() || tarball.contains("${")) {
                throw new IllegalStateException("System property %s is not set: run the tests through Maven (./mvnw verify), which resolves org.keycloak:keycloak-quarkus-dist:tar.gz and passes its path".formatted(TARBALL_PROPERTY));
            }
            Path workDir = Path.of(System.getProperty(WORK_DIR_PROPERTY, "target/keycloak")).toAbsolutePath().normalize();
            instance = unpack(Path.of(tarball), workDir);
        }
        return instance;
    }

    Path installDir()
    {
        return installDir;
    }

    Path workDir()
    {
        return workDir;
    }

    private static KeycloakDistribution unpack(Path tarball, Path workDir)
    {
        Matcher matcher = TARBALL_NAME.matcher(tarball.getFileName().toString());
        if (!Files.isRegularFile(tarball) || !matcher.matches()) {
            throw new IllegalStateException("Keycloak tarball %s (system property %s) does not exist or is not keycloak-quarkus-dist-<version>.tar.gz".formatted(tarball, TARBALL_PROPERTY));
        }
        Path installDir = workDir.resolve("keycloak-" + matcher.group(1));
        try {
            Files.createDirectories(workDir);
            try (FileChannel lockChannel = FileChannel.open(workDir.resolve(".unpack.lock"), CREATE, WRITE);
                    FileLock _ = lockChannel.lock()) {
                if (!Files.exists(installDir.resolve(COMPLETE_MARKER))) {
                    Path staging = Files.createTempDirectory(workDir, "unpacking-");
                    TrinoDistribution.run(List.of("tar", "-xzf", tarball.toString(), "-C", staging.toString()));
                    TrinoDistribution.deleteRecursively(installDir);
                    Files.move(staging.resolve(installDir.getFileName()), installDir);
                    TrinoDistribution.deleteRecursively(staging);
                    Files.writeString(installDir.resolve(COMPLETE_MARKER), tarball.toString());
                }
            }
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot unpack " + tarball + " into " + workDir, e);
        }
        return new KeycloakDistribution(installDir, workDir);
    }
}
