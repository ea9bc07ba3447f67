package dev.trinobundle.accesscontrol.tool;

import dev.trinobundle.accesscontrol.rules.JsonTree.ArrayNode;
import dev.trinobundle.accesscontrol.rules.JsonTree.Field;
import dev.trinobundle.accesscontrol.rules.JsonTree.ObjectNode;
import dev.trinobundle.accesscontrol.rules.JsonTree.Position;
import dev.trinobundle.accesscontrol.rules.JsonTree.ScalarNode;
import dev.trinobundle.accesscontrol.rules.MatchBudget;
import dev.trinobundle.accesscontrol.rules.MatchBudgetExceededException;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import static java.util.Map.entry;

/**
 * The warnings of {@code RulesTool check} on a valid rules file, each at a line and column: rules that can never match
 * because an earlier rule of their section matches everything they match ({@link Shadowing}), catalogs the rules name
 * that {@code --catalogs DIR} does not have, and regexes open to slow matching ({@link RegexLint}).
 */
final class Lint
{
    /** A warning at a position of the rules file. */
    record Warning(Position position, String message) {}

    /** The regex fields of each section (aliases included). */
    static final Map<String, List<String>> REGEX_FIELDS = Map.ofEntries(
            entry("catalogs", List.of("user", "role", "group", "catalog")),
            entry("schemas", List.of("user", "role", "group", "catalog", "schema")),
            entry("tables", List.of("user", "role", "group", "catalog", "schema", "table")),
            entry("system_information", List.of("user", "role")),
            entry("system_session_properties", List.of("user", "role", "group", "property")),
            entry("catalog_session_properties", List.of("user", "role", "group", "catalog", "property")),
            entry("functions", List.of("user", "role", "group", "catalog", "schema", "function")),
            entry("procedures", List.of("user", "role", "group", "catalog", "schema", "procedure")),
            entry("queries", List.of("user", "role", "group", "queryOwner")),
            entry("impersonation", List.of("original_user", "originalUser", "original_role", "original_group", "new_user", "newUser")),
            entry("principals", List.of("principal", "user")),
            entry("authorization", List.of("original_user", "originalUser", "original_group", "originalGroup", "original_role", "originalRole",
                    "new_user", "newUser", "new_role", "newRole")));

    private static final Set<String> CATALOG_SECTIONS = Set.of("catalogs", "schemas", "tables", "catalog_session_properties", "functions", "procedures");
    private static final Pattern NEW_USER_REFERENCE = Pattern.compile("(?<!\\\\)\\$(\\d+|\\{\\w+})");

    private final String source;
    private final List<Warning> warnings = new ArrayList<>();

    private Lint(String source)
    {
        this.source = source;
    }

    /**
     * {@code rules} is the (valid) rules object, {@code source} the file's text; {@code catalogs} the catalogs that exist
     * ({@code system} included), or null to skip that check; {@code catalogDirectory} names where they come from.
     */
    static List<Warning> lint(ObjectNode rules, String source, Set<String> catalogs, String catalogDirectory)
    {
        Lint lint = new Lint(source);
        for (Field section : rules.fields().values()) {
            if (!(section.value() instanceof ArrayNode array)) {
                continue;
            }
            List<ObjectNode> sectionRules = array.elements().stream().map(ObjectNode.class::cast).toList();
            for (int i = 0; i < sectionRules.size(); i++) {
                String label = section.name() + "[" + i + "]";
                lint.regexes(section.name(), label, sectionRules.get(i));
                if (catalogs != null && CATALOG_SECTIONS.contains(section.name())) {
                    lint.catalog(label, sectionRules.get(i), catalogs, catalogDirectory);
                }
            }
            Shadowing.shadowed(section.name(), sectionRules).forEach((shadowed, by) -> lint.warnings.add(new Warning(sectionRules.get(shadowed).position(),
                    "%s[%d] can never match: %s[%d] (line %d) comes first and matches every identity and object it matches (the first matching rule decides); "
                            .formatted(section.name(), shadowed, section.name(), by, sectionRules.get(by).position().line())
                            + "move it above %s[%d], narrow %s[%d], or delete it".formatted(section.name(), by, section.name(), by))));
        }
        lint.warnings.sort(Comparator.comparingInt((Warning warning) -> warning.position().line()).thenComparingInt(warning -> warning.position().column()));
        return List.copyOf(lint.warnings);
    }

    private void regexes(String section, String label, ObjectNode rule)
    {
        for (String field : REGEX_FIELDS.getOrDefault(section, List.of())) {
            if (rule.fields().get(field) != null && rule.fields().get(field).value() instanceof ScalarNode(String regex, var token, var position)) {
                // a reference to original_user's groups is inserted quoted: a literal, for this analysis
                String analysed = section.equals("impersonation") && field.startsWith("new") ? NEW_USER_REFERENCE.matcher(regex).replaceAll("x") : regex;
                boolean substituted = !analysed.equals(regex);
                RegexLint.check(analysed).ifPresent(finding -> warnings.add(new Warning(columnOf(position, substituted ? 0 : finding.index()),
                        label + " '" + field + "' regex '" + regex + "': " + finding.problem())));
            }
        }
    }

    private void catalog(String label, ObjectNode rule, Set<String> catalogs, String catalogDirectory)
    {
        Field field = rule.fields().get("catalog");
        if (field == null || !(field.value() instanceof ScalarNode(String regex, var token, var position))) {
            return;
        }
        String existing = String.join(", ", catalogs.stream().sorted().toList());
        List<String> literals = Shadowing.literals(regex);
        if (literals != null) {
            for (String literal : literals) {
                if (!catalogs.contains(literal)) {
                    warnings.add(new Warning(position, "%s names catalog '%s', which %s does not have (catalogs: %s); fix the name or add %s/%s.properties"
                            .formatted(label, literal, catalogDirectory, existing, catalogDirectory, literal)));
                }
            }
            return;
        }
        Pattern pattern = Pattern.compile(regex);
        boolean matchesOne = false;
        for (String catalog : catalogs) {
            try {
                matchesOne |= MatchBudget.forDecision().matches(pattern, catalog);
            }
            catch (MatchBudgetExceededException e) {
                // too slow to tell: the regex lint reports why
                matchesOne = true;
            }
        }
        if (!matchesOne) {
            warnings.add(new Warning(position, "%s 'catalog' regex '%s' matches none of the catalogs of %s (%s); fix the regex or add the catalog"
                    .formatted(label, regex, catalogDirectory, existing)));
        }
    }

    /**
     * The column of the character at {@code index} of a JSON string value that starts (with its quote) at
     * {@code position}: escapes such as {@code \\} take more source characters than the one they stand for.
     */
    private Position columnOf(Position position, int index)
    {
        int offset = position.startOffset() + 1;
        for (int decoded = 0; decoded < index && offset < source.length(); decoded++) {
            if (source.charAt(offset) == '\\') {
                offset += source.charAt(offset + 1) == 'u' ? 6 : 2;
            }
            else {
                offset++;
            }
        }
        return new Position(position.line(), position.column() + (offset - position.startOffset()), offset, offset);
    }
}
