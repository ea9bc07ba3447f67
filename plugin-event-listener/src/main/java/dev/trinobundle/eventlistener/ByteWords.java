package dev.trinobundle.eventlistener;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Word-at-a-time byte tests ("SWAR"): the JSON writer and the journal readers look for a few byte values in
 * kilobyte-long records, 8 bytes per step instead of one.
 */
final class ByteWords
{
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGH_BITS = 0x8080808080808080L;

    private ByteWords() {}

    /**
     * The 8 bytes at {@code index}, which must leave 8 bytes in the array.
     */
    static long word(byte[] bytes, int index)
    {
        return (long) LONGS.get(bytes, index);
    }

    /**
     * Whether one of the 8 bytes equals {@code value} (exact, no false positives).
     */
    static boolean hasByte(long word, int value)
    {
        long x = word ^ (ONES * (value & 0xFF));
        return ((x - ONES) & ~x & HIGH_BITS) != 0;
    }

    /**
     * Whether one of the 8 bytes, as an unsigned value, is below {@code bound} (at most 128; exact).
     */
    static boolean hasByteBelow(long word, int bound)
    {
        return ((word - ONES * bound) & ~word & HIGH_BITS) != 0;
    }
}
