package dev.trinobundle.eventlistener;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

final class TestJournalSegmentScanner
{
    @Test
    void testIndexOfNewlineOrNulMatchesAPlainSearch()
    {
        // the word-at-a-time search against the obvious loop, on UTF-8-like bytes (many >= 0x80) with rare line ends
        Random random = new Random(3);
        for (int round = 0; round < 20_000; round++) {
            byte[] bytes = new byte[random.nextInt(80)];
            for (int i = 0; i < bytes.length; i++) {
                int kind = random.nextInt(100);
                bytes[i] = (byte) (kind == 0 ? '\n' : kind == 1 ? 0 : kind < 50 ? 0x80 + random.nextInt(0x80) : 0x20 + random.nextInt(0x60));
            }
            int from = bytes.length == 0 ? 0 : random.nextInt(bytes.length);
            int to = from + random.nextInt(bytes.length - from + 1);

            int expected = to;
            for (int i = from; i < to; i++) {
                if (bytes[i] == '\n' || bytes[i] == 0) {
                    expected = i;
                    break;
                }
            }
            assertThat(JournalSegmentScanner.indexOfNewlineOrNul(bytes, from, to)).as("round %s", round).isEqualTo(expected);
        }
    }
}
