package dev.trinobundle.it.deployment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

import static java.nio.file.StandardCopyOption.ATOMIC_MOVE;
import static java.util.Objects.requireNonNull;

/**
 * A directory written the way the kubelet's atomic writer updates a ConfigMap volume: each version goes into a fresh
 * {@code ..<timestamp>} directory, a temporary symlink to it is renamed over {@code ..data}, the old version is
 * removed. The file itself ({@code rules.json}) is a symlink to {@code ..data/rules.json} and is never written.
 */
public final class ConfigMapVolume
{
    private final Path directory;
    private final String fileName;

    public ConfigMapVolume(Path directory, String fileName)
    {
        this.directory = requireNonNull(directory, "directory is null");
        this.fileName = requireNonNull(fileName, "fileName is null");
    }

    /** The path a program is configured with: the symlink through {@code ..data}. */
    public Path file()
    {
        return directory.resolve(fileName);
    }

    public synchronized void publish(String content)
    {
        try {
            Files.createDirectories(directory);
            Path dataLink = directory.resolve("..data");
            Path previous = Files.isSymbolicLink(dataLink) ? directory.resolve(Files.readSymbolicLink(dataLink)) : null;

            // unique like the kubelet's timestamped names, also for a second instance on the same directory
            String versionName = "..%s.%d".formatted(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy_MM_dd_HH_mm_ss")), System.nanoTime());
            Path versionDir = Files.createDirectory(directory.resolve(versionName));
            Files.writeString(versionDir.resolve(fileName), content);

            Path newLink = directory.resolve("..data_tmp");
            Files.deleteIfExists(newLink);
            Files.createSymbolicLink(newLink, Path.of(versionName));
            Files.move(newLink, dataLink, ATOMIC_MOVE);

            Path fileLink = file();
            if (!Files.isSymbolicLink(fileLink)) {
                Files.createSymbolicLink(fileLink, Path.of("..data").resolve(fileName));
            }
            if (previous != null) {
                Files.delete(previous.resolve(fileName));
                Files.delete(previous);
            }
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
