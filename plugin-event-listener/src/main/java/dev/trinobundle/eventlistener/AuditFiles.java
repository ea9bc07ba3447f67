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
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Set;

import static java.lang.String.format;

/**
 * Files that hold query texts: directories 0700 and files 0600 when created, a WARN for an existing directory that
 * others may read. Plus the line-file helpers the journal and the file sink share.
 */
final class AuditFiles
{
    private static final Logger log = Logger.get(AuditFiles.class);
    private static final FileAttribute<Set<PosixFilePermission>> DIRECTORY_MODE = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
    private static final FileAttribute<Set<PosixFilePermission>> FILE_MODE = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    private static final int CHUNK = 64 * 1024;

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
        Set<OpenOption> all = new java.util.HashSet<>(Arrays.asList(options));
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
            channel.write(ByteBuffer.wrap(content));
        }
        Files.move(temporary, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Appends one line and forces it to disk.
     */
    static void appendLine(Path file, byte[] line)
            throws IOException
    {
        try (FileChannel channel = open(file, StandardOpenOption.APPEND)) {
            ByteBuffer buffer = ByteBuffer.wrap(line);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(false);
        }
    }

    /**
     * Cuts what follows the last newline (a torn write: the process died during it) and returns the last complete
     * line including its newline, or null if none is left. Lines that {@code isComplete} refuses are cut too.
     */
    static byte[] cutToLastCompleteLine(FileChannel channel, Path file, LinePredicate isComplete)
            throws IOException
    {
        while (true) {
            long size = channel.size();
            long end = lastNewlineBefore(channel, size);
            if (end < 0) {
                cut(channel, file, 0, size);
                return null;
            }
            long start = lastNewlineBefore(channel, end) + 1;
            byte[] line = new byte[Math.toIntExact(end + 1 - start)];
            readFully(channel, ByteBuffer.wrap(line), start);
            if (isComplete.test(line, line.length)) {
                cut(channel, file, end + 1, size);
                return line;
            }
            // a damaged last line (e.g. zeros from a crash before the fsync)
            cut(channel, file, start, size);
        }
    }

    private static void cut(FileChannel channel, Path file, long position, long size)
            throws IOException
    {
        if (position < size) {
            log.warn("Audit file %s: cutting %s bytes of an incomplete last line (the process stopped during a write); it was never acknowledged", file, size - position);
            channel.truncate(position);
        }
    }

    /**
     * Position of the last newline before {@code end}, or -1.
     */
    private static long lastNewlineBefore(FileChannel channel, long end)
            throws IOException
    {
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK);
        long position = end;
        while (position > 0) {
            int length = (int) Math.min(CHUNK, position);
            position -= length;
            chunk.clear().limit(length);
            readFully(channel, chunk, position);
            for (int i = length - 1; i >= 0; i--) {
                if (chunk.get(i) == '\n') {
                    return position + i;
                }
            }
        }
        return -1;
    }

    static void readFully(FileChannel channel, ByteBuffer buffer, long position)
            throws IOException
    {
        while (buffer.hasRemaining()) {
            int read = channel.read(buffer, position);
            if (read < 0) {
                throw new IOException("unexpected end of file");
            }
            position += read;
        }
    }

    interface LinePredicate
    {
        boolean test(byte[] line, int length);
    }
}
