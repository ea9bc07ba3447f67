package dev.trinobundle.eventlistener;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static java.nio.charset.StandardCharsets.US_ASCII;

/**
 * The line format shared by the journal, the file sink, the checkpoints and the verifier, and the one reader and
 * parser of such lines. It uses no Trino SPI class, so that {@link AuditLogVerifier} runs with only the plugin
 * directory on the class path.
 * <p>
 * A record line is {@code {"schemaVersion":2,"seq":N[,"keyId":"K"],"prevHash":"P",<body members>,"hash":"H"}}
 * and a newline. Its canonical bytes are the line without the {@code ,"hash":"H"} suffix (and newline), closed with
 * {@code }}; {@code H = HMAC-SHA256(key, canonical)} (without a configured key, with a fixed public one). The
 * canonical bytes hold {@code seq} and {@code prevHash} (the previous record's H), which chains the records.
 * A checkpoint line is {@code {"checkpoint":1,"keyId":"K","seq":N,"hash":"H","time":"T","mac":"M"}}.
 */
public final class AuditRecordFormat
{
    public static final int SCHEMA_VERSION = 2;
    public static final String GENESIS_HASH = "0".repeat(64);
    static final String HASH_FIELD = "hash";
    static final String MAC_FIELD = "mac";

    // the start of any version's record: the file sink counts every version's numbers
    private static final Pattern START = Pattern.compile("\\{\"schemaVersion\":(\\d{1,9}),\"seq\":(\\d{1,19})[,}]");
    private static final Pattern RECORD = Pattern.compile("\\{\"schemaVersion\":2,\"seq\":(\\d{1,19})(?:,\"keyId\":\"([0-9a-f]{1,64})\")?,\"prevHash\":\"([0-9a-f]{64})\",\"");
    private static final Pattern CHECKPOINT = Pattern.compile("\\{\"checkpoint\":1,\"keyId\":\"([0-9a-f]{1,64})\",\"seq\":(\\d{1,19}),\"hash\":\"([0-9a-f]{64})\",\"time\":\"([0-9TZ:.-]{1,40})\"}");
    private static final HexFormat HEX = HexFormat.of();

    private AuditRecordFormat() {}

    /**
     * A parsed record or checkpoint line. For a record, {@code hash} is its {@code prevHash}; for a checkpoint, the
     * hash of the record it names, and {@code time} its time (null for a record).
     */
    record Line(long sequence, String keyId, String hash, String time, byte[] canonical, String mac) {}

    static byte[] header(long sequence, String keyId, String previousHash)
    {
        String keyMember = keyId == null ? "" : ",\"keyId\":\"" + keyId + "\"";
        return ("{\"schemaVersion\":" + SCHEMA_VERSION + ",\"seq\":" + sequence + keyMember + ",\"prevHash\":\"" + previousHash + "\",").getBytes(US_ASCII);
    }

    /**
     * {@code ,"<field>":"<hex>"}} and a newline.
     */
    static byte[] suffix(String field, byte[] mac)
    {
        return (",\"" + field + "\":\"" + HEX.formatHex(mac) + "\"}\n").getBytes(US_ASCII);
    }

    /**
     * The schema version and sequence number from the start of a line, without parsing the JSON; null if the line
     * does not start like a record of any version.
     */
    static long[] versionAndSequence(byte[] line)
    {
        Matcher matcher = START.matcher(new String(line, 0, Math.min(line.length, 64), US_ASCII));
        long sequence = matcher.lookingAt() ? positiveLong(matcher.group(2)) : -1;
        return sequence > 0 ? new long[] {Long.parseLong(matcher.group(1)), sequence} : null;
    }

    // any positive long: a number the writer can give must be readable back
    private static long positiveLong(String digits)
    {
        try {
            return Long.parseLong(digits);
        }
        catch (NumberFormatException e) {
            return -1;
        }
    }

    public static long sequence(byte[] line)
    {
        long[] start = versionAndSequence(line);
        return start == null ? -1 : start[1];
    }

    /**
     * The hex hash of a complete record line (with its newline), read from its fixed position at the end.
     */
    static String hashOf(byte[] line)
    {
        return new String(line, line.length - 1 - 2 - 64, 64, US_ASCII);
    }

    /**
     * A record line of this schema version (with or without its newline), or null.
     */
    static Line parseRecord(byte[] line)
    {
        byte[] canonical = canonical(line, HASH_FIELD);
        Matcher matcher = canonical == null ? null : RECORD.matcher(new String(canonical, 0, Math.min(canonical.length, 256), US_ASCII));
        if (matcher == null || !matcher.lookingAt() || positiveLong(matcher.group(1)) <= 0) {
            return null;
        }
        return new Line(Long.parseLong(matcher.group(1)), matcher.group(2), matcher.group(3), null, canonical, macOf(line, HASH_FIELD));
    }

    /**
     * A checkpoint line (with or without its newline), or null.
     */
    static Line parseCheckpoint(byte[] line)
    {
        byte[] canonical = canonical(line, MAC_FIELD);
        Matcher matcher = canonical == null ? null : CHECKPOINT.matcher(new String(canonical, US_ASCII));
        if (matcher == null || !matcher.matches() || positiveLong(matcher.group(2)) <= 0) {
            return null;
        }
        return new Line(Long.parseLong(matcher.group(2)), matcher.group(1), matcher.group(3), matcher.group(4), canonical, macOf(line, MAC_FIELD));
    }

    private static int contentLength(byte[] line)
    {
        return line.length > 0 && line[line.length - 1] == '\n' ? line.length - 1 : line.length;
    }

    /**
     * The line without its {@code ,"<field>":"<64 hex>"} suffix, closed with {@code }}; null without such a suffix.
     */
    private static byte[] canonical(byte[] line, String field)
    {
        int length = contentLength(line);
        byte[] prefix = (",\"" + field + "\":\"").getBytes(US_ASCII);
        int suffixStart = length - prefix.length - 64 - 2;
        if (suffixStart < 2 || !Arrays.equals(line, suffixStart, suffixStart + prefix.length, prefix, 0, prefix.length)
                || line[length - 2] != '"' || line[length - 1] != '}') {
            return null;
        }
        for (int i = length - 66; i < length - 2; i++) {
            if (Character.digit(line[i], 16) < 0 || line[i] >= 'A' && line[i] <= 'F') {
                return null;
            }
        }
        byte[] canonical = Arrays.copyOf(line, suffixStart + 1);
        canonical[suffixStart] = '}';
        return canonical;
    }

    private static String macOf(byte[] line, String field)
    {
        return new String(line, contentLength(line) - 66, 64, US_ASCII);
    }

    /**
     * Reads the newline-terminated lines of a file, front to back; a line whose newline is not (yet) there is not
     * returned.
     */
    static final class LineReader
            implements Closeable
    {
        private final FileChannel channel;
        private byte[] buffer = new byte[64 * 1024];
        // unreturned bytes: buffer[start, end), of which [start, scanned) hold no newline
        private int start;
        private int scanned;
        private int end;
        private long position;

        LineReader(FileChannel channel)
        {
            this.channel = channel;
        }

        /**
         * The next line with its newline, or null if the file has no complete line before {@code limit} (yet).
         */
        byte[] next(long limit)
                throws IOException
        {
            while (true) {
                for (; scanned < end; scanned++) {
                    if (buffer[scanned] == '\n') {
                        byte[] line = Arrays.copyOfRange(buffer, start, scanned + 1);
                        start = ++scanned;
                        return line;
                    }
                }
                System.arraycopy(buffer, start, buffer, 0, end - start);
                end -= start;
                scanned -= start;
                start = 0;
                if (end == buffer.length) {
                    // a line longer than the buffer
                    buffer = Arrays.copyOf(buffer, buffer.length * 2);
                }
                int length = (int) Math.min(buffer.length - end, limit - position);
                int read = length <= 0 ? -1 : channel.read(ByteBuffer.wrap(buffer, end, length), position);
                if (read <= 0) {
                    return null;
                }
                position += read;
                end += read;
            }
        }

        byte[] next()
                throws IOException
        {
            return next(Long.MAX_VALUE);
        }

        /**
         * The file offset after the last line returned.
         */
        long offset()
        {
            return position - (end - start);
        }

        @Override
        public void close()
                throws IOException
        {
            channel.close();
        }
    }
}
