package dev.trinobundle.eventlistener;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.google.common.primitives.Longs;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static com.google.common.collect.ImmutableSet.toImmutableSet;
import static java.lang.String.format;
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
 * so the MAC of one is never taken for the other. Only jackson-core: the verifier runs with the plugin directory alone.
 */
final class AuditFiles
{
    private static final Logger log = Logger.get(AuditFiles.class);
    static final int SCHEMA_VERSION = 2;
    static final String GENESIS_HASH = "0".repeat(64);
    static final String HASH_FIELD = "hash";
    static final String MAC_FIELD = "mac";
    private static final Set<String> CHAIN_MEMBERS = Set.of("seq", "keyId", "prevHash", "time", HASH_FIELD, MAC_FIELD);

    private static final JsonFactory JSON = JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    private static final Pattern HEX_64 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern KEY_ID = Pattern.compile("[0-9a-f]{16}");

    private static final FileAttribute<Set<PosixFilePermission>> DIRECTORY_MODE = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
    private static final FileAttribute<Set<PosixFilePermission>> FILE_MODE = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    private static final Set<PosixFilePermission> GROUP_OR_OTHERS = EnumSet.complementOf(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE));

    private AuditFiles() {}

    // a record's hash is its prevHash and its mac its hash; a checkpoint's hash is the one of the record it names
    record Line(long sequence, String keyId, String hash, String time, byte[] canonical, String mac) {}

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

    // the schema version and sequence number of a line that starts like a record of any version, or null
    static long[] versionAndSequence(byte[] line)
    {
        try (JsonParser parser = JSON.createParser(line)) {
            if (parser.nextToken() == JsonToken.START_OBJECT && "schemaVersion".equals(parser.nextFieldName()) && parser.nextToken() == JsonToken.VALUE_NUMBER_INT) {
                long version = parser.getLongValue();
                if ("seq".equals(parser.nextFieldName()) && parser.nextToken() == JsonToken.VALUE_NUMBER_INT && parser.getLongValue() > 0) {
                    return new long[] {version, parser.getLongValue()};
                }
            }
        }
        catch (IOException e) {
            // not JSON, or a number beyond a long
        }
        return null;
    }

    // a complete record line of this schema version, exactly as the journal writes it, or null
    static Line parseRecord(byte[] line)
    {
        Map<String, String> record = members(line);
        long sequence = record == null ? -1 : number(record.get("seq"));
        String keyId = record == null ? null : record.get("keyId");
        if (sequence <= 0 || keyId != null && !KEY_ID.matcher(keyId).matches() || !hex(record.get("prevHash")) || !hex(record.get(HASH_FIELD))) {
            return null;
        }
        byte[] canonical = canonical(line, header(sequence, keyId, record.get("prevHash")), HASH_FIELD, record.get(HASH_FIELD));
        return canonical == null ? null : new Line(sequence, keyId, record.get("prevHash"), null, canonical, record.get(HASH_FIELD));
    }

    // a complete checkpoint line, exactly as the listener writes it, or null
    static Line parseCheckpoint(byte[] line)
    {
        Map<String, String> checkpoint = members(line);
        long sequence = checkpoint == null ? -1 : number(checkpoint.get("seq"));
        String keyId = String.valueOf(checkpoint == null ? null : checkpoint.get("keyId"));
        if (sequence <= 0 || !KEY_ID.matcher(keyId).matches() || !hex(checkpoint.get("hash")) || !hex(checkpoint.get(MAC_FIELD))) {
            return null;
        }
        String start = checkpointStart(keyId, sequence, checkpoint.get("hash"), String.valueOf(checkpoint.get("time")));
        byte[] canonical = canonical(line, start.getBytes(US_ASCII), MAC_FIELD, checkpoint.get(MAC_FIELD));
        // nothing between the start and the mac
        return canonical == null || canonical.length != start.length() + 1 ? null : new Line(sequence, keyId, checkpoint.get("hash"), checkpoint.get("time"), canonical, checkpoint.get(MAC_FIELD));
    }

    private static boolean hex(String value)
    {
        return value != null && HEX_64.matcher(value).matches();
    }

    // the line without its MAC member and newline, if it starts exactly with the start and ends with the MAC member
    private static byte[] canonical(byte[] line, byte[] start, String field, String mac)
    {
        byte[] suffix = suffix(field, mac);
        if (line.length < start.length + suffix.length || !Arrays.equals(line, 0, start.length, start, 0, start.length)
                || !Arrays.equals(line, line.length - suffix.length, line.length, suffix, 0, suffix.length)) {
            return null;
        }
        byte[] canonical = Arrays.copyOf(line, line.length - suffix.length + 1);
        canonical[canonical.length - 1] = '}';
        return canonical;
    }

    // the chain members of a one-object line, or null; only they become strings: a query text may be a megabyte
    private static Map<String, String> members(byte[] line)
    {
        Map<String, String> members = new HashMap<>();
        try (JsonParser parser = JSON.createParser(line)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                if (parser.nextToken().isScalarValue() && CHAIN_MEMBERS.contains(name)) {
                    members.put(name, parser.currentToken() == JsonToken.VALUE_NULL ? null : parser.getText());
                }
                else {
                    parser.skipChildren();
                }
            }
            return parser.currentToken() == JsonToken.END_OBJECT && parser.nextToken() == null ? members : null;
        }
        catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static long number(String text)
    {
        Long number = text == null ? null : Longs.tryParse(text);
        return number == null ? -1 : number;
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
            this.channel = FileChannel.open(file, READ);
        }

        byte[] next()
                throws IOException
        {
            return next(Long.MAX_VALUE);
        }

        // the next line with its newline before the limit, or null
        byte[] next(long limit)
                throws IOException
        {
            // a chunk without a newline is read again twice as large
            for (int size = CHUNK_SIZE; lines.isEmpty() && position < limit; size *= 2) {
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
