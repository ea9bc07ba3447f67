package dev.trinobundle.accesscontrol.tool;

import dev.trinobundle.accesscontrol.rules.MatchBudget;
import dev.trinobundle.accesscontrol.rules.MatchBudgetExceededException;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A few strings a rule's regex fully matches, so that a diff without {@code --identities}/{@code --objects} asks about
 * the users and names the rules mention: {@code admin} for {@code admin}, {@code alice} and {@code bob} for
 * {@code alice|bob}, {@code someone@company.com} for {@code .*@company\.com} ({@code filler} stands for {@code .*},
 * {@code .+} and other repeated classes). Every candidate is checked against the regex (with a bounded budget), so a
 * construct it reads wrongly costs an example, never a wrong one; constructs it does not handle (back-references,
 * lookaround, Unicode classes) give no example.
 */
final class Examples
{
    private static final int LIMIT = 16;
    private static final int MAX_REPEAT = 20;

    private final String regex;
    // first pass: a repeated atom is the filler word; second pass (when the first gives nothing): the atom once
    private final String filler;
    private int position;

    private Examples(String regex, String filler)
    {
        this.regex = regex;
        this.filler = filler;
    }

    private static final class Unsupported
            extends RuntimeException
    {
        Unsupported()
        {
            super(null, null, false, false);
        }
    }

    static List<String> of(String regex, String filler)
    {
        Pattern pattern;
        try {
            pattern = Pattern.compile(regex);
        }
        catch (PatternSyntaxException e) {
            return List.of();
        }
        List<String> matching = matching(pattern, new Examples(regex, filler).candidates());
        return matching.isEmpty() ? matching(pattern, new Examples(regex, null).candidates()) : matching;
    }

    private List<String> candidates()
    {
        try {
            List<String> candidates = alternation();
            return position == regex.length() ? candidates : List.of();
        }
        catch (Unsupported | StringIndexOutOfBoundsException e) {
            return List.of();
        }
    }

    private static List<String> matching(Pattern pattern, List<String> candidates)
    {
        Set<String> matching = new LinkedHashSet<>();
        for (String candidate : candidates) {
            try {
                if (MatchBudget.forDecision().matches(pattern, candidate)) {
                    matching.add(candidate);
                }
            }
            catch (MatchBudgetExceededException e) {
                // a candidate this regex is slow on is no example
            }
        }
        return List.copyOf(matching);
    }

    private List<String> alternation()
    {
        List<String> result = new ArrayList<>(sequence());
        while (position < regex.length() && regex.charAt(position) == '|') {
            position++;
            result.addAll(sequence());
        }
        return limit(result);
    }

    private List<String> sequence()
    {
        List<String> result = List.of("");
        while (position < regex.length() && regex.charAt(position) != '|' && regex.charAt(position) != ')') {
            List<String> atom = atom();
            result = product(result, quantified(atom));
        }
        return result;
    }

    private List<String> quantified(List<String> atom)
    {
        if (position >= regex.length()) {
            return atom;
        }
        char c = regex.charAt(position);
        List<String> result;
        if (c == '*' || c == '+') {
            position++;
            result = filler != null ? List.of(filler) : c == '*' ? List.of("") : atom;
        }
        else if (c == '?') {
            position++;
            result = filler != null ? List.of("") : atom;
        }
        else if (c == '{') {
            int end = regex.indexOf('}', position);
            if (end < 0) {
                throw new Unsupported();
            }
            String[] bounds = regex.substring(position + 1, end).split(",", -1);
            position = end + 1;
            int times;
            try {
                times = Integer.parseInt(bounds[0].trim());
            }
            catch (NumberFormatException e) {
                throw new Unsupported();
            }
            result = new ArrayList<>();
            for (String example : atom) {
                result.add(example.repeat(Math.min(times, MAX_REPEAT)));
            }
        }
        else {
            return atom;
        }
        // lazy and possessive forms match the same strings
        if (position < regex.length() && (regex.charAt(position) == '?' || regex.charAt(position) == '+')) {
            position++;
        }
        return limit(result);
    }

    private List<String> atom()
    {
        char c = regex.charAt(position++);
        return switch (c) {
            case '(' -> group();
            case '[' -> characterClass();
            case '.' -> List.of("x");
            case '^', '$' -> List.of("");
            case '\\' -> escape();
            case '*', '+', '?', '{' -> throw new Unsupported();
            default -> List.of(String.valueOf(c));
        };
    }

    private List<String> group()
    {
        if (regex.startsWith("?", position)) {
            if (regex.startsWith("?:", position) || regex.startsWith("?>", position)) {
                position += 2;
            }
            else if (regex.startsWith("?<", position) && position + 2 < regex.length() && Character.isLetter(regex.charAt(position + 2))) {
                position = regex.indexOf('>', position) + 1;
            }
            else {
                // inline flags: (?i) applies to what follows, (?i:X) is a group; lookaround is not handled
                int end = position + 1;
                while (end < regex.length() && (Character.isLetter(regex.charAt(end)) || regex.charAt(end) == '-')) {
                    end++;
                }
                if (end >= regex.length() || end == position + 1 && regex.charAt(end) != ':') {
                    throw new Unsupported();
                }
                position = end + 1;
                if (regex.charAt(end) == ')') {
                    return List.of("");
                }
                if (regex.charAt(end) != ':') {
                    throw new Unsupported();
                }
            }
        }
        List<String> inner = alternation();
        if (position >= regex.length() || regex.charAt(position) != ')') {
            throw new Unsupported();
        }
        position++;
        return inner;
    }

    private List<String> characterClass()
    {
        boolean negated = regex.charAt(position) == '^';
        if (negated) {
            position++;
        }
        String first = null;
        boolean start = true;
        while (regex.charAt(position) != ']' || start) {
            char c = regex.charAt(position++);
            start = false;
            if (c == '[' || c == '&') {
                throw new Unsupported();
            }
            if (c == '\\') {
                char escaped = regex.charAt(position++);
                if (Character.isLetterOrDigit(escaped)) {
                    List<String> shorthand = shorthand(escaped);
                    first = first == null ? shorthand.getFirst() : first;
                    continue;
                }
                c = escaped;
            }
            if (first == null) {
                first = String.valueOf(c);
            }
        }
        position++;
        // the verification drops the candidates the class does not take
        return negated ? List.of(filler == null ? "_" : "x") : List.of(first == null ? "x" : first);
    }

    private List<String> escape()
    {
        char c = regex.charAt(position++);
        if (c == 'Q') {
            int end = regex.indexOf("\\E", position);
            String literal = end < 0 ? regex.substring(position) : regex.substring(position, end);
            position = end < 0 ? regex.length() : end + 2;
            return List.of(literal);
        }
        if (Character.isLetterOrDigit(c)) {
            return shorthand(c);
        }
        return List.of(String.valueOf(c));
    }

    private static List<String> shorthand(char c)
    {
        return switch (c) {
            case 'd' -> List.of("0");
            case 'w' -> List.of("a");
            case 's' -> List.of(" ");
            case 'D', 'S' -> List.of("x");
            case 'W' -> List.of("-");
            case 't' -> List.of("\t");
            case 'b', 'B', 'A', 'z', 'Z', 'G' -> List.of("");
            // back-references, Unicode classes, hexadecimal and octal escapes: not handled
            default -> throw new Unsupported();
        };
    }

    private static List<String> product(List<String> prefixes, List<String> suffixes)
    {
        List<String> result = new ArrayList<>();
        for (String prefix : prefixes) {
            for (String suffix : suffixes) {
                result.add(prefix + suffix);
            }
        }
        return limit(result);
    }

    private static List<String> limit(List<String> values)
    {
        List<String> distinct = List.copyOf(new LinkedHashSet<>(values));
        return distinct.size() <= LIMIT ? distinct : distinct.subList(0, LIMIT);
    }
}
