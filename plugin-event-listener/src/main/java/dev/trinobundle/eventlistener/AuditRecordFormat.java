package dev.trinobundle.eventlistener;

import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static java.nio.charset.StandardCharsets.US_ASCII;

/**
 * The line format shared by the journal, the file sink, the checkpoints and the verifier. It uses no Trino SPI class,
 * so that {@link AuditLogVerifier} runs with only the plugin directory on the class path.
 * <p>
 * A record line is {@code {"schemaVersion":2,"seq":N[,"keyId":"K"],"prevHash":"P",<body members>,"hash":"H"}}
 * and a newline. Its canonical bytes are the line without the {@code ,"hash":"H"} suffix (and newline), closed with
 * {@code }}; {@code H = HMAC-SHA256(key, canonical)} (without a configured key, with a fixed public one). The
 * canonical bytes hold {@code seq} and {@code prevHash} (the previous record's H), which chains the records.
 * A checkpoint line is the same with a {@code ,"mac":"M"} suffix.
 */
public final class AuditRecordFormat
{
    public static final int SCHEMA_VERSION = 2;
    public static final String GENESIS_HASH = "0".repeat(64);
    static final String HASH_FIELD = "hash";
    static final String MAC_FIELD = "mac";

    private static final Pattern START = Pattern.compile("\\{\"schemaVersion\":(\\d{1,9}),\"seq\":(\\d{1,18})[,}]");
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
     * The schema version and sequence number from the fixed start of a line, without parsing the JSON; null if the
     * line does not start like a record.
     */
    static long[] versionAndSequence(byte[] line, int offset, int length)
    {
        Matcher matcher = START.matcher(new String(line, offset, Math.min(length, 64), US_ASCII));
        return matcher.lookingAt() ? new long[] {Long.parseLong(matcher.group(1)), Long.parseLong(matcher.group(2))} : null;
    }

    public static long parseSequence(byte[] line, int offset, int length)
    {
        long[] start = versionAndSequence(line, offset, length);
        return start == null ? -1 : start[1];
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

    public record SplitLine(byte[] canonical, String mac) {}
}
