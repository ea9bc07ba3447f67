package dev.trinobundle.accesscontrol.rules;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import com.google.common.collect.ImmutableList;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import static java.util.Objects.requireNonNull;

/**
 * The {@code new_user} regex of an impersonation rule, with {@code $n} and {@code ${name}} references to the groups
 * captured by {@code original_user}.
 * <p>
 * Unlike Trino 476 (which runs the pattern text through {@code Matcher.appendReplacement} and compiles the result
 * on every check) the captured text is inserted quoted, so {@code john.doe} only ever means {@code john.doe};
 * every other character keeps its regex meaning ({@code \d} stays {@code \d}, a {@code $} that is not followed by a
 * digit or {@code {} is the end anchor); group references are validated when the file is loaded; patterns without
 * references are compiled once and the others are cached per captured values.
 */
public final class NewUserTemplate
{
    private static final int CACHE_SIZE = 1024;

    private final String text;
    // String: regex text used verbatim; Integer: group number; GroupName: named group
    private final List<Object> parts;
    private final Pattern constantPattern;
    private final Cache<List<String>, Pattern> resolvedPatterns;

    private record GroupName(String name) {}

    private NewUserTemplate(String text, List<Object> parts)
    {
        this.text = text;
        this.parts = ImmutableList.copyOf(parts);
        boolean hasReferences = parts.stream().anyMatch(part -> !(part instanceof String));
        this.constantPattern = hasReferences ? null : Pattern.compile(text);
        this.resolvedPatterns = hasReferences ? CacheBuilder.newBuilder().maximumSize(CACHE_SIZE).build() : null;
    }

    /**
     * Parses and validates {@code text}; {@code originalUser} is null when the rule has no {@code original_user}.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static NewUserTemplate parse(String text, Pattern originalUser)
    {
        requireNonNull(text, "text is null");
        List<Object> parts = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        int groupCount = originalUser == null ? 0 : originalUser.matcher("").groupCount();
        Map<String, Integer> namedGroups = originalUser == null ? Map.of() : originalUser.namedGroups();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '\\' && i + 1 < text.length()) {
                // a regex escape, kept as it is (\$ stays a literal dollar sign)
                literal.append(c).append(text.charAt(i + 1));
                i += 2;
                continue;
            }
            if (c == '$' && i + 1 < text.length() && isDigit(text.charAt(i + 1))) {
                int number = text.charAt(i + 1) - '0';
                i += 2;
                // like Matcher.appendReplacement: take further digits while the number stays a valid group
                while (i < text.length() && isDigit(text.charAt(i)) && number * 10 + (text.charAt(i) - '0') <= groupCount) {
                    number = number * 10 + (text.charAt(i) - '0');
                    i++;
                }
                if (originalUser == null) {
                    throw new IllegalArgumentException("new_user refers to group $" + number + " but the rule has no original_user to capture it");
                }
                if (number > groupCount) {
                    throw new IllegalArgumentException("new_user refers to group $" + number + " but original_user '" + originalUser.pattern() + "' has " + groupCount + " capturing group(s)");
                }
                flush(literal, parts);
                parts.add(number);
                continue;
            }
            if (c == '$' && i + 1 < text.length() && text.charAt(i + 1) == '{') {
                int end = text.indexOf('}', i + 2);
                if (end < 0) {
                    throw new IllegalArgumentException("new_user has an unterminated group reference '${' at character " + (i + 1));
                }
                String name = text.substring(i + 2, end);
                if (originalUser == null) {
                    throw new IllegalArgumentException("new_user refers to group ${" + name + "} but the rule has no original_user to capture it");
                }
                if (!namedGroups.containsKey(name)) {
                    throw new IllegalArgumentException("new_user refers to group ${" + name + "} but original_user '" + originalUser.pattern() + "' has no group named '" + name + "'");
                }
                flush(literal, parts);
                parts.add(new GroupName(name));
                i = end + 1;
                continue;
            }
            literal.append(c);
            i++;
        }
        flush(literal, parts);

        // validate the regex around the references now, not at check time
        StringBuilder probe = new StringBuilder();
        for (Object part : parts) {
            probe.append(part instanceof String regex ? regex : Pattern.quote("x"));
        }
        try {
            Pattern.compile(probe.toString());
        }
        catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("new_user is not a valid regular expression: " + e.getDescription() + " in '" + text + "'");
        }
        return new NewUserTemplate(text, parts);
    }

    private static boolean isDigit(char c)
    {
        return c >= '0' && c <= '9';
    }

    private static void flush(StringBuilder literal, List<Object> parts)
    {
        if (!literal.isEmpty()) {
            parts.add(literal.toString());
            literal.setLength(0);
        }
    }

    public String text()
    {
        return text;
    }

    public boolean hasReferences()
    {
        return constantPattern == null;
    }

    /** The pattern for this check; {@code originalUserMatch} is the successful full match of original_user, or null. */
    public Pattern resolve(Matcher originalUserMatch)
    {
        if (constantPattern != null) {
            return constantPattern;
        }
        List<String> captured = new ArrayList<>(parts.size());
        for (Object part : parts) {
            if (part instanceof Integer number) {
                captured.add(nullToEmpty(originalUserMatch.group(number)));
            }
            else if (part instanceof GroupName(String name)) {
                captured.add(nullToEmpty(originalUserMatch.group(name)));
            }
        }
        try {
            return resolvedPatterns.get(captured, () -> compile(captured));
        }
        catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    private Pattern compile(List<String> captured)
    {
        StringBuilder regex = new StringBuilder();
        int next = 0;
        for (Object part : parts) {
            if (part instanceof String literal) {
                regex.append(literal);
            }
            else {
                regex.append(Pattern.quote(captured.get(next++)));
            }
        }
        return Pattern.compile(regex.toString());
    }

    private static String nullToEmpty(String value)
    {
        return value == null ? "" : value;
    }

    @Override
    public String toString()
    {
        return text;
    }
}
