package dev.trinobundle.eventlistener;

import io.airlift.log.Logger;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;

import static com.google.common.collect.ImmutableSet.toImmutableSet;
import static java.lang.String.format;
import static java.nio.file.StandardCopyOption.ATOMIC_MOVE;
import static java.nio.file.StandardCopyOption.REPLACE_EXISTING;
import static java.nio.file.StandardOpenOption.APPEND;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.TRUNCATE_EXISTING;
import static java.nio.file.StandardOpenOption.WRITE;

/**
 * Files that hold query texts, 0700/0600 when created (a WARN for older ones others may access); the line files' helpers.
 */
final class AuditFiles
{
    private static final Logger log = Logger.get(AuditFiles.class);
    private static final FileAttribute<Set<PosixFilePermission>> DIRECTORY_MODE = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
    private static final FileAttribute<Set<PosixFilePermission>> FILE_MODE = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    private static final Set<PosixFilePermission> GROUP_OR_OTHERS = EnumSet.complementOf(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE));

    private AuditFiles() {}

    // creates the directory (and parents) with mode 0700 and checks that it is writable; messages name the property
    static Path createDirectory(Path directory, String property)
    {
        try {
            if (!Files.isDirectory(directory)) {
                Files.createDirectories(directory, DIRECTORY_MODE);
            }
            else if (permits(directory, GROUP_OR_OTHERS)) {
                log.warn("Audit directory %s (%s) has mode %s: other users may read the query texts in it. Run chmod 700 %s",
                        directory, property, PosixFilePermissions.toString(Files.getPosixFilePermissions(directory)), directory);
            }
            try (Stream<Path> files = Files.list(directory)) {
                List<Path> loose = files.filter(file -> permits(file, GROUP_OR_OTHERS)).sorted().toList();
                if (!loose.isEmpty()) {
                    log.warn("Audit directory %s (%s) holds %s files other users may access, e.g. %s (created by an earlier version or by hand). Run chmod 600 on them",
                            directory, property, loose.size(), loose.getFirst().getFileName());
                }
            }
            Files.delete(Files.createTempFile(directory, ".write-probe", ".tmp", FILE_MODE));
            return directory;
        }
        catch (IOException | RuntimeException e) {
            throw new IllegalStateException(format("Audit directory %s (%s) is not a writable directory: %s. Create it with write permission for the Trino user or point %s elsewhere",
                    directory, property, e, property), e);
        }
    }

    // false where POSIX permissions do not exist
    static boolean permits(Path file, Set<PosixFilePermission> permissions)
    {
        try {
            return Files.getPosixFilePermissions(file).stream().anyMatch(permissions::contains);
        }
        catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    // opens a file for writing, creating it with mode 0600
    static FileChannel open(Path file, OpenOption... options)
            throws IOException
    {
        return FileChannel.open(file, Stream.concat(Stream.of(CREATE, WRITE), Stream.of(options)).collect(toImmutableSet()), FILE_MODE);
    }

    // replaces a small file's content in one atomic rename
    static void replace(Path file, byte[] content)
            throws IOException
    {
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel channel = open(temporary, TRUNCATE_EXISTING)) {
            writeFully(channel, ByteBuffer.wrap(content));
        }
        Files.move(temporary, file, ATOMIC_MOVE, REPLACE_EXISTING);
    }

    static void writeFully(FileChannel channel, ByteBuffer... buffers)
            throws IOException
    {
        while (buffers[buffers.length - 1].hasRemaining()) {
            channel.write(buffers);
        }
    }

    // appends one line and forces it; a failed append is cut back, so that the next line does not continue a partial one
    static void appendLine(Path file, byte[] line)
            throws IOException
    {
        try (FileChannel channel = open(file, APPEND)) {
            long size = channel.size();
            try {
                writeFully(channel, ByteBuffer.wrap(line));
                channel.force(false);
            }
            catch (IOException e) {
                try {
                    channel.truncate(size);
                }
                catch (IOException cutFailure) {
                    e.addSuppressed(cutFailure);
                }
                throw e;
            }
        }
    }

    // cuts what follows the last line isRecord accepts (a torn write, never acknowledged, or a crash's zeros); returns it
    static byte[] cutAfterLastRecord(Path file, Predicate<byte[]> isRecord)
            throws IOException
    {
        byte[] last = null;
        long end = 0;
        long offset = 0;
        try (LineReader lines = new LineReader(file)) {
            for (byte[] line = lines.next(); line != null; line = lines.next()) {
                offset += line.length;
                if (isRecord.test(line)) {
                    last = line;
                    end = offset;
                }
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

    // A record's only newline is its last byte, so a line is never part of a failed write (the journal cuts those back).
    static final class LineReader
            implements Closeable
    {
        // small enough to stay out of G1's humongous allocations; longer lines double it
        private static final int CHUNK_SIZE = 64 * 1024;

        private final FileChannel channel;
        private final Queue<byte[]> lines = new ArrayDeque<>();
        // the start of the first line not read yet
        private long position;

        LineReader(Path file)
                throws IOException
        {
            this.channel = FileChannel.open(file, READ);
        }

        // the next line with its newline, or null; a line whose newline is not (yet) there is not returned
        byte[] next()
                throws IOException
        {
            // a chunk without a newline is read again twice as large
            for (int size = CHUNK_SIZE; lines.isEmpty(); size *= 2) {
                ByteBuffer buffer = ByteBuffer.allocate(size);
                while (buffer.hasRemaining() && channel.read(buffer, position + buffer.position()) > 0) {
                    // until the chunk is full or the file ends
                }
                byte[] bytes = buffer.array();
                int start = 0;
                for (int i = 0; i < buffer.position(); i++) {
                    if (bytes[i] == '\n') {
                        lines.add(Arrays.copyOfRange(bytes, start, i + 1));
                        start = i + 1;
                    }
                }
                if (start == 0 && buffer.hasRemaining()) {
                    // the file ends inside a line, or here
                    break;
                }
                position += start;
            }
            return lines.poll();
        }

        @Override
        public void close()
                throws IOException
        {
            channel.close();
        }
    }
}
