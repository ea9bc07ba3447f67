package dev.trinobundle.eventlistener;

import com.google.common.primitives.Longs;
import io.airlift.log.Logger;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static com.google.common.collect.ImmutableSet.toImmutableSet;
import static java.lang.String.format;
import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static java.nio.file.StandardCopyOption.ATOMIC_MOVE;
import static java.nio.file.StandardCopyOption.REPLACE_EXISTING;
import static java.nio.file.StandardOpenOption.APPEND;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.TRUNCATE_EXISTING;
import static java.nio.file.StandardOpenOption.WRITE;

/**
 * The audit files. Those with query texts are 0700/0600 when created (a WARN for older ones others may access). Record
 * lines are {@code {"schemaVersion":2,"seq":N,"keyId":"K","prevHash":"P",<body members>,"hash":"H"}} with
 * {@code H = HMAC-SHA256(key, the line without ,"hash":"H" and its newline)}, checkpoint lines
 * {@code {"checkpoint":1,"keyId":"K","seq":N,"hash":"H","time":"T","mac":"M"}}, MACed alike; the two start differently,
 * so the MAC of one is never taken for the other.
 */
final class AuditFiles
{
    private static final Logger log = Logger.get(AuditFiles.class);
    static final int SCHEMA_VERSION = 2;
    static final String GENESIS_HASH = "0".repeat(64);
    static final String HASH_FIELD = "hash";
    static final String MAC_FIELD = "mac";
    // as header() and suffix() write them; the start is followed by the body's first member
    private static final Pattern RECORD_START = Pattern.compile("\\{\"schemaVersion\":" + SCHEMA_VERSION + ",\"seq\":([1-9][0-9]{0,18})(?:,\"keyId\":\"([0-9a-f]{16})\")?,\"prevHash\":\"([0-9a-f]{64})\",\"");
    private static final Pattern RECORD_END = Pattern.compile(",\"hash\":\"([0-9a-f]{64})\"}\n");
    private static final int RECORD_END_LENGTH = 76;
    // nothing the listener writes is this long (the journal refuses it): a longer run of bytes ends a file's lines
    static final int MAX_LINE = 64 << 20;
    private static final Pattern CHECKPOINT = Pattern.compile("(\\{\"checkpoint\":1,\"keyId\":\"([0-9a-f]{16})\",\"seq\":([1-9][0-9]{0,18}),\"hash\":\"([0-9a-f]{64})\",\"time\":\"([0-9TZ:.+-]{1,40})\")" +
            ",\"mac\":\"([0-9a-f]{64})\"}\n");

    private static final FileAttribute<Set<PosixFilePermission>> DIRECTORY_MODE = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
    private static final FileAttribute<Set<PosixFilePermission>> FILE_MODE = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    private static final Set<PosixFilePermission> GROUP_OR_OTHERS = EnumSet.complementOf(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE));

    private AuditFiles() {}

    // a parsed line (with its newline), MACed over its first signedLength bytes and '}'; a record's hash is its
    // prevHash and its mac its hash, a checkpoint's hash is the one of the record it names
    record Line(long sequence, String keyId, String hash, String time, String mac, byte[] line, int signedLength) {}

    // without a key id only in records of versions that allowed no key, which the verifier reports
    static byte[] header(long sequence, String keyId, String previousHash)
    {
        String keyMember = keyId == null ? "" : ",\"keyId\":\"" + keyId + "\"";
        return ("{\"schemaVersion\":" + SCHEMA_VERSION + ",\"seq\":" + sequence + keyMember + ",\"prevHash\":\"" + previousHash + "\",").getBytes(US_ASCII);
    }

    static String checkpointStart(String keyId, long sequence, String hash, String time)
    {
        return "{\"checkpoint\":1,\"keyId\":\"%s\",\"seq\":%s,\"hash\":\"%s\",\"time\":\"%s\"".formatted(keyId, sequence, hash, time);
    }

    static byte[] suffix(String field, String hex)
    {
        return (",\"" + field + "\":\"" + hex + "\"}\n").getBytes(US_ASCII);
    }

    // a complete record line of this schema version, exactly as the journal writes it, or null. Only its start and
    // end are read: the MAC covers the body between, and a query text may be a megabyte.
    static Line parseRecord(byte[] line)
    {
        Matcher start = RECORD_START.matcher(ascii(line, 0, Math.min(line.length, 200)));
        Matcher end = RECORD_END.matcher(ascii(line, Math.max(0, line.length - RECORD_END_LENGTH), line.length));
        Long sequence = start.lookingAt() ? Longs.tryParse(start.group(1)) : null;
        if (sequence == null || !end.matches() || start.end() > line.length - RECORD_END_LENGTH) {
            return null;
        }
        return new Line(sequence, start.group(2), start.group(3), null, end.group(1), line, line.length - RECORD_END_LENGTH);
    }

    // a complete checkpoint line, exactly as the listener writes it, or null
    static Line parseCheckpoint(byte[] line)
    {
        Matcher checkpoint = CHECKPOINT.matcher(ascii(line, 0, Math.min(line.length, 400)));
        Long sequence = checkpoint.matches() ? Longs.tryParse(checkpoint.group(3)) : null;
        if (sequence == null) {
            return null;
        }
        return new Line(sequence, checkpoint.group(2), checkpoint.group(4), checkpoint.group(5), checkpoint.group(6), line, checkpoint.end(1));
    }

    // bytes beyond ASCII become characters no pattern here matches
    private static String ascii(byte[] line, int from, int to)
    {
        return new String(line, from, to - from, ISO_8859_1);
    }

    // checks that it is writable; messages name the property
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

    static FileChannel open(Path file, OpenOption... options)
            throws IOException
    {
        // never through a link: one planted in the directory would have the listener truncate or append to its target
        return FileChannel.open(file, Stream.concat(Stream.of(CREATE, WRITE, NOFOLLOW_LINKS), Stream.of(options)).collect(toImmutableSet()), FILE_MODE);
    }

    // Two writers would interleave sequence numbers and break the chain: one journal directory, one listener.
    static FileChannel lock(Path directory)
    {
        Path lockFile = directory.resolve("journal.lock");
        try {
            FileChannel channel = AuditFiles.open(lockFile);
            try {
                // held until the channel closes
                if (channel.tryLock() != null) {
                    return channel;
                }
            }
            catch (OverlappingFileLockException e) {
                // this process holds it
            }
            channel.close();
            throw new IllegalStateException(format("Audit journal directory %s (audit.journal.directory) is in use by another audit event listener (lock %s). " +
                    "Give every listener and every Trino process its own journal directory", directory, lockFile));
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot lock audit journal directory " + directory, e);
        }
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

    // appends and forces one line; a failed append is cut back, so that the next line does not continue a partial one
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

    // cuts what follows the last line isRecord accepts (a torn, unacknowledged write, or a crash's zeros); returns it
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
            try (FileChannel channel = FileChannel.open(file, WRITE, NOFOLLOW_LINKS)) {
                channel.truncate(end);
            }
        }
        return last;
    }

    // Lines up to a limit: bytes past the last acknowledged write may be a failed write, cut back and written over
    // between two reads, and must never be joined to what follows them.
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
            // a FIFO would hang the reader, a link lead it elsewhere
            if (!Files.isRegularFile(file, NOFOLLOW_LINKS)) {
                throw new IOException("Audit file %s is not a regular file (a link, a FIFO or a directory): move it away".formatted(file));
            }
            this.channel = FileChannel.open(file, READ, NOFOLLOW_LINKS);
        }

        byte[] next()
                throws IOException
        {
            return next(Long.MAX_VALUE);
        }

        // the next line with its newline before the limit (and within MAX_LINE), or null
        byte[] next(long limit)
                throws IOException
        {
            // a chunk without a newline is read again twice as large
            for (int size = CHUNK_SIZE; lines.isEmpty() && position < limit && size <= MAX_LINE; size *= 2) {
                ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(size, limit - position));
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
                if (start == 0 && (buffer.hasRemaining() || buffer.capacity() == limit - position)) {
                    // the file or the limit ends inside a line
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
