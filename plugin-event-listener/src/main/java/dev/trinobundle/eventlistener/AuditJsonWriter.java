package dev.trinobundle.eventlistener;

import java.time.Instant;
import java.util.Arrays;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;

/**
 * A JSON writer for the audit record's fixed shape, writing UTF-8 straight into a reusable byte array.
 * <p>
 * Why not Jackson: the record is serialized on Trino's dispatcher thread, and for the benchmarks' 2.4 KB record
 * Jackson's generator (with {@code Instant.toString} and the stream copies) takes 9.3 µs p50, this writer 3.3 µs
 * ({@code BenchmarkAuditRecordSerialization}); it allocates little once its buffer has grown. It only has to produce
 * valid JSON, which the tests check by parsing its output with Jackson, including hostile strings.
 * <p>
 * The first {@link #HEADER_RESERVE} bytes are left free so that the journal can put the record header in front of the
 * body without copying it. Not thread-safe: one writer per thread.
 */
final class AuditJsonWriter
{
    // room for {"schemaVersion":1,"seq":<19 digits>,"prevHash":"<64 hex>", (122 bytes)
    static final int HEADER_RESERVE = 128;
    // room for ,"hash":"<64 hex>"}\n after the body
    static final int TRAILER_RESERVE = 80;

    private static final int BULK_STRING_LENGTH = 64;
    private static final int MAX_CACHED_LENGTH = 64;
    private static final int CACHE_SLOTS = 512;
    private static final int CACHE_PROBES = 4;
    private static final byte[] HEX_DIGITS = "0123456789abcdef".getBytes(US_ASCII);
    private static final byte[] NULL = "null".getBytes(US_ASCII);
    private static final byte[] TRUE = "true".getBytes(US_ASCII);
    private static final byte[] FALSE = "false".getBytes(US_ASCII);
    // 0: copy as is; 1: short escape; 2: \\u00XX
    private static final byte[] ASCII_ESCAPES = new byte[128];
    private static final byte[] SHORT_ESCAPES = new byte[128];
    // Instant.toString's range of plain four-digit years; other instants fall back to it
    private static final long MIN_PLAIN_EPOCH_SECOND = Instant.parse("0000-01-01T00:00:00Z").getEpochSecond();
    private static final long MAX_PLAIN_EPOCH_SECOND = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();

    static {
        for (int c = 0; c < 0x20; c++) {
            ASCII_ESCAPES[c] = 2;
        }
        shortEscape('"', '"');
        shortEscape('\\', '\\');
        shortEscape('\n', 'n');
        shortEscape('\r', 'r');
        shortEscape('\t', 't');
        shortEscape('\b', 'b');
        shortEscape('\f', 'f');
    }

    private static void shortEscape(char c, char escape)
    {
        ASCII_ESCAPES[c] = 1;
        SHORT_ESCAPES[c] = (byte) escape;
    }

    private final String[] cachedStrings = new String[CACHE_SLOTS];
    private final byte[][] cachedEncodings = new byte[CACHE_SLOTS][];
    private final String[] cachedNames = new String[CACHE_SLOTS];
    private final byte[][] cachedNameTokens = new byte[CACHE_SLOTS][];
    private byte[] buffer;
    private char[] chars = new char[256];
    private int position;
    // bit i set: the container at depth i already has a member, so the next one needs a comma
    private long hasMember;
    private int depth;

    AuditJsonWriter()
    {
        this(4096);
    }

    AuditJsonWriter(int initialCapacity)
    {
        buffer = new byte[Math.max(initialCapacity, HEADER_RESERVE + TRAILER_RESERVE + 2)];
        reset();
    }

    void reset()
    {
        position = HEADER_RESERVE;
        hasMember = 0;
        depth = 0;
    }

    int capacity()
    {
        return buffer.length;
    }

    byte[] buffer()
    {
        return buffer;
    }

    /**
     * Offset of the body's opening brace.
     */
    int bodyStart()
    {
        return HEADER_RESERVE;
    }

    /**
     * Offset right after the body's closing brace.
     */
    int bodyEnd()
    {
        return position;
    }

    byte[] toBodyBytes()
    {
        return Arrays.copyOfRange(buffer, HEADER_RESERVE, position);
    }

    /**
     * Makes sure {@link #TRAILER_RESERVE} bytes are free after the body, for the hash suffix.
     */
    void reserveTrailer()
    {
        ensureCapacity(TRAILER_RESERVE);
    }

    AuditJsonWriter startObject()
    {
        beforeValue();
        writeByte('{');
        return open();
    }

    AuditJsonWriter endObject()
    {
        depth--;
        writeByte('}');
        return this;
    }

    AuditJsonWriter startArray()
    {
        beforeValue();
        writeByte('[');
        return open();
    }

    AuditJsonWriter endArray()
    {
        depth--;
        writeByte(']');
        return this;
    }

    /**
     * Writes a member name. Names are the schema's own ASCII constants, never input, so they are not escaped.
     */
    AuditJsonWriter name(String name)
    {
        beforeValue();
        // names are the serializer's string constants, the same instance every time, and there are few of them
        int slot = System.identityHashCode(name) & (CACHE_SLOTS - 1);
        for (int probe = 0; probe < CACHE_SLOTS && cachedNames[slot] != null && cachedNames[slot] != name; probe++) {
            slot = (slot + 1) & (CACHE_SLOTS - 1);
        }
        byte[] token = cachedNames[slot] == name ? cachedNameTokens[slot] : null;
        if (token == null) {
            token = ("\"" + name + "\":").getBytes(US_ASCII);
            if (cachedNames[slot] == null) {
                cachedNames[slot] = name;
                cachedNameTokens[slot] = token;
            }
        }
        writeBytes(token);
        // the value that follows belongs to this name: no comma before it
        hasMember &= ~(1L << depth);
        return this;
    }

    AuditJsonWriter value(String value)
    {
        if (value == null) {
            return nullValue();
        }
        beforeValue();
        if (value.length() > MAX_CACHED_LENGTH) {
            writeQuoted(value);
            return this;
        }
        // Users, groups, catalogs, tables and columns repeat from query to query: their encoding is kept in a small
        // cache (equal content, so the output cannot differ), which saves most of the per-character work.
        int hash = value.hashCode();
        int first = (hash ^ (hash >>> 16)) & (CACHE_SLOTS - 1);
        int slot = first;
        for (int probe = 0; probe < CACHE_PROBES; probe++) {
            String cached = cachedStrings[slot];
            if (cached == null) {
                break;
            }
            if (cached.equals(value)) {
                writeBytes(cachedEncodings[slot]);
                return this;
            }
            slot = (slot + 1) & (CACHE_SLOTS - 1);
        }
        if (cachedStrings[slot] != null) {
            // all probed slots hold other strings: take the first
            slot = first;
        }
        int start = position;
        writeQuoted(value);
        cachedStrings[slot] = value;
        cachedEncodings[slot] = Arrays.copyOfRange(buffer, start, position);
        return this;
    }

    AuditJsonWriter value(long value)
    {
        beforeValue();
        ensureCapacity(20);
        if (value < 0) {
            if (value == Long.MIN_VALUE) {
                writeAscii(Long.toString(value));
                return this;
            }
            buffer[position++] = '-';
            value = -value;
        }
        int digits = 1;
        for (long rest = value / 10; rest > 0; rest /= 10) {
            digits++;
        }
        int at = position + digits;
        position = at;
        do {
            buffer[--at] = (byte) ('0' + value % 10);
            value /= 10;
        }
        while (value > 0);
        return this;
    }

    AuditJsonWriter value(boolean value)
    {
        beforeValue();
        writeBytes(value ? TRUE : FALSE);
        return this;
    }

    AuditJsonWriter nullValue()
    {
        beforeValue();
        writeBytes(NULL);
        return this;
    }

    /**
     * Writes an instant exactly as {@link Instant#toString()} does (ISO-8601 in UTC, with 0, 3, 6 or 9 fraction
     * digits), without its formatter and intermediate strings.
     */
    AuditJsonWriter value(Instant instant)
    {
        if (instant == null) {
            return nullValue();
        }
        long epochSecond = instant.getEpochSecond();
        if (epochSecond < MIN_PLAIN_EPOCH_SECOND || epochSecond > MAX_PLAIN_EPOCH_SECOND) {
            return value(instant.toString());
        }
        beforeValue();
        ensureCapacity(32);
        long epochDay = Math.floorDiv(epochSecond, 86_400);
        int secondOfDay = (int) Math.floorMod(epochSecond, 86_400);
        // civil-from-days (Howard Hinnant's algorithm), valid for the proleptic Gregorian calendar
        long shifted = epochDay + 719_468;
        long era = Math.floorDiv(shifted, 146_097);
        long dayOfEra = shifted - era * 146_097;
        long yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365;
        long dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
        long monthIndex = (5 * dayOfYear + 2) / 153;
        int day = (int) (dayOfYear - (153 * monthIndex + 2) / 5 + 1);
        int month = (int) (monthIndex < 10 ? monthIndex + 3 : monthIndex - 9);
        int year = (int) (yearOfEra + era * 400 + (month <= 2 ? 1 : 0));

        byte[] bytes = buffer;
        int at = position;
        bytes[at++] = '"';
        at = digits(bytes, at, year, 4);
        bytes[at++] = '-';
        at = digits(bytes, at, month, 2);
        bytes[at++] = '-';
        at = digits(bytes, at, day, 2);
        bytes[at++] = 'T';
        at = digits(bytes, at, secondOfDay / 3600, 2);
        bytes[at++] = ':';
        at = digits(bytes, at, secondOfDay / 60 % 60, 2);
        bytes[at++] = ':';
        at = digits(bytes, at, secondOfDay % 60, 2);
        int nanos = instant.getNano();
        if (nanos != 0) {
            bytes[at++] = '.';
            if (nanos % 1_000_000 == 0) {
                at = digits(bytes, at, nanos / 1_000_000, 3);
            }
            else if (nanos % 1000 == 0) {
                at = digits(bytes, at, nanos / 1000, 6);
            }
            else {
                at = digits(bytes, at, nanos, 9);
            }
        }
        bytes[at++] = 'Z';
        bytes[at++] = '"';
        position = at;
        return this;
    }

    private static int digits(byte[] bytes, int at, int value, int count)
    {
        for (int i = at + count - 1; i >= at; i--) {
            bytes[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
        return at + count;
    }

    private void writeQuoted(String value)
    {
        int length = value.length();
        writeByte('"');
        if (length < BULK_STRING_LENGTH) {
            // names, users, tables: a character loop beats allocating an encoded copy
            writeRest(value, 0);
            writeByte('"');
            return;
        }
        // The JDK encodes an ASCII string with a vectorized check and an array copy; runs of plain bytes are then
        // found 8 at a time and copied in bulk. Same length in bytes as in chars: every character took one byte.
        byte[] encoded = value.getBytes(UTF_8);
        if (encoded.length != length) {
            writeRest(value, 0);
        }
        else {
            int from = 0;
            while (from < length) {
                int plainEnd = plainAsciiEnd(encoded, from);
                ensureCapacity(plainEnd - from + 6);
                System.arraycopy(encoded, from, buffer, position, plainEnd - from);
                position += plainEnd - from;
                if (plainEnd == length) {
                    break;
                }
                // an escape, a '?' that is really a '?', or the encoder's '?' for a lone surrogate
                char c = value.charAt(plainEnd);
                if (c == '?') {
                    buffer[position++] = '?';
                }
                else {
                    position = writeSpecial(buffer, position, value, plainEnd);
                }
                from = plainEnd + 1;
            }
        }
        writeByte('"');
    }

    /**
     * End of the run of bytes from {@code from} that need no escaping and no second look ('?' is also what the
     * encoder writes for a lone surrogate).
     */
    private static int plainAsciiEnd(byte[] encoded, int from)
    {
        int i = from;
        for (; i + Long.BYTES <= encoded.length; i += Long.BYTES) {
            long word = ByteWords.word(encoded, i);
            if (ByteWords.hasByteBelow(word, 0x20) || ByteWords.hasByte(word, '"') || ByteWords.hasByte(word, '\\') || ByteWords.hasByte(word, '?')) {
                break;
            }
        }
        for (; i < encoded.length; i++) {
            byte b = encoded[i];
            if (b < 0x20 || b == '"' || b == '\\' || b == '?') {
                return i;
            }
        }
        return i;
    }

    private void writeRest(String value, int from)
    {
        int length = value.length();
        if (chars.length < length) {
            chars = new char[Math.max(length, 2 * chars.length)];
        }
        // one bulk copy, then a loop over a plain array: about twice as fast as charAt per character
        value.getChars(from, length, chars, from);
        char[] source = chars;
        int i = from;
        while (i < length) {
            ensureCapacity(length - i);
            byte[] bytes = buffer;
            // while nothing needs escaping, output position and character index move together
            int offset = position - i;
            int end = i;
            while (end < length) {
                char c = source[end];
                if (c >= 0x80 || ASCII_ESCAPES[c] != 0) {
                    break;
                }
                bytes[offset + end] = (byte) c;
                end++;
            }
            position = offset + end;
            i = end;
            if (i < length) {
                ensureCapacity(6);
                position = writeSpecial(buffer, position, value, i);
                i += Character.isSurrogatePair(source[i], i + 1 < length ? source[i + 1] : 0) ? 2 : 1;
            }
        }
    }

    /**
     * Writes the character at {@code index} that is not plain ASCII: an escape, a UTF-8 sequence, or for a lone
     * surrogate (which has no UTF-8 form; e.g. a query text cut inside an emoji) a {@code \\uXXXX} escape, so the
     * record stays valid JSON.
     */
    private static int writeSpecial(byte[] bytes, int at, String value, int index)
    {
        char c = value.charAt(index);
        if (c < 0x80) {
            if (ASCII_ESCAPES[c] == 1) {
                bytes[at++] = '\\';
                bytes[at++] = SHORT_ESCAPES[c];
                return at;
            }
            return unicodeEscape(bytes, at, c);
        }
        if (c < 0x800) {
            bytes[at++] = (byte) (0xC0 | (c >> 6));
            bytes[at++] = (byte) (0x80 | (c & 0x3F));
            return at;
        }
        if (Character.isSurrogate(c)) {
            if (Character.isHighSurrogate(c) && index + 1 < value.length() && Character.isLowSurrogate(value.charAt(index + 1))) {
                int codePoint = Character.toCodePoint(c, value.charAt(index + 1));
                bytes[at++] = (byte) (0xF0 | (codePoint >> 18));
                bytes[at++] = (byte) (0x80 | ((codePoint >> 12) & 0x3F));
                bytes[at++] = (byte) (0x80 | ((codePoint >> 6) & 0x3F));
                bytes[at++] = (byte) (0x80 | (codePoint & 0x3F));
                return at;
            }
            return unicodeEscape(bytes, at, c);
        }
        bytes[at++] = (byte) (0xE0 | (c >> 12));
        bytes[at++] = (byte) (0x80 | ((c >> 6) & 0x3F));
        bytes[at++] = (byte) (0x80 | (c & 0x3F));
        return at;
    }

    private static int unicodeEscape(byte[] bytes, int at, char c)
    {
        bytes[at++] = '\\';
        bytes[at++] = 'u';
        bytes[at++] = HEX_DIGITS[(c >> 12) & 0xF];
        bytes[at++] = HEX_DIGITS[(c >> 8) & 0xF];
        bytes[at++] = HEX_DIGITS[(c >> 4) & 0xF];
        bytes[at++] = HEX_DIGITS[c & 0xF];
        return at;
    }

    private AuditJsonWriter open()
    {
        depth++;
        if (depth >= Long.SIZE) {
            throw new IllegalStateException("JSON nesting too deep");
        }
        hasMember &= ~(1L << depth);
        return this;
    }

    private void beforeValue()
    {
        long bit = 1L << depth;
        if (depth > 0 && (hasMember & bit) != 0) {
            writeByte(',');
        }
        hasMember |= bit;
    }

    private void writeAscii(String ascii)
    {
        writeBytes(ascii.getBytes(US_ASCII));
    }

    private void writeBytes(byte[] bytes)
    {
        ensureCapacity(bytes.length);
        System.arraycopy(bytes, 0, buffer, position, bytes.length);
        position += bytes.length;
    }

    private void writeByte(char c)
    {
        ensureCapacity(1);
        buffer[position++] = (byte) c;
    }

    private void ensureCapacity(int extra)
    {
        long needed = (long) position + extra;
        if (needed > buffer.length) {
            if (needed > Integer.MAX_VALUE - 16) {
                throw new IllegalStateException("audit record too large");
            }
            buffer = Arrays.copyOf(buffer, (int) Math.max(needed, Math.min(Integer.MAX_VALUE - 16, 2L * buffer.length)));
        }
    }
}
