package dev.trinobundle.accesscontrol.tool;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;

/**
 * Finds the shapes that make java.util.regex (the engine Trino and this plugin match with) backtrack for a long time on
 * a long value, without running the regex: one pass over the pattern text into a small tree of items with approximate
 * character sets.
 * <ul>
 * <li><b>adjacent</b> unbounded quantifiers over the same characters, separated only by characters the first can take
 * ({@code .*\..*\..*@x}, {@code \d+\d+x}), also inside a repeated group ({@code (x+x+)+y}): every way to split a
 * value between them is tried, polynomial in its length (exponential inside a repeated group). A final {@code .*} is
 * exempt: it completes the match on any value without line breaks (which only quoted identifiers can have).</li>
 * <li><b>nested</b> unbounded quantifiers ({@code (a+)+b}, {@code (\w+\s?)*x}): quadratic in the value's length
 * (since JDK 9 the engine remembers where a greedy unbounded group failed), exponential when the outer quantifier is lazy
 * or bounded ({@code (a+){1,100}b}), the group is inside another repeated group ({@code ((a+)+)+b}) or the pattern has
 * back-references; there, also alternatives that can start alike ({@code (a|aa){1,100}b});</li>
 * <li><b>recursion</b>: a repeated group with alternatives ({@code (a|b)*}) makes the engine recurse once per repetition,
 * and a few thousand characters overflow the thread's stack.</li>
 * </ul>
 * Possessive quantifiers and atomic groups never backtrack and are exempt. Character sets are approximated (ASCII exactly,
 * every other character as one bucket) and constructs it does not read (lookaround, Unicode classes, {@code \Q...\E})
 * end the analysis of that regex without a finding: a heuristic that errs towards silence. The plugin bounds the cost
 * of every match anyway; this says which rules would hit the bound (and deny) on long values.
 */
final class RegexLint
{
    // side by side, quantifiers bounded by more than this are as slow as unbounded ones on the names the rules see
    private static final int LARGE = 100;
    // nested, the bounds multiply: (a{1,50}){1,50} is as slow as (a+)+ without the engine's memory
    private static final int NESTED_LARGE = 10;
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
    private record Item(int index, int end, CharSet chars, List<List<Item>> alternatives, int min, int max, boolean possessive, boolean lazy, boolean atomic)
    {
        boolean unbounded()
        {
            return (max < 0 || max > LARGE) && !possessive;
        }

        boolean repeats()
        {
            return (max < 0 || max > NESTED_LARGE) && !possessive;
        }

        /** The engine remembers where a greedy unbounded group failed (JDK 9+), which keeps a nested quantifier linear. */
        boolean memoized(boolean backReferences)
        {
            return max < 0 && !lazy && !backReferences;
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
    private boolean backReferences;

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
            Optional<Finding> finding = findings(regex, sequence, true, parser.backReferences, false);
            if (finding.isPresent()) {
                return finding;
            }
        }
        return Optional.empty();
    }

    /** {@code repeated}: the sequence is inside a repeated group, where an ambiguity is paid again for every repetition. */
    private static Optional<Finding> findings(String regex, List<Item> sequence, boolean topLevel, boolean backReferences, boolean repeated)
    {
        List<Item> flat = flatten(sequence);
        for (Item item : flat) {
            if (item.isGroup() && item.repeats() && !item.atomic()) {
                // the engine remembers where a greedy unbounded group failed (JDK 9+): quadratic instead of exponential
                boolean exponential = !item.memoized(backReferences) || repeated;
                String group = regex.substring(item.index(), item.end());
                for (List<Item> alternative : item.alternatives()) {
                    for (Item inner : flatten(alternative)) {
                        if (inner.repeats() || inner.isGroup() && containsRepeating(inner)) {
                            return Optional.of(new Finding(item.index(), "the repeated group '" + group + "' holds another unbounded quantifier: "
                                    + (exponential
                                    ? "with a lazy or bounded outer quantifier, inside another repeated group, or with back-references, a value that almost matches is tried in exponentially many ways"
                                    : "a value that almost matches takes time quadratic in its length (exponential with a lazy or bounded outer quantifier)")
                                    + "; remove the inner or the outer quantifier, or make the outer one possessive ('++', '*+')"));
                        }
                    }
                }
                if (exponential && alternativesOverlap(item.alternatives())) {
                    return Optional.of(new Finding(item.index(), "the alternatives of the repeated group '" + group + "' can start with the same character "
                            + "and its quantifier is lazy or bounded (or the pattern has back-references): a value that almost matches is tried in exponentially many ways; "
                            + "make the alternatives start differently or the group possessive"));
                }
                if (item.alternatives().size() > 1 && item.max() < 0) {
                    return Optional.of(new Finding(item.index(), "java.util.regex recurses once per repetition of the group '" + group + "' (it has alternatives): "
                            + "a value of a few thousand characters overflows the stack of the thread deciding (the plugin then denies); "
                            + "use a character class ('[ab]*' for '(a|b)*') or a possessive quantifier ('*+', '++')"));
                }
            }
            if (item.isGroup()) {
                for (List<Item> alternative : item.alternatives()) {
                    Optional<Finding> inner = findings(regex, alternative, false, backReferences, repeated || item.repeats());
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

    private static boolean containsRepeating(Item group)
    {
        for (List<Item> alternative : group.alternatives()) {
            for (Item item : alternative) {
                if (item.repeats() || item.isGroup() && containsRepeating(item)) {
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
            boolean lazy = false;
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
                        lazy = true;
                        position++;
                    }
                }
            }
            if (group == null && chars == null && (min != 1 || max != 1)) {
                throw new Unsupported();
            }
            items.add(new Item(start, position, chars, group, min, max, possessive, lazy, atomic));
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
                if (c >= '1' && c <= '9') {
                    // a back-reference: it can be anything the group captured, and it turns the engine's memory of failed positions off
                    backReferences = true;
                    yield CharSet.any();
                }
                if (Character.isLetterOrDigit(c)) {
                    // \p{...}, \Q...\E, \k<name>, anchors like \b: not analysed
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
