package dev.trinobundle.eventlistener;

import java.util.HexFormat;
import java.util.Optional;

import static java.nio.charset.StandardCharsets.US_ASCII;

/**
 * The line format shared by the journal, the file sink, the checkpoints and the verifier. It uses no Trino SPI class,
 * so that {@link AuditLogVerifier} runs with only the plugin directory on the class path.
 * <p>
 * A record line is {@code {"schemaVersion":2,"seq":N[,"keyId":"K"],"prevHash":"P",<body members>,"hash":"H"}}
 * and a newline. Its canonical bytes are the line without the {@code ,"hash":"H"} suffix (and newline), closed with
 * {@code }}; {@code H = HMAC-SHA256(key, canonical)} when a key is configured, else {@code SHA-256(canonical)}. The
 * canonical bytes hold {@code seq} and {@code prevHash} (the previous record's H), which chains the records.
 * A checkpoint line is the same with a {@code ,"mac":"M"} suffix.
 */
public final class AuditRecordFormat
{
    public static final int SCHEMA_VERSION = 2;
    public static final String GENESIS_HASH = "0".repeat(64);
    static final String HASH_FIELD = "hash";
    static final String MAC_FIELD = "mac";

    private static final byte[] VERSION_PREFIX = "{\"schemaVersion\":".getBytes(US_ASCII);
    private static final byte[] SEQ_PREFIX = ",\"seq\":".getBytes(US_ASCII);
    private static final HexFormat HEX = HexFormat.of();

    private AuditRecordFormat() {}

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

    static int suffixLength(String field)
    {
        // ,"field":"<64 hex>"}
        return field.length() + 6 + 64 + 1;
    }

    /**
     * Splits a line (without its newline) into its canonical bytes and the hex MAC of its {@code field} suffix, or
     * returns empty if it does not end with a well-formed suffix.
     */
    public static Optional<SplitLine> split(byte[] line, int length, String field)
    {
        int suffixLength = suffixLength(field);
        int suffixStart = length - suffixLength;
        if (suffixStart < 2 || line[length - 1] != '}' || line[length - 2] != '"') {
            return Optional.empty();
        }
        byte[] prefix = (",\"" + field + "\":\"").getBytes(US_ASCII);
        for (int i = 0; i < prefix.length; i++) {
            if (line[suffixStart + i] != prefix[i]) {
                return Optional.empty();
            }
        }
        String mac = new String(line, suffixStart + prefix.length, 64, US_ASCII);
        if (!mac.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return Optional.empty();
        }
        byte[] canonical = new byte[suffixStart + 1];
        System.arraycopy(line, 0, canonical, 0, suffixStart);
        canonical[suffixStart] = '}';
        return Optional.of(new SplitLine(canonical, mac));
    }

    /**
     * The schema version from the fixed start of a line, or -1 if the line does not start like a record.
     */
    static int schemaVersion(byte[] line, int offset, int length)
    {
        long version = number(line, offset + VERSION_PREFIX.length, offset + length, VERSION_PREFIX, line, offset);
        return (int) Math.min(version, Integer.MAX_VALUE);
    }

    /**
     * The sequence number from the fixed header of a record line without parsing the JSON, or -1.
     */
    public static long parseSequence(byte[] line, int offset, int length)
    {
        if (schemaVersion(line, offset, length) < 0) {
            return -1;
        }
        int position = offset + VERSION_PREFIX.length;
        while (position < offset + length && line[position] >= '0' && line[position] <= '9') {
            position++;
        }
        return number(line, position + SEQ_PREFIX.length, offset + length, SEQ_PREFIX, line, position);
    }

    /**
     * The hex hash of a complete record line (with its newline), read from its fixed position at the end.
     */
    static String hashOf(byte[] line, int length)
    {
        return new String(line, length - 1 - 2 - 64, 64, US_ASCII);
    }

    /**
     * Whether a line (with its newline) ends like a record this version writes: the newest line of a file that does
     * not is a torn write, or damage.
     */
    static boolean isComplete(byte[] line, int length)
    {
        return length > 0 && line[length - 1] == '\n'
                && parseSequence(line, 0, length) > 0
                && split(line, length - 1, HASH_FIELD).isPresent();
    }

    private static long number(byte[] bytes, int start, int end, byte[] expectedPrefix, byte[] prefixSource, int prefixStart)
    {
        if (prefixStart + expectedPrefix.length >= end) {
            return -1;
        }
        for (int i = 0; i < expectedPrefix.length; i++) {
            if (prefixSource[prefixStart + i] != expectedPrefix[i]) {
                return -1;
            }
        }
        long value = 0;
        int digits = 0;
        for (int i = start; i < end && bytes[i] >= '0' && bytes[i] <= '9' && digits < 18; i++) {
            value = value * 10 + (bytes[i] - '0');
            digits++;
        }
        return digits == 0 ? -1 : value;
    }

    public record SplitLine(byte[] canonical, String mac) {}
}
