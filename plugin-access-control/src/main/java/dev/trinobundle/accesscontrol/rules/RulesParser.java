package dev.trinobundle.accesscontrol.rules;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import dev.trinobundle.accesscontrol.rules.JsonTree.ArrayNode;
import dev.trinobundle.accesscontrol.rules.JsonTree.Field;
import dev.trinobundle.accesscontrol.rules.JsonTree.Node;
import dev.trinobundle.accesscontrol.rules.JsonTree.ObjectNode;
import dev.trinobundle.accesscontrol.rules.JsonTree.ScalarNode;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;


/**
 * Reads Trino's file-based system access control format strictly: unknown sections and fields, values of the wrong
 * type, bad regular expressions and missing required fields fail the load with the file, line and column.
 */
public final class RulesParser
{
    private static final List<String> SECTIONS = List.of(
            "catalogs", "schemas", "tables", "system_information", "system_session_properties", "catalog_session_properties",
            "functions", "procedures", "queries", "impersonation", "principals", "authorization");

    private final String fileName;
    private final String source;

    private RulesParser(String fileName, String source)
    {
        this.fileName = fileName;
        this.source = source;
    }

    /** Reads and parses a file; a missing, unreadable or non-UTF-8 file is a {@link RulesException} too. */
    public static RuleSet parse(Path file, String jsonPointer)
    {
        return parse(file.toString(), read(file), jsonPointer);
    }

    /** The file's bytes; a missing or unreadable file is a {@link RulesException}. */
    public static byte[] read(Path file)
    {
        try {
            return Files.readAllBytes(file);
        }
        catch (NoSuchFileException e) {
            throw new RulesException(file.toString(), null, "the file does not exist");
        }
        catch (IOException e) {
            throw new RulesException(file.toString(), 0, 0, "the file cannot be read: " + e, e);
        }
    }

    public static RuleSet parse(String fileName, byte[] content, String jsonPointer)
    {
        String text;
        try {
            text = JsonTree.strictUtf8(content);
        }
        catch (CharacterCodingException e) {
            throw new RulesException(fileName, null, "the file is not valid UTF-8 text");
        }
        return new RulesParser(fileName, text).parseRules(jsonPointer, content);
    }

    private RuleSet parseRules(String jsonPointer, byte[] content)
    {
        Node root = JsonTree.parseRules(source, jsonPointer, fileName);
        ObjectNode object = requireObject(root, "the rules");
        checkFields(object, "the rules file", SECTIONS);
        return RuleSet.builder(RuleSet.contentHash(content))
                .catalogs(section(object, "catalogs", this::catalogRule))
                .schemas(section(object, "schemas", this::schemaRule))
                .tables(section(object, "tables", this::tableRule))
                .systemInformation(section(object, "system_information", this::systemInformationRule))
                .systemSessionProperties(section(object, "system_session_properties", (node, src) -> sessionPropertyRule(node, src, false)))
                .catalogSessionProperties(section(object, "catalog_session_properties", (node, src) -> sessionPropertyRule(node, src, true)))
                .functions(section(object, "functions", (node, src) -> routineRule(node, src, "function")))
                .procedures(section(object, "procedures", (node, src) -> routineRule(node, src, "procedure")))
                .queries(section(object, "queries", this::queryRule))
                .impersonation(section(object, "impersonation", this::impersonationRule))
                .principals(section(object, "principals", this::principalRule))
                .authorization(section(object, "authorization", this::authorizationRule))
                .build();
    }

    private <R> Optional<List<R>> section(ObjectNode rules, String name, BiFunction<ObjectNode, RuleSource, R> ruleParser)
    {
        Field field = rules.fields().get(name);
        if (field == null || isNull(field.value())) {
            return Optional.empty();
        }
        if (!(field.value() instanceof ArrayNode array)) {
            throw error(field.value(), "section '" + name + "' must be a JSON array of rules, not " + describe(field.value()));
        }
        ImmutableList.Builder<R> parsed = ImmutableList.builder();
        for (int i = 0; i < array.elements().size(); i++) {
            Node element = array.elements().get(i);
            String path = name + "[" + i + "]";
            ObjectNode ruleNode = requireObject(element, "rule " + path);
            RuleSource ruleSource = new RuleSource(name, i, source.substring(ruleNode.position().startOffset(), ruleNode.position().endOffset()), ruleNode.position().line());
            parsed.add(ruleParser.apply(ruleNode, ruleSource));
        }
        return Optional.of(parsed.build());
    }

    private CatalogRule catalogRule(ObjectNode node, RuleSource src)
    {
        checkFields(node, src.label(), List.of("allow", "user", "role", "group", "catalog"));
        Node allow = required(node, src, "allow");
        CatalogAccess access;
        if (allow instanceof ScalarNode(Boolean value, var token, var position)) {
            access = value ? CatalogAccess.ALL : CatalogAccess.NONE;
        }
        else if (allow instanceof ScalarNode(String value, var token, var position)) {
            access = switch (value.toLowerCase(Locale.ENGLISH)) {
                case "owner" -> CatalogAccess.OWNER;
                case "all" -> CatalogAccess.ALL;
                case "read-only" -> CatalogAccess.READ_ONLY;
                case "none" -> CatalogAccess.NONE;
                default -> throw error(allow, "'allow' in " + src.label() + " must be one of \"all\", \"read-only\", \"none\", \"owner\", true or false, not \"" + value + "\"");
            };
        }
        else {
            throw error(allow, "'allow' in " + src.label() + " must be one of \"all\", \"read-only\", \"none\", \"owner\", true or false, not " + describe(allow));
        }
        return new CatalogRule(src, subject(node, src), regex(node, src, "catalog"), access);
    }

    private SchemaRule schemaRule(ObjectNode node, RuleSource src)
    {
        checkFields(node, src.label(), List.of("owner", "user", "role", "group", "schema", "catalog"));
        return new SchemaRule(src, subject(node, src), regex(node, src, "catalog"), regex(node, src, "schema"), bool(node, src, "owner", false));
    }

    private TableRule tableRule(ObjectNode node, RuleSource src)
    {
        checkFields(node, src.label(), List.of("privileges", "columns", "filter", "filter_environment", "user", "role", "group", "schema", "table", "catalog"));
        Set<TablePrivilege> privileges = enumSet(node, src, "privileges", TablePrivilege.class);
        Map<String, ColumnConstraint> columns = new LinkedHashMap<>();
        Node columnsNode = optional(node, "columns");
        if (columnsNode != null) {
            if (!(columnsNode instanceof ArrayNode array)) {
                throw error(columnsNode, "'columns' in " + src.label() + " must be a JSON array, not " + describe(columnsNode));
            }
            for (int i = 0; i < array.elements().size(); i++) {
                String path = src.label() + ".columns[" + i + "]";
                ObjectNode column = requireObject(array.elements().get(i), path);
                checkFields(column, path, List.of("name", "allow", "mask", "mask_environment"));
                Node nameNode = column.fields().containsKey("name") ? column.fields().get("name").value() : null;
                if (nameNode == null || isNull(nameNode)) {
                    throw error(column, "'name' is required in " + path);
                }
                String name = string(column, path, "name");
                if (columns.containsKey(name)) {
                    throw error(nameNode, "column '" + name + "' is listed twice in " + src.label());
                }
                columns.put(name, new ColumnConstraint(name, bool(column, path, "allow", true), Optional.ofNullable(string(column, path, "mask")), environmentUser(column, path, "mask_environment")));
            }
        }
        return new TableRule(src, subject(node, src), regex(node, src, "catalog"), regex(node, src, "schema"), regex(node, src, "table"),
                privileges, columns, Optional.ofNullable(string(node, src.label(), "filter")), environmentUser(node, src.label(), "filter_environment"));
    }

    private Optional<String> environmentUser(ObjectNode node, String path, String field)
    {
        Node environment = optional(node, field);
        if (environment == null) {
            return Optional.empty();
        }
        ObjectNode object = requireObject(environment, "'" + field + "' in " + path);
        checkFields(object, path + "." + field, List.of("user"));
        return Optional.ofNullable(string(object, path + "." + field, "user"));
    }

    private SystemInformationRule systemInformationRule(ObjectNode node, RuleSource src)
    {
        checkFields(node, src.label(), List.of("allow", "user", "role"));
        return new SystemInformationRule(src, new Subject(regex(node, src, "user"), regex(node, src, "role"), null),
                enumSet(node, src, "allow", SystemInformationAccess.class));
    }

    private SessionPropertyRule sessionPropertyRule(ObjectNode node, RuleSource src, boolean catalogProperty)
    {
        checkFields(node, src.label(), catalogProperty
                ? List.of("allow", "user", "role", "group", "property", "catalog")
                : List.of("allow", "user", "role", "group", "property"));
        return new SessionPropertyRule(src, subject(node, src), catalogProperty ? regex(node, src, "catalog") : null, regex(node, src, "property"), bool(node, src, "allow", false));
    }

    private RoutineRule routineRule(ObjectNode node, RuleSource src, String routineField)
    {
        List<String> fields = new ArrayList<>(List.of("privileges", "user", "role", "group", "catalog", "schema", routineField));
        if (routineField.equals("function")) {
            fields.add("function_kinds");
            fields.add("functionKinds");
            Node kinds = optional(node, "function_kinds");
            if (kinds == null) {
                kinds = optional(node, "functionKinds");
            }
            if (kinds != null && !(kinds instanceof ArrayNode array && array.elements().isEmpty())) {
                throw error(kinds, "function_kind is no longer supported in security rules (" + src.label() + ")");
            }
        }
        checkFields(node, src.label(), fields);
        Set<RoutinePrivilege> privileges = enumSet(node, src, "privileges", RoutinePrivilege.class);
        if (routineField.equals("procedure") && privileges.contains(RoutinePrivilege.OWNERSHIP)) {
            throw error(node.fields().get("privileges").value(), "'privileges' in " + src.label() + " may contain only EXECUTE and GRANT_EXECUTE");
        }
        return new RoutineRule(src, subject(node, src), regex(node, src, "catalog"), regex(node, src, "schema"), regex(node, src, routineField), privileges);
    }

    private QueryRule queryRule(ObjectNode node, RuleSource src)
    {
        checkFields(node, src.label(), List.of("allow", "user", "role", "group", "queryOwner"));
        Set<QueryAccess> allow = enumSet(node, src, "allow", QueryAccess.class);
        Pattern queryOwner = regex(node, src, "queryOwner");
        if (queryOwner != null && allow.contains(QueryAccess.EXECUTE)) {
            throw error(node, "A valid query rule cannot combine an queryOwner condition with access mode 'execute' (" + src.label() + ")");
        }
        return new QueryRule(src, subject(node, src), queryOwner, allow);
    }

    private ImpersonationRule impersonationRule(ObjectNode node, RuleSource src)
    {
        checkFields(node, src.label(), List.of("original_user", "originalUser", "original_role", "original_group", "new_user", "newUser", "allow"));
        Pattern originalUser = regex(node, src, "original_user", "originalUser");
        String newUserText = aliasedString(node, src, "new_user", "newUser");
        if (newUserText == null) {
            throw error(node, "'new_user' is required in " + src.label());
        }
        NewUserTemplate newUser;
        try {
            newUser = NewUserTemplate.parse(newUserText, originalUser);
        }
        catch (IllegalArgumentException e) {
            throw error(fieldValue(node, "new_user", "newUser"), e.getMessage() + " (" + src.label() + ")");
        }
        return new ImpersonationRule(src, originalUser, regex(node, src, "original_role"), regex(node, src, "original_group"), newUser, bool(node, src, "allow", true));
    }

    private PrincipalRule principalRule(ObjectNode node, RuleSource src)
    {
        checkFields(node, src.label(), List.of("principal", "user", "principal_to_user", "allow"));
        Pattern principal = regex(node, src, "principal");
        if (principal == null) {
            throw error(node, "'principal' is required in " + src.label());
        }
        Pattern user = regex(node, src, "user");
        String principalToUser = string(node, src.label(), "principal_to_user");
        if (user == null && principalToUser == null) {
            throw error(node, "A valid principal rule must provide at least one criterion of user and user_extraction (" + src.label() + ")");
        }
        if (principalToUser != null) {
            try {
                // an empty alternative always matches, so the replacement is parsed against the principal's groups
                Pattern.compile("(?:" + principal.pattern() + ")|").matcher("").replaceFirst(principalToUser);
            }
            catch (IllegalArgumentException | IndexOutOfBoundsException e) {
                throw error(fieldValue(node, "principal_to_user"), "'principal_to_user' in " + src.label() + " is not a valid replacement for principal '" + principal.pattern() + "': " + e.getMessage());
            }
        }
        return new PrincipalRule(src, principal, user, Optional.ofNullable(principalToUser), bool(node, src, "allow", false));
    }

    private AuthorizationRule authorizationRule(ObjectNode node, RuleSource src)
    {
        checkFields(node, src.label(), List.of("original_user", "originalUser", "original_group", "originalGroup", "original_role", "originalRole", "new_user", "newUser", "new_role", "newRole", "allow"));
        Pattern newUser = regex(node, src, "new_user", "newUser");
        Pattern newRole = regex(node, src, "new_role", "newRole");
        if (newUser == null && newRole == null) {
            throw error(node, "At least one of new_user or new_role is required in " + src.label() + ", none were provided");
        }
        return new AuthorizationRule(src, regex(node, src, "original_user", "originalUser"), regex(node, src, "original_group", "originalGroup"),
                regex(node, src, "original_role", "originalRole"), newUser, newRole, bool(node, src, "allow", true));
    }

    // ---- field helpers

    private Subject subject(ObjectNode node, RuleSource src)
    {
        return new Subject(regex(node, src, "user"), regex(node, src, "role"), regex(node, src, "group"));
    }

    private void checkFields(ObjectNode node, String path, List<String> allowed)
    {
        for (Field field : node.fields().values()) {
            if (!allowed.contains(field.name())) {
                String what = path.equals("the rules file") ? "unknown section '" + field.name() + "' in " : "unknown field '" + field.name() + "' in ";
                throw new RulesException(fileName, field.namePosition(), what + path + "; allowed: " + String.join(", ", allowed));
            }
        }
    }

    private Node optional(ObjectNode node, String name)
    {
        Field field = node.fields().get(name);
        return field == null || isNull(field.value()) ? null : field.value();
    }

    private Node fieldValue(ObjectNode node, String... names)
    {
        for (String name : names) {
            Node value = optional(node, name);
            if (value != null) {
                return value;
            }
        }
        return node;
    }

    private Node required(ObjectNode node, RuleSource src, String name)
    {
        Node value = optional(node, name);
        if (value == null) {
            throw error(node, "'" + name + "' is required in " + src.label());
        }
        return value;
    }

    private Pattern regex(ObjectNode node, RuleSource src, String name, String... aliases)
    {
        String text = aliases.length == 0 ? string(node, src.label(), name) : aliasedString(node, src, name, aliases);
        if (text == null) {
            return null;
        }
        try {
            return Pattern.compile(text);
        }
        catch (PatternSyntaxException e) {
            Node value = fieldValue(node, concat(name, aliases));
            throw error(value, "'" + name + "' in " + src.label() + " is not a valid regular expression: " + e.getDescription() + " near index " + e.getIndex() + " of '" + text + "'");
        }
    }

    private static String[] concat(String name, String[] aliases)
    {
        String[] names = new String[aliases.length + 1];
        names[0] = name;
        System.arraycopy(aliases, 0, names, 1, aliases.length);
        return names;
    }

    private String aliasedString(ObjectNode node, RuleSource src, String name, String... aliases)
    {
        String value = string(node, src.label(), name);
        for (String alias : aliases) {
            String aliasValue = string(node, src.label(), alias);
            if (aliasValue != null) {
                if (value != null) {
                    throw error(node.fields().get(alias).value(), "'" + name + "' and '" + alias + "' are the same field; give only one in " + src.label());
                }
                value = aliasValue;
            }
        }
        return value;
    }

    private String string(ObjectNode node, String path, String name)
    {
        Node value = optional(node, name);
        if (value == null) {
            return null;
        }
        if (value instanceof ScalarNode(String text, var token, var position)) {
            return text;
        }
        throw error(value, "'" + name + "' in " + path + " must be a string, not " + describe(value));
    }

    private boolean bool(ObjectNode node, RuleSource src, String name, boolean defaultValue)
    {
        return bool(node, src.label(), name, defaultValue);
    }

    private boolean bool(ObjectNode node, String path, String name, boolean defaultValue)
    {
        Node value = optional(node, name);
        if (value == null) {
            return defaultValue;
        }
        if (value instanceof ScalarNode(Boolean bool, var token, var position)) {
            return bool;
        }
        throw error(value, "'" + name + "' in " + path + " must be true or false, not " + describe(value));
    }

    private <E extends Enum<E>> Set<E> enumSet(ObjectNode node, RuleSource src, String name, Class<E> type)
    {
        Node value = required(node, src, name);
        if (!(value instanceof ArrayNode array)) {
            throw error(value, "'" + name + "' in " + src.label() + " must be a JSON array, not " + describe(value));
        }
        ImmutableSet.Builder<E> result = ImmutableSet.builder();
        for (Node element : array.elements()) {
            String allowed = String.join(", ", java.util.Arrays.stream(type.getEnumConstants()).map(constant -> jsonName(constant)).toList());
            if (!(element instanceof ScalarNode(String text, var token, var position))) {
                throw error(element, "'" + name + "' in " + src.label() + " may contain only " + allowed + ", not " + describe(element));
            }
            E constant = java.util.Arrays.stream(type.getEnumConstants())
                    .filter(candidate -> candidate.name().equalsIgnoreCase(text))
                    .findFirst()
                    .orElseThrow(() -> error(element, "'" + name + "' in " + src.label() + " may contain only " + allowed + ", not \"" + text + "\""));
            result.add(constant);
        }
        return result.build();
    }

    private static String jsonName(Enum<?> constant)
    {
        return constant instanceof QueryAccess || constant instanceof SystemInformationAccess ? constant.name().toLowerCase(Locale.ENGLISH) : constant.name();
    }

    private ObjectNode requireObject(Node node, String what)
    {
        if (node instanceof ObjectNode object) {
            return object;
        }
        throw error(node, what + " must be a JSON object, not " + describe(node));
    }

    private static boolean isNull(Node node)
    {
        return node instanceof ScalarNode scalar && scalar.value() == null;
    }

    private static String describe(Node node)
    {
        return switch (node) {
            case ObjectNode object -> "an object";
            case ArrayNode array -> "an array";
            case ScalarNode(String text, var token, var position) -> "the string \"" + text + "\"";
            case ScalarNode(Boolean bool, var token, var position) -> bool.toString();
            case ScalarNode(Number number, var token, var position) -> "the number " + number;
            case ScalarNode scalar -> "null";
        };
    }

    private RulesException error(Node node, String problem)
    {
        return new RulesException(fileName, node.position(), problem);
    }
}
