package dev.trinobundle.eventlistener;

import io.airlift.log.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Predicate;

import static java.lang.String.format;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

/**
 * Files that hold query texts: directories 0700 and files 0600 when created, a WARN for an existing directory that
 * others may read. Plus the line-file helpers the journal and the file sink share.
 */
final class AuditFiles
{
    private static final Logger log = Logger.get(AuditFiles.class);
    private static final FileAttribute<Set<PosixFilePermission>> DIRECTORY_MODE = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
    private static final FileAttribute<Set<PosixFilePermission>> FILE_MODE = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

    private AuditFiles() {}

    /**
     * Creates the directory (and missing parents) with mode 0700 and checks that it is writable.
     *
     * @param property the configuration property naming it, for the messages
     */
    static Path createDirectory(Path directory, String property)
    {
        try {
            if (!Files.isDirectory(directory)) {
                Files.createDirectories(directory, DIRECTORY_MODE);
            }
            else {
                Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(directory);
                if (permissions.stream().anyMatch(permission -> permission.name().startsWith("GROUP") || permission.name().startsWith("OTHERS"))) {
                    log.warn("Audit directory %s (%s) has mode %s: other users may read the query texts in it. Run chmod 700 %s",
                            directory, property, PosixFilePermissions.toString(permissions), directory);
                }
            }
            Path probe = Files.createTempFile(directory, ".write-probe", ".tmp", FILE_MODE);
            Files.delete(probe);
            return directory;
        }
        catch (IOException | RuntimeException e) {
            throw new IllegalStateException(format(
                    "Audit directory %s (%s) is not a writable directory: %s. Create it with write permission for the Trino user or point %s elsewhere",
                    directory, property, e, property), e);
        }
    }

    /**
     * Locks the directory for this process ({@code journal.lock}); a second listener on it fails to start.
     */
    static FileLock lock(Path directory)
    {
        Path lockFile = directory.resolve("journal.lock");
        try {
            FileChannel channel = open(lockFile);
            FileLock lock;
            try {
                lock = channel.tryLock();
            }
            catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                channel.close();
                throw new IllegalStateException(format("Audit journal directory %s (audit.journal.directory) is in use by another audit event listener (lock %s). " +
                        "Give every listener and every Trino process its own journal directory", directory, lockFile));
            }
            return lock;
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot lock audit journal directory " + directory, e);
        }
    }

    /**
     * Opens a file for writing, creating it with mode 0600.
     */
    static FileChannel open(Path file, OpenOption... options)
            throws IOException
    {
        Set<OpenOption> all = new HashSet<>(Arrays.asList(options));
        all.add(StandardOpenOption.CREATE);
        all.add(StandardOpenOption.WRITE);
        return FileChannel.open(file, all, FILE_MODE);
    }

    /**
     * Replaces a small file's content in one atomic rename; the file has mode 0600.
     */
    static void replace(Path file, byte[] content)
            throws IOException
    {
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel channel = open(temporary, StandardOpenOption.TRUNCATE_EXISTING)) {
            writeFully(channel, content);
        }
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    static void writeFully(FileChannel channel, byte[] bytes)
            throws IOException
    {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    /**
     * Appends one line and forces it to disk.
     */
    static void appendLine(Path file, byte[] line)
            throws IOException
    {
        try (FileChannel channel = open(file, StandardOpenOption.APPEND)) {
            writeFully(channel, line);
            channel.force(false);
        }
    }

    /**
     * Cuts what follows the last line {@code isRecord} accepts (a write the process died during, never acknowledged,
     * or damage such as zeros from a machine crash) and returns that line, or null if there is none.
     */
    static byte[] cutAfterLastRecord(Path file, Predicate<byte[]> isRecord)
            throws IOException
    {
        try (AuditRecordFormat.LineReader lines = new AuditRecordFormat.LineReader(FileChannel.open(file, READ))) {
            byte[] last = null;
            long end = 0;
            for (byte[] line = lines.next(); line != null; line = lines.next()) {
                if (isRecord.test(line)) {
                    last = line;
                    end = lines.offset();
                }
            }
            long size = Files.size(file);
            if (end < size) {
                log.warn("Audit file %s: cutting %s bytes after its last complete record (the process stopped during a write); they were never acknowledged", file, size - end);
                try (FileChannel channel = FileChannel.open(file, WRITE)) {
                    channel.truncate(end);
                }
            }
            return last;
        }
    }
}
