package dev.trinobundle.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds a JDK that can run Trino 476 (Java 24 or newer): the test JVM's own, else {@code JAVA_HOME}, else the newest
 * suitable one under {@code /usr/lib/jvm}. Mirrors {@code .mvn/find-jdk.sh}, which does the same for the scripts.
 */
public final class Jdk
{
    public static final int REQUIRED_FEATURE_VERSION = 24;

    private static final Pattern RELEASE_VERSION = Pattern.compile("(?m)^JAVA_VERSION=\"(\\d+)");

    private Jdk() {}

    public static Path find()
    {
        if (Runtime.version().feature() >= REQUIRED_FEATURE_VERSION) {
            return Path.of(System.getProperty("java.home"));
        }
        Optional<Path> javaHome = Optional.ofNullable(System.getenv("JAVA_HOME")).map(Path::of)
                .filter(home -> featureVersion(home).orElse(0) >= REQUIRED_FEATURE_VERSION);
        if (javaHome.isPresent()) {
            return javaHome.get();
        }
        try (Stream<Path> candidates = Files.list(Path.of("/usr/lib/jvm"))) {
            List<Path> suitable = candidates
                    .filter(home -> featureVersion(home).orElse(0) >= REQUIRED_FEATURE_VERSION)
                    .sorted(Comparator.comparingInt((Path home) -> featureVersion(home).orElse(0)).reversed())
                    .toList();
            if (!suitable.isEmpty()) {
                return suitable.getFirst();
            }
        }
        catch (IOException _) {
            // no /usr/lib/jvm: fall through to the error below
        }
        throw new IllegalStateException("Trino needs a JDK %s or newer to run; none found (this JVM is %s, JAVA_HOME=%s, nothing suitable under /usr/lib/jvm). Install one, e.g. Temurin 25, and set JAVA_HOME."
                .formatted(REQUIRED_FEATURE_VERSION, Runtime.version(), System.getenv("JAVA_HOME")));
    }

    /**
     * A JDK of one of these feature versions, for servers that do not run on Trino's (Keycloak 26 runs on 17 or 21):
     * the {@code java} on the PATH if it fits, else the newest fitting one under {@code /usr/lib/jvm}.
     */
    public static Path findAny(String purpose, Integer... featureVersions)
    {
        List<Integer> accepted = List.of(featureVersions);
        Stream<Path> onPath = Stream.of(Path.of("/usr/bin/java"), Path.of("/usr/local/bin/java"))
                .filter(Files::isExecutable)
                .map(java -> {
                    try {
                        return java.toRealPath().getParent().getParent();
                    }
                    catch (IOException e) {
                        return java;
                    }
                });
        List<Path> candidates = new java.util.ArrayList<>(onPath.toList());
        try (Stream<Path> installed = Files.list(Path.of("/usr/lib/jvm"))) {
            installed.sorted(Comparator.comparingInt((Path home) -> featureVersion(home).orElse(0)).reversed()).forEach(candidates::add);
        }
        catch (IOException _) {
            // no /usr/lib/jvm: only the PATH's java
        }
        return candidates.stream()
                .filter(home -> featureVersion(home).filter(accepted::contains).isPresent())
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("%s needs a JDK %s; none found on the PATH or under /usr/lib/jvm (apt-get install openjdk-17-jre-headless)".formatted(purpose, accepted)));
    }

    static Optional<Integer> featureVersion(Path home)
    {
        Path release = home.resolve("release");
        if (!Files.isExecutable(home.resolve("bin/java")) || !Files.isRegularFile(release)) {
            return Optional.empty();
        }
        try {
            Matcher matcher = RELEASE_VERSION.matcher(Files.readString(release));
            return matcher.find() ? Optional.of(Integer.parseInt(matcher.group(1))) : Optional.empty();
        }
        catch (IOException _) {
            return Optional.empty();
        }
    }
}
