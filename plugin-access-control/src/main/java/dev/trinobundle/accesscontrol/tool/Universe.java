package dev.trinobundle.accesscontrol.tool;

import dev.trinobundle.accesscontrol.rules.JsonTree.ArrayNode;
import dev.trinobundle.accesscontrol.rules.JsonTree.Field;
import dev.trinobundle.accesscontrol.rules.JsonTree.Node;
import dev.trinobundle.accesscontrol.rules.JsonTree.ObjectNode;
import dev.trinobundle.accesscontrol.rules.JsonTree.ScalarNode;
import dev.trinobundle.accesscontrol.rules.MatchBudget;
import dev.trinobundle.accesscontrol.rules.MatchBudgetExceededException;
import dev.trinobundle.accesscontrol.rules.RuleIdentity;
import dev.trinobundle.accesscontrol.rules.Target;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a diff asks about: identities, the users and roles they can impersonate or give ownership to, and objects.
 * Without {@code --identities}/{@code --objects} they are derived from both rules files: examples of every regex
 * ({@link Examples}) of each kind, the catalog × schema × name combinations each rule names, and a placeholder per
 * kind ({@code someone}, {@code some_catalog}, ...) that stands for the names no rule mentions.
 */
record Universe(
        List<RuleIdentity> identities,
        List<String> users,
        List<String> roles,
        List<String> catalogs,
        List<Target> schemas,
        List<Target> tables,
        List<Target> functions,
        List<Target> procedures,
        List<String> systemProperties,
        List<Target> catalogProperties)
{
    static final String SOMEONE = "someone";
    static final String SOME_GROUP = "some_group";
    static final String SOME_ROLE = "some_role";
    static final String SOME_CATALOG = "some_catalog";
    static final String SOME_SCHEMA = "some_schema";
    static final String SOME_TABLE = "some_table";
    static final String SOME_COLUMN = "some_column";
    static final String SOME_FUNCTION = "some_function";
    static final String SOME_PROCEDURE = "some_procedure";
    static final String SOME_PROPERTY = "some_property";

    /** Table targets carry the column names the table rules matching them mention (masks, restricted columns). */
    static Universe derive(List<ObjectNode> rulesFiles)
    {
        Collector collector = new Collector();
        for (ObjectNode rules : rulesFiles) {
            for (Field section : rules.fields().values()) {
                if (section.value() instanceof ArrayNode array) {
                    for (Node rule : array.elements()) {
                        if (rule instanceof ObjectNode object) {
                            collector.rule(section.name(), object);
                        }
                    }
                }
            }
        }
        return collector.universe();
    }

    private static final class Collector
    {
        private final Set<String> users = new LinkedHashSet<>(List.of(SOMEONE));
        private final Set<String> groups = new LinkedHashSet<>();
        private final Set<String> roles = new LinkedHashSet<>();
        private final Set<String> catalogs = new LinkedHashSet<>(List.of("system", SOME_CATALOG));
        private final Set<Target> schemas = new LinkedHashSet<>();
        private final Set<Target> tables = new LinkedHashSet<>();
        private final Set<Target> functions = new LinkedHashSet<>(List.of(Target.object("system", "builtin", SOME_FUNCTION)));
        private final Set<Target> procedures = new LinkedHashSet<>(List.of(Target.object("system", "builtin", SOME_PROCEDURE)));
        private final Set<String> systemProperties = new LinkedHashSet<>(List.of(SOME_PROPERTY));
        private final Set<Target> catalogProperties = new LinkedHashSet<>();
        private final List<TableColumns> tableColumns = new ArrayList<>();

        private record TableColumns(Pattern catalog, Pattern schema, Pattern table, List<String> columns) {}

        void rule(String section, ObjectNode rule)
        {
            for (String field : List.of("user", "original_user", "originalUser", "new_user", "newUser", "queryOwner", "principal")) {
                users.addAll(examples(rule, field, SOMEONE));
            }
            for (String field : List.of("group", "original_group", "originalGroup")) {
                groups.addAll(examples(rule, field, SOME_GROUP));
            }
            for (String field : List.of("role", "original_role", "originalRole", "new_role", "newRole")) {
                roles.addAll(examples(rule, field, SOME_ROLE));
            }
            List<String> ruleCatalogs = examplesOrPlaceholder(rule, "catalog", SOME_CATALOG);
            List<String> ruleSchemas = examplesOrPlaceholder(rule, "schema", SOME_SCHEMA);
            switch (section) {
                case "catalogs" -> catalogs.addAll(ruleCatalogs);
                case "schemas" -> combine(ruleCatalogs, ruleSchemas, List.of(), schemas);
                case "tables" -> {
                    combine(ruleCatalogs, ruleSchemas, examplesOrPlaceholder(rule, "table", SOME_TABLE), tables);
                    List<String> columns = columnNames(rule);
                    if (!columns.isEmpty()) {
                        tableColumns.add(new TableColumns(regex(rule, "catalog"), regex(rule, "schema"), regex(rule, "table"), columns));
                    }
                }
                case "functions" -> combine(ruleCatalogs, ruleSchemas, examplesOrPlaceholder(rule, "function", SOME_FUNCTION), functions);
                case "procedures" -> combine(ruleCatalogs, ruleSchemas, examplesOrPlaceholder(rule, "procedure", SOME_PROCEDURE), procedures);
                case "system_session_properties" -> systemProperties.addAll(examplesOrPlaceholder(rule, "property", SOME_PROPERTY));
                case "catalog_session_properties" -> {
                    for (String catalog : ruleCatalogs) {
                        for (String property : examplesOrPlaceholder(rule, "property", SOME_PROPERTY)) {
                            catalogProperties.add(Target.catalogProperty(catalog, property));
                        }
                    }
                }
                default -> {}
            }
        }

        private void combine(List<String> catalogNames, List<String> schemaNames, List<String> names, Set<Target> into)
        {
            for (String catalog : catalogNames) {
                catalogs.add(catalog);
                for (String schema : schemaNames) {
                    schemas.add(Target.schema(catalog, schema));
                    for (String name : names) {
                        into.add(Target.object(catalog, schema, name));
                    }
                }
            }
        }

        Universe universe()
        {
            // every catalog and schema also stands for the names no rule mentions inside it
            for (String catalog : catalogs) {
                schemas.add(Target.schema(catalog, SOME_SCHEMA));
                catalogProperties.add(Target.catalogProperty(catalog, SOME_PROPERTY));
            }
            for (Target schema : List.copyOf(schemas)) {
                tables.add(Target.object(schema.catalog(), schema.schema(), SOME_TABLE));
            }
            List<Target> withColumns = tables.stream().map(table -> table.withColumns(columnsOf(table))).toList();
            List<RuleIdentity> identities = identities(users, groups, roles);
            List<String> ownerRoles = roles.isEmpty() ? List.of(SOME_ROLE) : List.copyOf(roles);
            return new Universe(identities, List.copyOf(users), ownerRoles, List.copyOf(catalogs), List.copyOf(schemas), withColumns,
                    List.copyOf(functions), List.copyOf(procedures), List.copyOf(systemProperties), List.copyOf(catalogProperties));
        }

        private Set<String> columnsOf(Target table)
        {
            Set<String> columns = new LinkedHashSet<>();
            for (TableColumns rule : tableColumns) {
                try {
                    MatchBudget budget = MatchBudget.forDecision();
                    if (budget.matches(rule.catalog(), table.catalog()) && budget.matches(rule.schema(), table.schema()) && budget.matches(rule.table(), table.name())) {
                        columns.addAll(rule.columns());
                    }
                }
                catch (MatchBudgetExceededException e) {
                    // a name this rule is slow on: its columns are not asked about for this table
                }
            }
            return columns;
        }
    }

    /** Each user alone, and with each group and each role the rules mention. */
    static List<RuleIdentity> identities(Set<String> users, Set<String> groups, Set<String> roles)
    {
        List<RuleIdentity> identities = new ArrayList<>();
        for (String user : users) {
            identities.add(RuleIdentity.ofUser(user));
            for (String group : groups) {
                identities.add(new RuleIdentity(user, Set.of(), Set.of(group)));
            }
            for (String role : roles) {
                identities.add(new RuleIdentity(user, Set.of(role), Set.of()));
            }
        }
        return identities;
    }

    private static List<String> examples(ObjectNode rule, String field, String filler)
    {
        Field value = rule.fields().get(field);
        if (value == null || !(value.value() instanceof ScalarNode(String regex, var token, var position))) {
            return List.of();
        }
        if (field.startsWith("new") && regex.matches(".*(?<!\\\\)\\$(\\d|\\{).*")) {
            // an impersonation new_user with references to original_user's groups is no fixed set of users
            return List.of();
        }
        return Examples.of(regex, filler);
    }

    /** Examples of the field's regex; the placeholder when the rule has no such condition (it matches any name). */
    private static List<String> examplesOrPlaceholder(ObjectNode rule, String field, String placeholder)
    {
        if (!rule.fields().containsKey(field)) {
            return List.of(placeholder);
        }
        return examples(rule, field, placeholder);
    }

    private static Pattern regex(ObjectNode rule, String field)
    {
        Field value = rule.fields().get(field);
        return value != null && value.value() instanceof ScalarNode(String regex, var token, var position) ? Pattern.compile(regex) : null;
    }

    private static List<String> columnNames(ObjectNode rule)
    {
        List<String> names = new ArrayList<>();
        if (rule.fields().get("columns") != null && rule.fields().get("columns").value() instanceof ArrayNode columns) {
            for (Node column : columns.elements()) {
                if (column instanceof ObjectNode object && object.fields().get("name") != null
                        && object.fields().get("name").value() instanceof ScalarNode(String name, var token, var position)) {
                    names.add(name);
                }
            }
        }
        return names;
    }

    /** The same universe with these identities; their users and roles become the impersonation targets and new owners. */
    Universe withIdentities(List<RuleIdentity> given)
    {
        Set<String> givenUsers = new LinkedHashSet<>();
        Set<String> givenRoles = new LinkedHashSet<>();
        for (RuleIdentity identity : given) {
            givenUsers.add(identity.user());
            givenRoles.addAll(identity.roles());
        }
        return new Universe(List.copyOf(given), List.copyOf(givenUsers), givenRoles.isEmpty() ? roles : List.copyOf(givenRoles),
                catalogs, schemas, tables, functions, procedures, systemProperties, catalogProperties);
    }

    /** The same identities with these objects. */
    Universe withObjects(Universe objects)
    {
        return new Universe(identities, users, roles, objects.catalogs, objects.schemas, objects.tables, objects.functions, objects.procedures,
                objects.systemProperties, objects.catalogProperties);
    }

    /** Objects as listed, with the catalogs and schemas they are in added. */
    static Universe ofObjects(List<String> catalogs, List<Target> schemas, List<Target> tables, List<Target> functions, List<Target> procedures,
            List<String> systemProperties, List<Target> catalogProperties)
    {
        Set<String> allCatalogs = new LinkedHashSet<>(catalogs);
        Map<String, Target> allSchemas = new LinkedHashMap<>();
        schemas.forEach(schema -> allSchemas.put(schema.qualifiedName(), schema));
        for (List<Target> objects : List.of(tables, functions, procedures)) {
            for (Target object : objects) {
                Target schema = Target.schema(object.catalog(), object.schema());
                allSchemas.putIfAbsent(schema.qualifiedName(), schema);
            }
        }
        allSchemas.values().forEach(schema -> allCatalogs.add(schema.catalog()));
        catalogProperties.forEach(property -> allCatalogs.add(property.catalog()));
        return new Universe(List.of(), List.of(), List.of(), List.copyOf(allCatalogs), List.copyOf(allSchemas.values()), tables, functions, procedures,
                systemProperties, catalogProperties);
    }
}
