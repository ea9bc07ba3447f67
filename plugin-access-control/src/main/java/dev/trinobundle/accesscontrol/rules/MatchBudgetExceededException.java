package dev.trinobundle.accesscontrol.rules;

import java.util.regex.Pattern;

/**
 * The regex matches of one decision gave up after {@link MatchBudget#MAX_STEPS} steps, or overflowed the stack: the caller cannot know whether the rule applies,
 * so the check is denied (never skipped to the next rule, which could allow). The message names the regex and the
 * length of the value, never the value itself (it is client input and may be huge).
 */
public final class MatchBudgetExceededException
        extends RuntimeException
{
    private static final int MAX_PATTERN_CHARS = 100;

    MatchBudgetExceededException(Pattern pattern, int valueLength, String what)
    {
        super("matching the regex '%s' against a %s-character value %s; denied (shorten the value or simplify the regex)"
                .formatted(abbreviate(pattern.pattern()), valueLength, what), null, false, false);
    }

    private static String abbreviate(String text)
    {
        return text.length() <= MAX_PATTERN_CHARS ? text : text.substring(0, MAX_PATTERN_CHARS) + "...";
    }
}
