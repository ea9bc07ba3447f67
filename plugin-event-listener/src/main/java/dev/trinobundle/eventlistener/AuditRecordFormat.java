package dev.trinobundle.eventlistener;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;

import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import static java.nio.charset.StandardCharsets.US_ASCII;

/**
 * The lines of the journal and the checkpoints; only jackson-core, as {@link AuditLogVerifier}
 * runs with the plugin directory alone. A record is {@code {"schemaVersion":2,"seq":N,"keyId":"K","prevHash":"P",
 * <body members>,"hash":"H"}} and a newline, {@code H = HMAC-SHA256(key, the line without ,"hash":"H" and newline)}; a
 * checkpoint is {@code {"checkpoint":1,"keyId":"K","seq":N,"hash":"H","time":"T","mac":"M"}}, MACed alike. The two
 * start differently, so the MAC of one is never accepted for the other.
 */
final class AuditRecordFormat
{
    static final int SCHEMA_VERSION = 2;
    static final String GENESIS_HASH = "0".repeat(64);
    static final String HASH_FIELD = "hash";
    static final String MAC_FIELD = "mac";
    private static final Set<String> CHAIN_MEMBERS = Set.of("seq", "keyId", "prevHash", "time", HASH_FIELD, MAC_FIELD);

    private static final JsonFactory JSON = JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    private static final Pattern HEX_64 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern KEY_ID = Pattern.compile("[0-9a-f]{16}");

    private AuditRecordFormat() {}

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

    // the chain members of a line that is one JSON object, or null; only these become strings: a query text may be a megabyte
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
        try {
            return text == null ? -1 : Long.parseLong(text);
        }
        catch (NumberFormatException e) {
            return -1;
        }
    }
}
