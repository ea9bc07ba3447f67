package dev.trinobundle.accesscontrol.tool;

import dev.trinobundle.accesscontrol.rules.JsonTree.Field;
import dev.trinobundle.accesscontrol.rules.JsonTree.ObjectNode;
import dev.trinobundle.accesscontrol.rules.JsonTree.ScalarNode;
import dev.trinobundle.accesscontrol.rules.MatchBudget;
import dev.trinobundle.accesscontrol.rules.MatchBudgetExceededException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import static java.util.Map.entry;

/**
 * Rules that can never match: in every section the first matching rule decides, so a rule is dead when an earlier
 * one matches a superset of what it matches. Decided per condition without running regexes on each other: an earlier
 * condition covers a later one when it is absent or {@code .*}, the same text, or a regex that fully matches every
 * name of a later plain name or alternation of plain names ({@code alice|bob}). Sound for those shapes (an inclusion
 * it cannot see is no warning); {@code .*} is taken as any name, though it does not match names with line breaks
 * (which only quoted identifiers can have).
 */
final class Shadowing
{
    /** How a condition matches: one value that is always there, any of several values (roles, groups), or a target that must be named. */
    private enum Kind
    {
        ONE,
        // roles, groups and queryOwner: absent matches an identity without any (and ExecuteQuery); present needs one
        ANY_OF,
        // authorization new_user/new_role: absent never matches that kind of principal
        TARGET,
        NEW_USER
    }

    private record Condition(String field, String alias, Kind kind) {}

    private static final List<Condition> SUBJECT = List.of(new Condition("user", null, Kind.ONE), new Condition("role", null, Kind.ANY_OF), new Condition("group", null, Kind.ANY_OF));

    private static final Map<String, List<Condition>> CONDITIONS = Map.ofEntries(
            entry("catalogs", with(SUBJECT, one("catalog"))),
            entry("schemas", with(SUBJECT, one("catalog"), one("schema"))),
            entry("tables", with(SUBJECT, one("catalog"), one("schema"), one("table"))),
            entry("system_information", List.of(one("user"), new Condition("role", null, Kind.ANY_OF))),
            entry("system_session_properties", with(SUBJECT, one("property"))),
            entry("catalog_session_properties", with(SUBJECT, one("catalog"), one("property"))),
            entry("functions", with(SUBJECT, one("catalog"), one("schema"), one("function"))),
            entry("procedures", with(SUBJECT, one("catalog"), one("schema"), one("procedure"))),
            entry("queries", with(SUBJECT, new Condition("queryOwner", null, Kind.ANY_OF))),
            entry("impersonation", List.of(new Condition("original_user", "originalUser", Kind.ONE), new Condition("original_role", null, Kind.ANY_OF),
                    new Condition("original_group", null, Kind.ANY_OF), new Condition("new_user", "newUser", Kind.NEW_USER))),
            entry("authorization", List.of(new Condition("original_user", "originalUser", Kind.ONE), new Condition("original_group", "originalGroup", Kind.ANY_OF),
                    new Condition("original_role", "originalRole", Kind.ANY_OF), new Condition("new_user", "newUser", Kind.TARGET),
                    new Condition("new_role", "newRole", Kind.TARGET))));

    private static final Pattern REFERENCE = Pattern.compile("(?<!\\\\)\\$(\\d|\\{)");
    private static final String METACHARACTERS = "\\^$.|?*+()[]{}";

    private Shadowing() {}

    private static Condition one(String field)
    {
        return new Condition(field, null, Kind.ONE);
    }

    private static List<Condition> with(List<Condition> first, Condition... more)
    {
        List<Condition> all = new ArrayList<>(first);
        all.addAll(List.of(more));
        return all;
    }

    /** For each rule that can never match, the index of the first earlier rule that covers it. */
    static Map<Integer, Integer> shadowed(String section, List<ObjectNode> rules)
    {
        Map<Integer, Integer> shadowed = new LinkedHashMap<>();
        for (int later = 1; later < rules.size(); later++) {
            for (int earlier = 0; earlier < later; earlier++) {
                if (covers(section, rules.get(earlier), rules.get(later))) {
                    shadowed.put(later, earlier);
                    break;
                }
            }
        }
        return shadowed;
    }

    private static boolean covers(String section, ObjectNode earlier, ObjectNode later)
    {
        if (section.equals("principals")) {
            // principal must cover, and the earlier rule's user must take every user the later rule's user (without principal_to_user) takes
            return one(text(earlier, "principal", null), text(later, "principal", null))
                    && text(earlier, "user", null) != null
                    && (isAny(text(earlier, "user", null)) || text(later, "principal_to_user", null) == null && text(later, "user", null) != null
                    && one(text(earlier, "user", null), text(later, "user", null)));
        }
        List<Condition> conditions = CONDITIONS.get(section);
        if (conditions == null) {
            return false;
        }
        for (Condition condition : conditions) {
            String a = text(earlier, condition.field(), condition.alias());
            String b = text(later, condition.field(), condition.alias());
            boolean covered = switch (condition.kind()) {
                case ONE -> one(a, b);
                case ANY_OF -> a == null || b != null && one(a, b);
                case TARGET -> b == null || a != null && one(a, b);
                case NEW_USER -> newUser(a, b, text(earlier, "original_user", "originalUser"), text(later, "original_user", "originalUser"));
            };
            if (!covered) {
                return false;
            }
        }
        return true;
    }

    /** Does regex {@code a} (null: no condition) match every value regex {@code b} (null: any value) matches? */
    private static boolean one(String a, String b)
    {
        if (a == null || isAny(a)) {
            return true;
        }
        if (b == null || isAny(b)) {
            return false;
        }
        if (a.equals(b)) {
            return true;
        }
        List<String> values = literals(b);
        if (values == null) {
            return false;
        }
        Pattern pattern = Pattern.compile(a);
        for (String value : values) {
            try {
                if (!MatchBudget.forDecision().matches(pattern, value)) {
                    return false;
                }
            }
            catch (MatchBudgetExceededException e) {
                return false;
            }
        }
        return true;
    }

    /** {@code new_user} templates: with references to original_user's groups only the same template under the same original_user is covered. */
    private static boolean newUser(String a, String b, String originalA, String originalB)
    {
        boolean aReferences = a != null && REFERENCE.matcher(a).find();
        boolean bReferences = b != null && REFERENCE.matcher(b).find();
        if (aReferences || bReferences) {
            return a != null && (isAny(a) || a.equals(b) && java.util.Objects.equals(originalA, originalB));
        }
        return one(a, b);
    }

    private static boolean isAny(String regex)
    {
        return Set.of(".*", "(.*)", "^.*$", "(?s).*").contains(regex);
    }

    /** The names a regex made only of plain names and {@code |} matches ({@code \.} is a dot), else null. */
    static List<String> literals(String regex)
    {
        List<String> values = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if (c == '\\' && i + 1 < regex.length() && !Character.isLetterOrDigit(regex.charAt(i + 1))) {
                current.append(regex.charAt(++i));
            }
            else if (c == '|') {
                values.add(current.toString());
                current.setLength(0);
            }
            else if (METACHARACTERS.indexOf(c) >= 0) {
                return null;
            }
            else {
                current.append(c);
            }
        }
        values.add(current.toString());
        return values;
    }

    private static String text(ObjectNode rule, String field, String alias)
    {
        for (String name : alias == null ? List.of(field) : List.of(field, alias)) {
            Field value = rule.fields().get(name);
            if (value != null && value.value() instanceof ScalarNode(String text, var token, var position)) {
                return text;
            }
        }
        return null;
    }
}
