package dev.trinobundle.accesscontrol.tool;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;

/**
 * Finds the shapes that make java.util.regex backtrack for a long time on a long value, without running the regex:
 * a linear scan of the pattern text into a small tree of items with approximate character sets.
 * <ul>
 * <li><b>nested</b> unbounded quantifiers ({@code (a+)+}, {@code (\w*\s?)*}) and alternatives that can start with the
 * same character under an unbounded quantifier ({@code (a|ab)*}): exponential;</li>
 * <li><b>adjacent</b> unbounded quantifiers over the same characters, separated only by characters the first can take
 * ({@code .*\..*}, {@code \d+\d+x}): polynomial, each pair multiplies the work by the value's length. A final
 * {@code .*} is exempt: it always completes the match.</li>
 * </ul>
 * Possessive quantifiers and atomic groups never backtrack and are exempt. Character sets are approximated (ASCII exactly,
 * every other character as one bucket) and constructs it does not read (back-references, lookaround, Unicode
 * classes) end the analysis of that regex without a finding: a heuristic that errs towards silence. The plugin bounds
 * the cost of every match anyway; this says which rules would hit the bound (and deny) on long values.
 */
final class RegexLint
{
    // quantifiers bounded by more than this are as slow as unbounded ones on the names the rules see
    private static final int LARGE = 100;
    private static final int MAX_DEPTH = 100;

    /** A finding: what is wrong, where in the regex (index into its text), and how to fix it. */
    record Finding(int index, String problem) {}

    private record CharSet(BitSet ascii, boolean other)
    {
        static CharSet of(char c)
        {
            BitSet bits = new BitSet(128);
            if (c < 128) {
                bits.set(c);
            }
            return new CharSet(bits, c >= 128);
        }

        static CharSet range(int from, int to)
        {
            BitSet bits = new BitSet(128);
            bits.set(Math.max(0, from), Math.min(128, to + 1));
            return new CharSet(bits, to >= 128);
        }

        /** What {@code .} matches: everything but line terminators. */
        static CharSet any()
        {
            BitSet bits = new BitSet(128);
            bits.set(0, 128);
            bits.clear('\n');
            bits.clear('\r');
            return new CharSet(bits, true);
        }

        CharSet union(CharSet other)
        {
            BitSet bits = (BitSet) ascii.clone();
            bits.or(other.ascii);
            return new CharSet(bits, this.other || other.other);
        }

        CharSet negated()
        {
            BitSet bits = (BitSet) ascii.clone();
            bits.flip(0, 128);
            return new CharSet(bits, !other);
        }

        boolean overlaps(CharSet that)
        {
            return ascii.intersects(that.ascii) || other && that.other;
        }

        boolean within(CharSet that)
        {
            BitSet rest = (BitSet) ascii.clone();
            rest.andNot(that.ascii);
            return rest.isEmpty() && (!other || that.other);
        }

        boolean isAny()
        {
            return within(any()) && any().within(this);
        }
    }

    /** An atom with its quantifier; a group has alternatives, other atoms a character set (null: zero-width). */
    private record Item(int index, int end, CharSet chars, List<List<Item>> alternatives, int min, int max, boolean possessive, boolean atomic)
    {
        boolean unbounded()
        {
            return (max < 0 || max > LARGE) && !possessive;
        }

        boolean isGroup()
        {
            return alternatives != null;
        }
    }

    private static final class Unsupported
            extends RuntimeException
    {
        Unsupported()
        {
            super(null, null, false, false);
        }
    }

    private final String regex;
    private int position;
    private int depth;
    private boolean caseInsensitive;

    private RegexLint(String regex)
    {
        this.regex = regex;
    }

    /** The first finding in {@code regex}, if any. */
    static Optional<Finding> check(String regex)
    {
        List<List<Item>> pattern;
        RegexLint parser = new RegexLint(regex);
        try {
            pattern = parser.alternatives();
            if (parser.position != regex.length()) {
                return Optional.empty();
            }
        }
        catch (Unsupported | StringIndexOutOfBoundsException e) {
            return Optional.empty();
        }
        for (List<Item> sequence : pattern) {
            Optional<Finding> finding = findings(regex, sequence, true);
            if (finding.isPresent()) {
                return finding;
            }
        }
        return Optional.empty();
    }

    private static Optional<Finding> findings(String regex, List<Item> sequence, boolean topLevel)
    {
        List<Item> flat = flatten(sequence);
        for (Item item : flat) {
            if (item.isGroup() && item.unbounded() && !item.atomic()) {
                for (List<Item> alternative : item.alternatives()) {
                    for (Item inner : flatten(alternative)) {
                        if (inner.unbounded() || inner.isGroup() && containsUnbounded(inner)) {
                            return Optional.of(new Finding(item.index(), "the quantified group '" + regex.substring(item.index(), item.end())
                                    + "' holds another unbounded quantifier: a value that almost matches is tried in exponentially many ways; "
                                    + "remove the inner or the outer quantifier, or make it possessive ('++', '*+')"));
                        }
                    }
                }
                if (alternativesOverlap(item.alternatives())) {
                    return Optional.of(new Finding(item.index(), "the alternatives of the quantified group '" + regex.substring(item.index(), item.end())
                            + "' can start with the same character: a value that almost matches is tried in exponentially many ways; "
                            + "make the alternatives start differently or the group possessive"));
                }
            }
            if (item.isGroup()) {
                for (List<Item> alternative : item.alternatives()) {
                    Optional<Finding> inner = findings(regex, alternative, false);
                    if (inner.isPresent()) {
                        return inner;
                    }
                }
            }
        }
        for (int p = 0; p < flat.size(); p++) {
            Item first = flat.get(p);
            if (first.isGroup() || first.chars() == null || !first.unbounded()) {
                continue;
            }
            for (int q = p + 1; q < flat.size(); q++) {
                Item next = flat.get(q);
                if (next.isGroup() || next.chars() == null) {
                    break;
                }
                if (next.unbounded() && first.chars().overlaps(next.chars())) {
                    boolean finalAny = topLevel && q == flat.size() - 1 && next.chars().isAny();
                    if (finalAny) {
                        break;
                    }
                    String a = regex.substring(first.index(), first.end());
                    String b = regex.substring(next.index(), next.end());
                    return Optional.of(new Finding(first.index(), "'" + a + "' and the later '" + b + "' can take the same characters with only what '" + a
                            + "' also takes between them: on a long value that does not match, every way to split it between them is tried "
                            + "(polynomial backtracking); use a class that excludes what follows, e.g. '[^.]*' instead of '.*' before '\\.', or a possessive quantifier"));
                }
                if (!next.chars().within(first.chars())) {
                    break;
                }
            }
        }
        return Optional.empty();
    }

    /** Unquantified single-alternative groups are part of the sequence around them. */
    private static List<Item> flatten(List<Item> sequence)
    {
        List<Item> flat = new ArrayList<>();
        for (Item item : sequence) {
            if (item.isGroup() && item.alternatives().size() == 1 && item.min() == 1 && item.max() == 1 && !item.atomic()) {
                flat.addAll(flatten(item.alternatives().getFirst()));
            }
            else {
                flat.add(item);
            }
        }
        return flat;
    }

    private static boolean containsUnbounded(Item group)
    {
        for (List<Item> alternative : group.alternatives()) {
            for (Item item : alternative) {
                if (item.unbounded() || item.isGroup() && containsUnbounded(item)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean alternativesOverlap(List<List<Item>> alternatives)
    {
        List<CharSet> firsts = new ArrayList<>();
        for (List<Item> alternative : alternatives) {
            List<Item> flat = flatten(alternative);
            if (flat.isEmpty() || flat.getFirst().isGroup() || flat.getFirst().chars() == null) {
                // empty or starting with a group: not analysed
                continue;
            }
            CharSet first = flat.getFirst().chars();
            for (CharSet earlier : firsts) {
                if (earlier.overlaps(first)) {
                    return true;
                }
            }
            firsts.add(first);
        }
        return false;
    }

    // ---- parsing: a subset of java.util.regex syntax

    private List<List<Item>> alternatives()
    {
        if (++depth > MAX_DEPTH) {
            throw new Unsupported();
        }
        List<List<Item>> alternatives = new ArrayList<>();
        alternatives.add(sequence());
        while (position < regex.length() && regex.charAt(position) == '|') {
            position++;
            alternatives.add(sequence());
        }
        depth--;
        return alternatives;
    }

    private List<Item> sequence()
    {
        List<Item> items = new ArrayList<>();
        while (position < regex.length() && regex.charAt(position) != '|' && regex.charAt(position) != ')') {
            int start = position;
            char c = regex.charAt(position++);
            CharSet chars = null;
            List<List<Item>> group = null;
            boolean atomic = false;
            switch (c) {
                case '(' -> {
                    if (regex.startsWith("?", position)) {
                        if (regex.startsWith("?:", position)) {
                            position += 2;
                        }
                        else if (regex.startsWith("?>", position)) {
                            position += 2;
                            atomic = true;
                        }
                        else if (regex.startsWith("?<", position) && Character.isLetter(regex.charAt(position + 2))) {
                            position = regex.indexOf('>', position) + 1;
                        }
                        else if (regex.startsWith("?i)", position)) {
                            position += 3;
                            caseInsensitive = true;
                            continue;
                        }
                        else {
                            throw new Unsupported();
                        }
                    }
                    group = alternatives();
                    if (regex.charAt(position++) != ')') {
                        throw new Unsupported();
                    }
                }
                case '[' -> chars = characterClass();
                case '.' -> chars = CharSet.any();
                case '^', '$' -> chars = null;
                case '\\' -> chars = escape();
                case '*', '+', '?', '{', ')' -> throw new Unsupported();
                default -> chars = literal(c);
            }
            int min = 1;
            int max = 1;
            boolean possessive = false;
            if (position < regex.length()) {
                char q = regex.charAt(position);
                if (q == '*' || q == '+' || q == '?') {
                    position++;
                    min = q == '+' ? 1 : 0;
                    max = q == '?' ? 1 : -1;
                }
                else if (q == '{') {
                    int end = regex.indexOf('}', position);
                    String[] bounds = regex.substring(position + 1, end).split(",", -1);
                    position = end + 1;
                    try {
                        min = Integer.parseInt(bounds[0].trim());
                        max = bounds.length == 1 ? min : bounds[1].isBlank() ? -1 : Integer.parseInt(bounds[1].trim());
                    }
                    catch (NumberFormatException e) {
                        throw new Unsupported();
                    }
                }
                if (position < regex.length() && (min != 1 || max != 1)) {
                    if (regex.charAt(position) == '+') {
                        possessive = true;
                        position++;
                    }
                    else if (regex.charAt(position) == '?') {
                        position++;
                    }
                }
            }
            if (group == null && chars == null && (min != 1 || max != 1)) {
                throw new Unsupported();
            }
            items.add(new Item(start, position, chars, group, min, max, possessive, atomic));
        }
        return items;
    }

    private CharSet literal(char c)
    {
        CharSet chars = CharSet.of(c);
        if (caseInsensitive && Character.isLetter(c)) {
            chars = chars.union(CharSet.of(Character.toUpperCase(c))).union(CharSet.of(Character.toLowerCase(c)));
        }
        return chars;
    }

    private CharSet escape()
    {
        char c = regex.charAt(position++);
        return switch (c) {
            case 'd' -> CharSet.range('0', '9');
            case 'D' -> CharSet.range('0', '9').negated();
            case 'w' -> CharSet.range('a', 'z').union(CharSet.range('A', 'Z')).union(CharSet.range('0', '9')).union(CharSet.of('_'));
            case 'W' -> CharSet.range('a', 'z').union(CharSet.range('A', 'Z')).union(CharSet.range('0', '9')).union(CharSet.of('_')).negated();
            case 's' -> whitespace();
            case 'S' -> whitespace().negated();
            case 't' -> CharSet.of('\t');
            case 'n' -> CharSet.of('\n');
            default -> {
                if (Character.isLetterOrDigit(c)) {
                    // back-references, \p{...}, \Q...\E, anchors like \b: not analysed
                    throw new Unsupported();
                }
                yield literal(c);
            }
        };
    }

    private static CharSet whitespace()
    {
        return CharSet.of(' ').union(CharSet.range('\t', '\r'));
    }

    private CharSet characterClass()
    {
        boolean negated = regex.charAt(position) == '^';
        if (negated) {
            position++;
        }
        CharSet chars = new CharSet(new BitSet(128), false);
        boolean first = true;
        while (regex.charAt(position) != ']' || first) {
            first = false;
            char c = regex.charAt(position++);
            CharSet single;
            if (c == '[' || c == '&') {
                throw new Unsupported();
            }
            if (c == '\\') {
                single = escape();
            }
            else if (position + 1 < regex.length() && regex.charAt(position) == '-' && regex.charAt(position + 1) != ']') {
                char to = regex.charAt(position + 1);
                if (to == '\\' || to == '[') {
                    throw new Unsupported();
                }
                position += 2;
                single = CharSet.range(c, to);
                if (caseInsensitive) {
                    single = single.union(CharSet.range(Character.toUpperCase(c), Character.toUpperCase(to))).union(CharSet.range(Character.toLowerCase(c), Character.toLowerCase(to)));
                }
            }
            else {
                single = literal(c);
            }
            chars = chars.union(single);
        }
        position++;
        return negated ? chars.negated() : chars;
    }
}
