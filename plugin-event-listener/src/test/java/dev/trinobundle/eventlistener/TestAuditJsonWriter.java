package dev.trinobundle.eventlistener;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hand-written writer must produce JSON that a standard parser reads back to exactly the values written,
 * whatever the input: Jackson is the judge.
 */
final class TestAuditJsonWriter
{
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    void testHostileStringsRoundTrip()
            throws IOException
    {
        List<String> values = new ArrayList<>(List.of(
                "",
                "plain ascii",
                "quote \" backslash \\ slash /",
                "control \u0000 \u0001 \u001f \b \f \n \r \t end",
                "delete \u007f and latin1 é ü ß \u00ff",
                "BMP 中文 \u2028 \u2029 \uffff",
                "astral 😀 𝄞",
                "prepared ? parameters ??",
                "lone high \ud83d at end \ud83d",
                "lone low \ude00 alone",
                "reversed pair \ude00\ud83d",
                "'; DROP TABLE audit; --\"}],{\"user\":\"root\"",
                "x".repeat(100_000)));
        Random random = new Random(42);
        for (int i = 0; i < 2000; i++) {
            char[] chars = new char[random.nextInt(40)];
            for (int j = 0; j < chars.length; j++) {
                // weighted toward the interesting ranges: ASCII controls and specials, surrogates
                chars[j] = switch (random.nextInt(4)) {
                    case 0 -> (char) random.nextInt(0x80);
                    case 1 -> (char) (0xD800 + random.nextInt(0x800));
                    case 2 -> "\"\\?\n\u0000".charAt(random.nextInt(5));
                    default -> (char) random.nextInt(0x10000);
                };
            }
            values.add(new String(chars));
        }

        AuditJsonWriter writer = new AuditJsonWriter(16);
        writer.startArray();
        for (String value : values) {
            writer.value(value);
        }
        writer.endArray();
        JsonNode parsed = MAPPER.readTree(writer.buffer(), writer.bodyStart(), writer.bodyEnd() - writer.bodyStart());

        assertThat(parsed.size()).isEqualTo(values.size());
        for (int i = 0; i < values.size(); i++) {
            assertThat(parsed.get(i).textValue()).as("value %s", i).isEqualTo(values.get(i));
        }
    }

    @Test
    void testOutputIsUtf8WithoutNulBytes()
    {
        // Readers of a preallocated journal segment take a NUL for the end of the data.
        AuditJsonWriter writer = new AuditJsonWriter();
        writer.startObject().name("value").value("nul \u0000 é 😀 \ud83d").endObject();
        for (int i = writer.bodyStart(); i < writer.bodyEnd(); i++) {
            assertThat(writer.buffer()[i]).isNotZero();
        }
        assertThat(new String(writer.toBodyBytes(), java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo("{\"value\":\"nul \\u0000 é 😀 \\ud83d\"}");
    }

    @Test
    void testInstantsAreFormattedAsInstantToString()
            throws IOException
    {
        List<Instant> instants = new ArrayList<>(List.of(
                Instant.EPOCH,
                Instant.parse("2026-01-02T03:04:05Z"),
                Instant.parse("2026-01-02T03:04:05.100Z"),
                Instant.parse("2026-01-02T03:04:05.120300Z"),
                Instant.parse("2026-01-02T03:04:05.123456789Z"),
                Instant.parse("2024-02-29T23:59:59.999Z"),
                Instant.parse("1969-12-31T23:59:59.999999999Z"),
                Instant.parse("0000-01-01T00:00:00Z"),
                Instant.parse("9999-12-31T23:59:59.999999999Z"),
                Instant.parse("+10000-01-01T00:00:00Z"),
                Instant.parse("-0001-12-31T23:59:59Z"),
                Instant.MIN,
                Instant.MAX));
        Random random = new Random(7);
        for (int i = 0; i < 5000; i++) {
            instants.add(Instant.ofEpochSecond(random.nextLong(-62_000_000_000L, 253_000_000_000L), random.nextInt(4) == 0 ? 0 : random.nextInt(1_000_000_000)));
            instants.add(Instant.ofEpochSecond(random.nextLong(-62_000_000_000L, 253_000_000_000L), random.nextInt(1000) * 1_000_000));
        }

        AuditJsonWriter writer = new AuditJsonWriter();
        writer.startArray();
        for (Instant instant : instants) {
            writer.value(instant);
        }
        writer.endArray();
        JsonNode parsed = MAPPER.readTree(writer.toBodyBytes());

        for (int i = 0; i < instants.size(); i++) {
            assertThat(parsed.get(i).textValue()).isEqualTo(instants.get(i).toString());
        }
    }

    @Test
    void testNumbersBooleansNullsAndNesting()
            throws IOException
    {
        long[] numbers = {0, 1, 9, 10, 99, 100, -1, -10, 1_234_567_890_123L, Long.MAX_VALUE, Long.MIN_VALUE, Long.MIN_VALUE + 1};
        AuditJsonWriter writer = new AuditJsonWriter(8);
        writer.startObject();
        writer.name("numbers").startArray();
        for (long number : numbers) {
            writer.value(number);
        }
        writer.endArray();
        writer.name("empty").startObject().endObject();
        writer.name("emptyArray").startArray().endArray();
        writer.name("flags").startArray().value(true).value(false).nullValue().value((String) null).value((Instant) null).endArray();
        writer.name("nested").startObject().name("a").startArray().startObject().name("b").value(1).endObject().startObject().endObject().endArray().name("c").nullValue().endObject();
        writer.endObject();

        assertThat(new String(writer.toBodyBytes(), java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo(
                "{\"numbers\":[0,1,9,10,99,100,-1,-10,1234567890123,9223372036854775807,-9223372036854775808,-9223372036854775807]," +
                        "\"empty\":{},\"emptyArray\":[],\"flags\":[true,false,null,null,null]," +
                        "\"nested\":{\"a\":[{\"b\":1},{}],\"c\":null}}");
        assertThat(MAPPER.readTree(writer.toBodyBytes()).get("numbers").get(10).longValue()).isEqualTo(Long.MIN_VALUE);
    }

    @Test
    void testResetReusesTheBufferAndLeavesRoomForTheHeader()
    {
        AuditJsonWriter writer = new AuditJsonWriter();
        writer.startObject().name("a").value("x".repeat(10_000)).endObject();
        int grown = writer.capacity();
        writer.reset();
        writer.startObject().name("b").value(2).endObject();

        assertThat(writer.capacity()).isEqualTo(grown);
        assertThat(writer.bodyStart()).isEqualTo(AuditJsonWriter.HEADER_RESERVE);
        assertThat(new String(writer.toBodyBytes(), java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("{\"b\":2}");
    }
}
