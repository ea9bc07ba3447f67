package dev.trinobundle.eventlistener;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;

import static java.nio.charset.StandardCharsets.US_ASCII;

/**
 * The on-disk line format shared by the journal, the file sink and the verifier. It deliberately uses no Trino SPI
 * class so that {@link AuditLogVerifier} runs with only the plugin directory on the class path.
 * <p>
 * A record's canonical bytes are a JSON object that starts with
 * {@code {"schemaVersion":1,"seq":N,"prevHash":"<64 hex>",}. The stored line is the canonical object with
 * {@code ,"hash":"<64 hex>"} inserted before its closing brace, followed by a newline, where
 * {@code hash = SHA-256(prevHash as ASCII || canonical bytes)}. Keeping the hash as a fixed-size suffix lets the
 * verifier recover the exact hashed bytes without re-serializing JSON.
 * <p>
 * The journal writes a record on Trino's thread with both hashes as {@value #UNSEALED} placeholders of the same length
 * and seals it (fills them in, in place) in the background, before any sink sees it; see {@link JournalSealer}.
 */
public final class AuditRecordFormat
{
    public static final int SCHEMA_VERSION = 1;
    public static final String GENESIS_HASH = "0".repeat(64);
    // fills both hashes of a record the journal has written but not sealed yet; never a hex digit
    static final char UNSEALED = '-';

    private static final byte[] HEADER_START = ("{\"schemaVersion\":" + SCHEMA_VERSION + ",\"seq\":").getBytes(US_ASCII);
    private static final byte[] HEADER_PREV_HASH = ",\"prevHash\":\"".getBytes(US_ASCII);
    private static final byte[] HASH_SUFFIX_START = ",\"hash\":\"".getBytes(US_ASCII);
    // ,"hash":"<64 hex>"}
    private static final int HASH_SUFFIX_LENGTH = HASH_SUFFIX_START.length + 64 + 2;
    private static final HexFormat HEX = HexFormat.of();

    private AuditRecordFormat() {}

    public static MessageDigest newDigest()
    {
        try {
            return MessageDigest.getInstance("SHA-256");
        }
        catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    }

    /**
     * Builds the stored, sealed line (with trailing newline) for a record body. The body is a serialized JSON object
     * whose first character is '{' and which holds every field except the header and the hash.
     *
     * @return the line, ending with its hash suffix and a newline
     */
    public static byte[] encodeLine(long sequence, String previousHash, byte[] body, MessageDigest digest)
    {
        byte[] buffer = new byte[AuditJsonWriter.HEADER_RESERVE + body.length + AuditJsonWriter.TRAILER_RESERVE];
        System.arraycopy(body, 0, buffer, AuditJsonWriter.HEADER_RESERVE, body.length);
        int start = encodeUnsealedInPlace(buffer, AuditJsonWriter.HEADER_RESERVE, AuditJsonWriter.HEADER_RESERVE + body.length, sequence);
        byte[] line = Arrays.copyOfRange(buffer, start, lineEnd(AuditJsonWriter.HEADER_RESERVE + body.length));
        seal(line, 0, line.length, previousHash.getBytes(US_ASCII), digest, new byte[64]);
        return line;
    }

    /**
     * Turns the body at {@code buffer[bodyStart, bodyEnd)} into an unsealed stored line in place, without copying the
     * body: the header goes into the free space before it (at least {@link AuditJsonWriter#HEADER_RESERVE} bytes) and
     * the hash suffix replaces its closing brace (at least {@link AuditJsonWriter#TRAILER_RESERVE} bytes must be free
     * after it). Both hashes are {@value #UNSEALED} placeholders until {@link #seal} fills them in.
     *
     * @return the offset of the line's first byte; the line ends at {@link #lineEnd lineEnd(bodyEnd)}
     */
    static int encodeUnsealedInPlace(byte[] buffer, int bodyStart, int bodyEnd, long sequence)
    {
        if (bodyEnd - bodyStart < 2 || buffer[bodyStart] != '{' || buffer[bodyEnd - 1] != '}') {
            throw new IllegalArgumentException("record body is not a JSON object");
        }
        if (sequence < 0) {
            throw new IllegalArgumentException("invalid sequence");
        }
        int sequenceDigits = 1;
        for (long rest = sequence / 10; rest > 0; rest /= 10) {
            sequenceDigits++;
        }
        // header = {"schemaVersion":1,"seq":N,"prevHash":"<64>"
        int headerLength = HEADER_START.length + sequenceDigits + HEADER_PREV_HASH.length + 64 + 1;
        boolean emptyBody = bodyEnd - bodyStart == 2;
        // a non-empty body continues the header after a comma that takes the place of its '{';
        // an empty body keeps only its '}' and the header's closing quote takes the place of its '{'
        int headerEnd = emptyBody ? bodyStart + 1 : bodyStart;
        int start = headerEnd - headerLength;
        if (start < 0 || bodyEnd + HASH_SUFFIX_LENGTH > buffer.length) {
            throw new IllegalArgumentException("no room for the record header or hash around the body");
        }
        int position = put(buffer, start, HEADER_START);
        long rest = sequence;
        for (int i = position + sequenceDigits - 1; i >= position; i--) {
            buffer[i] = (byte) ('0' + rest % 10);
            rest /= 10;
        }
        position += sequenceDigits;
        position = put(buffer, position, HEADER_PREV_HASH);
        Arrays.fill(buffer, position, position + 64, (byte) UNSEALED);
        buffer[position + 64] = '"';
        if (!emptyBody) {
            buffer[bodyStart] = ',';
        }
        position = put(buffer, bodyEnd - 1, HASH_SUFFIX_START);
        Arrays.fill(buffer, position, position + 64, (byte) UNSEALED);
        position += 64;
        buffer[position++] = '"';
        buffer[position++] = '}';
        buffer[position] = '\n';
        return start;
    }

    /**
     * Seals a stored line in place: writes {@code previousHash} into its header and its own hash, SHA-256 over the
     * previous hash and the canonical bytes, into its suffix.
     *
     * @param length the line's length including its newline
     * @param hashOut receives the line's hash as 64 ASCII hex digits
     */
    static void seal(byte[] line, int offset, int length, byte[] previousHash, MessageDigest digest, byte[] hashOut)
    {
        int previousHashOffset = previousHashOffset(line, offset, length);
        if (previousHashOffset < 0 || previousHash.length != 64 || hashOut.length != 64) {
            throw new IllegalArgumentException("not a stored audit line, or invalid hash");
        }
        System.arraycopy(previousHash, 0, line, previousHashOffset, 64);
        // canonical = the line up to its hash suffix, closed with '}'
        int suffixStart = offset + length - 1 - HASH_SUFFIX_LENGTH;
        digest.reset();
        digest.update(previousHash);
        digest.update(line, offset, suffixStart - offset);
        digest.update((byte) '}');
        byte[] hex = HEX.formatHex(digest.digest()).getBytes(US_ASCII);
        System.arraycopy(hex, 0, hashOut, 0, hex.length);
        System.arraycopy(hashOut, 0, line, suffixStart + HASH_SUFFIX_START.length, 64);
    }

    /**
     * Whether a complete stored line (including its newline) carries real hashes rather than the placeholders of a
     * record the journal has not sealed yet.
     */
    static boolean isSealed(byte[] line, int offset, int length)
    {
        int previousHashOffset = previousHashOffset(line, offset, length);
        return previousHashOffset >= 0
                && isHex(line, previousHashOffset)
                && isHex(line, offset + length - 1 - HASH_SUFFIX_LENGTH + HASH_SUFFIX_START.length);
    }

    /**
     * Whether a line (without its newline) ends with the placeholder hash of a record the journal has not sealed yet.
     */
    public static boolean hasUnsealedHash(byte[] line, int offset, int length)
    {
        if (length < HASH_SUFFIX_LENGTH || line[offset + length - 1] != '}' || line[offset + length - 2] != '"') {
            return false;
        }
        for (int i = offset + length - 2 - 64; i < offset + length - 2; i++) {
            if (line[i] != UNSEALED) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether a line (including its newline) has the header and hash suffix this version writes, sealed or not.
     */
    static boolean isComplete(byte[] line, int offset, int length)
    {
        if (previousHashOffset(line, offset, length) < 0 || line[offset + length - 1] != '\n'
                || line[offset + length - 2] != '}' || line[offset + length - 3] != '"') {
            return false;
        }
        int suffixStart = offset + length - 1 - HASH_SUFFIX_LENGTH;
        for (int i = 0; i < HASH_SUFFIX_START.length; i++) {
            if (line[suffixStart + i] != HASH_SUFFIX_START[i]) {
                return false;
            }
        }
        for (int i = suffixStart + HASH_SUFFIX_START.length; i < suffixStart + HASH_SUFFIX_START.length + 64; i++) {
            if (!isHexDigit(line[i]) && line[i] != UNSEALED) {
                return false;
            }
        }
        return true;
    }

    /**
     * Offset of the 64 characters of the prevHash value in a stored line, or -1 if the line does not start with the
     * header this version writes.
     */
    private static int previousHashOffset(byte[] line, int offset, int length)
    {
        long sequence = parseSequence(line, offset, length);
        if (sequence < 0) {
            return -1;
        }
        int position = offset + HEADER_START.length;
        while (position < offset + length && line[position] >= '0' && line[position] <= '9') {
            position++;
        }
        if (position + HEADER_PREV_HASH.length + 64 + 1 + HASH_SUFFIX_LENGTH + 1 > offset + length) {
            return -1;
        }
        for (int i = 0; i < HEADER_PREV_HASH.length; i++) {
            if (line[position + i] != HEADER_PREV_HASH[i]) {
                return -1;
            }
        }
        return position + HEADER_PREV_HASH.length;
    }

    private static boolean isHex(byte[] line, int offset)
    {
        for (int i = offset; i < offset + 64; i++) {
            if (!isHexDigit(line[i])) {
                return false;
            }
        }
        return true;
    }

    private static boolean isHexDigit(byte b)
    {
        return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'f');
    }

    /**
     * Where the line built by {@link #encodeUnsealedInPlace} from a body ending at {@code bodyEnd} ends (exclusive).
     */
    static int lineEnd(int bodyEnd)
    {
        return bodyEnd - 1 + HASH_SUFFIX_LENGTH + 1;
    }

    /**
     * Splits a stored line (without its newline) into the canonical bytes and the stored hash, or returns empty if
     * the line does not end with a well-formed hash suffix.
     */
    public static Optional<SplitLine> split(byte[] line, int offset, int length)
    {
        if (length < HASH_SUFFIX_LENGTH + 2 || line[offset + length - 1] != '}' || line[offset + length - 2] != '"') {
            return Optional.empty();
        }
        int suffixStart = offset + length - HASH_SUFFIX_LENGTH;
        for (int i = 0; i < HASH_SUFFIX_START.length; i++) {
            if (line[suffixStart + i] != HASH_SUFFIX_START[i]) {
                return Optional.empty();
            }
        }
        String hash = new String(line, suffixStart + HASH_SUFFIX_START.length, 64, US_ASCII);
        if (!hash.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return Optional.empty();
        }
        int canonicalWithoutBrace = suffixStart - offset;
        byte[] canonical = new byte[canonicalWithoutBrace + 1];
        System.arraycopy(line, offset, canonical, 0, canonicalWithoutBrace);
        canonical[canonicalWithoutBrace] = '}';
        return Optional.of(new SplitLine(canonical, hash));
    }

    /**
     * The hash of a line produced by {@link #encodeLine}, read from its fixed position without copying the record.
     */
    public static String hashOfEncodedLine(byte[] line)
    {
        return new String(line, hashOffset(line), 64, US_ASCII);
    }

    /**
     * Offset of the 64 hash characters in a stored line (with its newline): {@code ... ,"hash":"<64 hex>"}\n}.
     */
    static int hashOffset(byte[] line)
    {
        return line.length - 1 - 2 - 64;
    }

    public static String computeHash(String previousHash, byte[] canonical, MessageDigest digest)
    {
        digest.reset();
        digest.update(previousHash.getBytes(US_ASCII));
        digest.update(canonical);
        return HEX.formatHex(digest.digest());
    }

    /**
     * Reads the sequence number from the fixed header without parsing the JSON, or returns -1 if the line does not
     * start with the header this version writes.
     */
    public static long parseSequence(byte[] line, int offset, int length)
    {
        if (length <= HEADER_START.length) {
            return -1;
        }
        for (int i = 0; i < HEADER_START.length; i++) {
            if (line[offset + i] != HEADER_START[i]) {
                return -1;
            }
        }
        long value = 0;
        int digits = 0;
        for (int i = offset + HEADER_START.length; i < offset + length && line[i] >= '0' && line[i] <= '9' && digits < 19; i++) {
            value = value * 10 + (line[i] - '0');
            digits++;
        }
        return digits == 0 ? -1 : value;
    }

    public static String toUtf8(byte[] bytes)
    {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static int put(byte[] target, int position, byte[] source)
    {
        System.arraycopy(source, 0, target, position, source.length);
        return position + source.length;
    }

    public record SplitLine(byte[] canonical, String hash) {}
}
