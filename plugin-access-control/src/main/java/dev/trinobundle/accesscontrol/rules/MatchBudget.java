package dev.trinobundle.accesscontrol.rules;

import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The regex cost of one decision: every full match a decision makes against values a client controls (the session
 * user, object names), including the identity's rules it evaluates on first use, draws from one budget, with
 * java.util.regex semantics.
 * <p>
 * java.util.regex backtracks: {@code .*\..*\..*@example\.com} against a 3,000-character user takes billions of steps
 * (33 s in a real Trino). Every step of its engine reads the input through {@link CharSequence#charAt}, so the input is
 * handed over behind a {@link CharSequence} that counts reads against this budget and throws
 * {@link MatchBudgetExceededException} once {@link #MAX_STEPS} are used: the regex semantics stay exactly Trino's (a
 * linear-time engine such as RE2/J rejects back-references and possessive or lookaround constructs that Trino's rules
 * may use), and one decision costs at most the budget however many rules it reads. Not thread-safe: one per decision.
 */
public final class MatchBudget
{
    /**
     * Input reads allowed per decision: a few milliseconds of backtracking; a linear pattern reads each character once
     * or twice, so an ordinary identity over hundreds of rules uses a few percent of it.
     */
    public static final int MAX_STEPS = 1_000_000;

    private int remaining;

    private MatchBudget(int steps)
    {
        this.remaining = steps;
    }

    /** A fresh budget for one decision (or one element of a filter). */
    public static MatchBudget forDecision()
    {
        return new MatchBudget(MAX_STEPS);
    }

    /** True when {@code pattern} is null (no condition) or fully matches {@code value}. */
    public boolean matches(Pattern pattern, String value)
    {
        return pattern == null || fullMatch(pattern, value).isPresent();
    }

    /** True when {@code pattern} is null or fully matches any of {@code values} (enabled roles, groups). */
    public boolean anyMatches(Pattern pattern, Set<String> values)
    {
        if (pattern == null) {
            return true;
        }
        for (String value : values) {
            if (matches(pattern, value)) {
                return true;
            }
        }
        return false;
    }

    /** The matcher of a full match of {@code value} (for its capturing groups), or empty when it does not match. */
    public Optional<Matcher> fullMatch(Pattern pattern, String value)
    {
        Matcher matcher = pattern.matcher(new CountingSequence(pattern, value));
        return guarded(pattern, value, () -> matcher.matches()) ? Optional.of(matcher) : Optional.empty();
    }

    /** {@link Matcher#replaceAll(String)} of a matcher from {@link #fullMatch} of {@code value}: it matches again, from this budget. */
    public String replaceAll(Matcher matcher, String value, String replacement)
    {
        return guarded(matcher.pattern(), value, () -> matcher.replaceAll(replacement));
    }

    /**
     * java.util.regex recurses once per repetition of a group with alternatives ({@code (a|b)*}): a few thousand
     * characters of client input overflow the deciding thread's stack. That is a match that gave up, denied like one,
     * not an error that fails a whole listing or reaches Trino as a server error.
     */
    private static <T> T guarded(Pattern pattern, String value, Supplier<T> match)
    {
        try {
            return match.get();
        }
        catch (StackOverflowError e) {
            throw new MatchBudgetExceededException(pattern, value.length(), "overflowed the stack");
        }
    }

    private final class CountingSequence
            implements CharSequence
    {
        private final Pattern pattern;
        private final String value;

        CountingSequence(Pattern pattern, String value)
        {
            this.pattern = pattern;
            this.value = value;
        }

        @Override
        public char charAt(int index)
        {
            if (--remaining < 0) {
                throw new MatchBudgetExceededException(pattern, value.length(), "took more than %s steps".formatted(MAX_STEPS));
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
