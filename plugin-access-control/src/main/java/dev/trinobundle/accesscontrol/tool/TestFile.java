package dev.trinobundle.accesscontrol.tool;

import com.google.common.collect.ImmutableSet;
import dev.trinobundle.accesscontrol.rules.JsonTree.ArrayNode;
import dev.trinobundle.accesscontrol.rules.JsonTree.Node;
import dev.trinobundle.accesscontrol.rules.JsonTree.ObjectNode;
import dev.trinobundle.accesscontrol.rules.JsonTree.ScalarNode;
import dev.trinobundle.accesscontrol.rules.Operation;
import dev.trinobundle.accesscontrol.rules.RuleIdentity;
import dev.trinobundle.accesscontrol.rules.Target;
import dev.trinobundle.accesscontrol.tool.Question.FilterKind;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads a test file ({@code tests:} a list of cases, JSON or YAML) strictly: unknown fields, fields the operation does
 * not take, missing ones and values of the wrong shape are errors with line and column (see the plugin README for the
 * format).
 */
final class TestFile
{
    private static final List<String> CASE_FIELDS = List.of(
            "name", "user", "groups", "roles", "original_user", "original_groups", "original_roles", "operation",
            "catalog", "schema", "table", "function", "procedure", "property", "query_owner", "columns", "column", "new_name", "new_owner",
            "catalogs", "schemas", "tables", "functions", "query_owners",
            "expect", "rule");
    private static final Set<String> OBJECT_FIELDS = ImmutableSet.copyOf(CASE_FIELDS.subList(8, CASE_FIELDS.size() - 2));
    private static final Pattern RULE_LABEL = Pattern.compile("(catalogs|schemas|tables|system_information|system_session_properties|catalog_session_properties"
            + "|functions|procedures|queries|impersonation|principals|authorization)\\[(\\d+|implicit)]|none");

    private final InputFile file;

    private TestFile(InputFile file)
    {
        this.file = file;
    }

    static List<TestCase> read(Path path)
    {
        InputFile file = InputFile.read("test file", path);
        return new TestFile(file).cases();
    }

    private List<TestCase> cases()
    {
        ObjectNode root = file.rootObject("with a 'tests' list of cases");
        file.checkFields(root, "the test file", List.of("tests"));
        List<Node> elements = file.list(file.required(root, "the test file", "tests", "a list of cases"), "'tests'", "of cases");
        List<TestCase> cases = new ArrayList<>();
        for (int i = 0; i < elements.size(); i++) {
            String path = "tests[" + i + "]";
            cases.add(testCase(file.object(elements.get(i), path, "a case with user, operation and expect"), path));
        }
        return cases;
    }

    private TestCase testCase(ObjectNode node, String path)
    {
        file.checkFields(node, path, CASE_FIELDS);
        Node operationNode = file.required(node, path, "operation", "an SPI check such as ImpersonateUser, SelectFromColumns or FilterCatalogs");
        String operation = file.string(operationNode, path, "operation");
        Map<String, Boolean> takes = objectFields(operation)
                .orElseThrow(() -> file.error(operationNode, "unknown operation '" + operation + "' in " + path + suggestion(operation)));
        for (String field : node.fields().keySet()) {
            if (OBJECT_FIELDS.contains(field) && !takes.containsKey(field)) {
                throw file.error(node.fields().get(field).namePosition(), "'" + field + "' does not apply to " + operation + " in " + path
                        + (takes.isEmpty() ? "; it takes no object" : "; it takes " + String.join(", ", takes.keySet())));
            }
        }
        takes.forEach((field, required) -> {
            if (required) {
                file.required(node, path, field, operation + " takes " + String.join(", ", takes.keySet()));
            }
        });

        String user = file.string(file.required(node, path, "user", "the session user the decision is about"), path, "user");
        RuleIdentity session = new RuleIdentity(user, Set.copyOf(file.optionalStrings(node, path, "roles")), Set.copyOf(file.optionalStrings(node, path, "groups")));
        String originalUser = file.optionalString(node, path, "original_user");
        RuleIdentity identity = session;
        String by = null;
        if (operation.equals("ImpersonateUser")) {
            file.required(node, path, "original_user", "the authenticated user who impersonates 'user'");
            identity = new RuleIdentity(originalUser, Set.copyOf(file.optionalStrings(node, path, "original_roles")), Set.copyOf(file.optionalStrings(node, path, "original_groups")));
            by = TestCase.display(identity);
            rejectSessionGroups(node, path, "ImpersonateUser decides on the original user's groups and roles: give them as original_groups and original_roles");
        }
        else if (operation.equals("SetUser")) {
            // the deprecated principals rules: the authenticated principal (or none) may become the user
            identity = originalUser == null ? null : RuleIdentity.ofUser(originalUser);
            by = originalUser == null ? "no principal" : "principal " + originalUser;
            rejectOriginal(node, path, List.of("original_groups", "original_roles"), "SetUser matches only the principal's name (original_user)");
            rejectSessionGroups(node, path, "SetUser matches only the user's name");
        }
        else {
            rejectOriginal(node, path, List.of("original_user", "original_groups", "original_roles"),
                    operation + " decides on the session user alone (original_* apply to ImpersonateUser and SetUser)");
        }

        Question question = question(node, path, operation);
        String name = file.optionalString(node, path, "name");
        String location = file.fileName() + ":" + node.position().line() + ":" + node.position().column();
        return new TestCase(name, location, TestCase.display(session), by, identity, question, expectation(node, path, question));
    }

    private void rejectOriginal(ObjectNode node, String path, List<String> fields, String why)
    {
        for (String field : fields) {
            if (node.fields().containsKey(field)) {
                throw file.error(node.fields().get(field).namePosition(), "'" + field + "' does not apply in " + path + ": " + why);
            }
        }
    }

    private void rejectSessionGroups(ObjectNode node, String path, String why)
    {
        rejectOriginal(node, path, List.of("groups", "roles"), why);
    }

    /** The object fields an operation takes (true: required), or empty for an unknown operation. */
    static Optional<Map<String, Boolean>> objectFields(String operation)
    {
        Map<String, Boolean> fields = new LinkedHashMap<>();
        Optional<FilterKind> filter = FilterKind.byName(operation);
        if (filter.isPresent()) {
            switch (filter.get()) {
                case FILTER_SCHEMAS, FILTER_TABLES, FILTER_FUNCTIONS -> fields.put("catalog", true);
                case FILTER_COLUMNS -> fields.put("table", true);
                case FILTER_CATALOGS, FILTER_VIEW_QUERY_OWNED_BY -> {}
            }
            fields.put(filter.get().elementsField(), true);
            return Optional.of(fields);
        }
        if (operation.equals("GetRowFilters") || operation.equals("GetColumnMask")) {
            fields.put("table", true);
            if (operation.equals("GetColumnMask")) {
                fields.put("column", true);
            }
            return Optional.of(fields);
        }
        Optional<Operation> check = Operation.byName(operation);
        check.ifPresent(value -> {
            switch (value.kind()) {
                case NONE -> {}
                case USER -> {
                    if (value == Operation.VIEW_QUERY_OWNED_BY || value == Operation.KILL_QUERY_OWNED_BY) {
                        fields.put("query_owner", true);
                    }
                }
                case SYSTEM_PROPERTY -> fields.put("property", true);
                case CATALOG -> fields.put("catalog", true);
                case CATALOG_PROPERTY -> {
                    fields.put("catalog", true);
                    fields.put("property", true);
                }
                case SCHEMA -> fields.put("schema", true);
                case TABLE -> fields.put("table", true);
                case FUNCTION -> fields.put("function", true);
                case PROCEDURE -> fields.put("procedure", true);
            }
            switch (value.extra()) {
                case NONE -> {}
                case COLUMNS -> fields.put("columns", false);
                case NEW_NAME -> fields.put("new_name", true);
                case NEW_OWNER -> fields.put("new_owner", true);
            }
        });
        return check.map(value -> fields);
    }

    static List<String> operationNames()
    {
        return Stream.concat(Stream.concat(Arrays.stream(Operation.values()).map(Operation::checkName), Arrays.stream(FilterKind.values()).map(FilterKind::checkName)),
                Stream.of("GetRowFilters", "GetColumnMask")).toList();
    }

    private static String suggestion(String operation)
    {
        String closest = null;
        int best = Integer.MAX_VALUE;
        for (String candidate : operationNames()) {
            int distance = Names.editDistance(operation.toLowerCase(java.util.Locale.ENGLISH), candidate.toLowerCase(java.util.Locale.ENGLISH));
            if (distance < best) {
                best = distance;
                closest = candidate;
            }
        }
        return best <= Math.max(2, operation.length() / 4) ? "; did you mean " + closest + "?" : "; the operations are " + String.join(", ", operationNames());
    }

    private Question question(ObjectNode node, String path, String operation)
    {
        Optional<FilterKind> filter = FilterKind.byName(operation);
        if (filter.isPresent()) {
            FilterKind kind = filter.get();
            Target scope = switch (kind) {
                case FILTER_SCHEMAS, FILTER_TABLES, FILTER_FUNCTIONS -> Target.catalog(name(node, path, "catalog", 1)[0]);
                case FILTER_COLUMNS -> table(node, path, "table");
                case FILTER_CATALOGS, FILTER_VIEW_QUERY_OWNED_BY -> null;
            };
            int parts = kind == FilterKind.FILTER_TABLES || kind == FilterKind.FILTER_FUNCTIONS ? 2 : 1;
            List<String> elements = new ArrayList<>();
            for (Node element : file.list(node.fields().get(kind.elementsField()).value(), "'" + kind.elementsField() + "' in " + path, "of names")) {
                String[] name = Names.split(file, element, path, kind.elementsField(), parts);
                if (parts == 2 && name[0].contains(".")) {
                    // the filter takes schema.name strings apart at the first dot
                    throw file.error(element, "'" + kind.elementsField() + "' in " + path + " cannot name a schema with a dot in it");
                }
                elements.add(String.join(".", name));
            }
            return new Question.Filter(kind, scope, elements);
        }
        if (operation.equals("GetRowFilters") || operation.equals("GetColumnMask")) {
            return new Question.Masking(table(node, path, "table"), file.optionalString(node, path, "column"));
        }
        Operation check = Operation.byName(operation).orElseThrow();
        Target target = switch (check.kind()) {
            case NONE -> Target.NONE;
            case USER -> Target.name(check == Operation.VIEW_QUERY_OWNED_BY || check == Operation.KILL_QUERY_OWNED_BY
                    ? file.optionalString(node, path, "query_owner")
                    : file.optionalString(node, path, "user"));
            case SYSTEM_PROPERTY -> Target.name(file.optionalString(node, path, "property"));
            case CATALOG -> Target.catalog(name(node, path, "catalog", 1)[0]);
            case CATALOG_PROPERTY -> Target.catalogProperty(name(node, path, "catalog", 1)[0], file.optionalString(node, path, "property"));
            case SCHEMA -> schema(node, path, "schema");
            case TABLE -> table(node, path, "table");
            case FUNCTION -> table(node, path, "function");
            case PROCEDURE -> table(node, path, "procedure");
        };
        switch (check.extra()) {
            case NONE -> {}
            case COLUMNS -> target = target.withColumns(Set.copyOf(file.optionalStrings(node, path, "columns")));
            case NEW_NAME -> {
                Target newName = check.kind() == Operation.Kind.SCHEMA ? schema(node, path, "new_name") : table(node, path, "new_name");
                if (!newName.catalog().equals(target.catalog())) {
                    throw file.error(node.fields().get("new_name").value(), "'new_name' in " + path + " must be in catalog " + target.catalog() + " (Trino renames within a catalog)");
                }
                target = target.withNewName(newName);
            }
            case NEW_OWNER -> target = target.withNewOwner(owner(node, path));
        }
        return new Question.Check(check, target);
    }

    private Target.Owner owner(ObjectNode node, String path)
    {
        ObjectNode owner = file.object(node.fields().get("new_owner").value(), "'new_owner' in " + path, "{user: NAME} or {role: NAME}");
        file.checkFields(owner, path + ".new_owner", List.of("user", "role"));
        String user = file.optionalString(owner, path + ".new_owner", "user");
        String role = file.optionalString(owner, path + ".new_owner", "role");
        if ((user == null) == (role == null)) {
            throw file.error(owner, "'new_owner' in " + path + " must name exactly one of user and role");
        }
        return user != null ? new Target.Owner(user, false) : new Target.Owner(role, true);
    }

    private String[] name(ObjectNode node, String path, String field, int parts)
    {
        return Names.split(file, node.fields().get(field).value(), path, field, parts);
    }

    private Target schema(ObjectNode node, String path, String field)
    {
        String[] name = name(node, path, field, 2);
        return Target.schema(name[0], name[1]);
    }

    private Target table(ObjectNode node, String path, String field)
    {
        String[] name = name(node, path, field, 3);
        return Target.object(name[0], name[1], name[2]);
    }

    private Expectation expectation(ObjectNode node, String path, Question question)
    {
        Node expect = file.required(node, path, "expect", "what the rules should decide");
        Node ruleNode = InputFile.optional(node, "rule");
        String rule = ruleNode == null ? null : file.string(ruleNode, path, "rule");
        if (rule != null && !RULE_LABEL.matcher(rule).matches()) {
            throw file.error(ruleNode, "'rule' in " + path + " must name a rule as the tools print it, such as tables[2], catalogs[implicit] or none, not \"" + rule + "\"");
        }
        return switch (question) {
            case Question.Check check -> {
                if (expect instanceof ScalarNode(String value, var token, var position) && (value.equals("allow") || value.equals("deny"))) {
                    yield new Expectation.Decided(value.equals("allow"), rule);
                }
                throw file.error(expect, "'expect' in " + path + " must be allow or deny for " + check.operation().checkName() + ", not " + InputFile.describe(expect)
                        + (expect instanceof ScalarNode(Boolean value, var token, var position) ? " (YAML reads yes, no, true and false as booleans)" : ""));
            }
            case Question.Filter filter -> {
                if (rule != null) {
                    throw file.error(ruleNode, "'rule' does not apply to " + filter.kind().checkName() + " in " + path + " (each name is decided on its own)");
                }
                if (!(expect instanceof ArrayNode)) {
                    throw file.error(expect, "'expect' in " + path + " must be the list of the names " + filter.kind().checkName() + " keeps, not " + InputFile.describe(expect));
                }
                int parts = filter.kind() == FilterKind.FILTER_TABLES || filter.kind() == FilterKind.FILTER_FUNCTIONS ? 2 : 1;
                List<String> names = new ArrayList<>();
                for (Node element : ((ArrayNode) expect).elements()) {
                    names.add(String.join(".", Names.split(file, element, path, "expect", parts)));
                }
                yield new Expectation.Visible(names);
            }
            case Question.Masking masking -> maskExpectation(expect, path, rule);
        };
    }

    private Expectation maskExpectation(Node expect, String path, String rule)
    {
        if (expect instanceof ScalarNode(String value, var token, var position)) {
            return new Expectation.Expressed(value.equals("none") ? Optional.empty() : Optional.of(value), Optional.empty(), rule);
        }
        if (expect instanceof ObjectNode object) {
            file.checkFields(object, path + ".expect", List.of("expression", "user"));
            String expression = file.string(file.required(object, path + ".expect", "expression", "the SQL expression"), path + ".expect", "expression");
            return new Expectation.Expressed(Optional.of(expression), Optional.ofNullable(file.optionalString(object, path + ".expect", "user")), rule);
        }
        throw file.error(expect, "'expect' in " + path + " must be none, the expression as a string, or {expression: ..., user: ...}, not " + InputFile.describe(expect));
    }
}
