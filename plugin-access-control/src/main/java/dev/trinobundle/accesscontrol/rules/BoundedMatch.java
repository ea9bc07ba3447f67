package dev.trinobundle.accesscontrol.rules;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Full regex matches against values a client controls (the session user, object names), with java.util.regex
 * semantics and a bounded cost.
 * <p>
 * java.util.regex backtracks: {@code .*\..*\..*@example\.com} against a 3,000-character user takes billions of steps
 * (33 s in a real Trino). Every step of its engine reads the input through {@link CharSequence#charAt}, so the input is
 * handed over behind a {@link CharSequence} that counts reads and throws {@link MatchBudgetExceededException} after
 * {@link #MAX_STEPS}: the regex semantics stay exactly Trino's (a linear-time engine such as RE2/J would change them,
 * and is not on the class path), the cost of one match is bounded, and the caller denies.
 */
public final class BoundedMatch
{
    /**
     * Input reads allowed per match: a few milliseconds of backtracking; a linear pattern reads each character once
     * or twice, so only values of hundreds of thousands of characters or super-linear patterns ever reach it.
     */
    public static final int MAX_STEPS = 1_000_000;

    private BoundedMatch() {}

    /** True when {@code pattern} is null (no condition) or fully matches {@code value}. */
    public static boolean matches(Pattern pattern, String value)
    {
        return pattern == null || pattern.matcher(new CountingSequence(pattern, value)).matches();
    }

    /** A matcher whose operations together read the input at most {@link #MAX_STEPS} times (for capturing groups). */
    public static Matcher matcher(Pattern pattern, String value)
    {
        return pattern.matcher(new CountingSequence(pattern, value));
    }

    private static final class CountingSequence
            implements CharSequence
    {
        private final Pattern pattern;
        private final String value;
        private int remaining = MAX_STEPS;

        CountingSequence(Pattern pattern, String value)
        {
            this.pattern = pattern;
            this.value = value;
        }

        @Override
        public char charAt(int index)
        {
            if (--remaining < 0) {
                throw new MatchBudgetExceededException(pattern, value.length());
            }
            return value.charAt(index);
        }

        @Override
        public int length()
        {
            return value.length();
        }

        @Override
        public CharSequence subSequence(int start, int end)
        {
            // group() and replaceAll() copy matched text out: a String, not counted
            return value.substring(start, end);
        }

        @Override
        public String toString()
        {
            return value;
        }
    }
}
