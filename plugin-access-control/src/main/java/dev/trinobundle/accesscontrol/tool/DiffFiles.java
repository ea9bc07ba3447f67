package dev.trinobundle.accesscontrol.tool;

import dev.trinobundle.accesscontrol.rules.JsonTree.Node;
import dev.trinobundle.accesscontrol.rules.JsonTree.ObjectNode;
import dev.trinobundle.accesscontrol.rules.RuleIdentity;
import dev.trinobundle.accesscontrol.rules.Target;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The {@code --identities} and {@code --objects} files of {@code RulesTool diff}, JSON or YAML:
 * <pre>
 * identities:
 *   - user: alice@company.com
 *     groups: [analysts]
 *   - user: admin
 *
 * catalogs: [hive, system]
 * schemas: [hive.sales]
 * tables: [hive.sales.orders, {name: hive.hr.salaries, columns: [ssn]}]
 * functions: [system.builtin.abs]
 * procedures: [system.runtime.kill_query]
 * system_session_properties: [query_max_memory]
 * catalog_session_properties: [hive.compression_codec]
 * </pre>
 */
final class DiffFiles
{
    private DiffFiles() {}

    static List<RuleIdentity> identities(Path path)
    {
        InputFile file = InputFile.read("identities file", path);
        ObjectNode root = file.rootObject("with an 'identities' list");
        file.checkFields(root, "the identities file", List.of("identities"));
        List<RuleIdentity> identities = new ArrayList<>();
        List<Node> elements = file.list(file.required(root, "the identities file", "identities", "a list of {user, groups, roles}"), "'identities'", "of {user, groups, roles}");
        for (int i = 0; i < elements.size(); i++) {
            String where = "identities[" + i + "]";
            ObjectNode identity = file.object(elements.get(i), where, "{user, groups, roles}");
            file.checkFields(identity, where, List.of("user", "groups", "roles"));
            String user = file.string(file.required(identity, where, "user", "the user name"), where, "user");
            identities.add(new RuleIdentity(user, Set.copyOf(file.optionalStrings(identity, where, "roles")), Set.copyOf(file.optionalStrings(identity, where, "groups"))));
        }
        if (identities.isEmpty()) {
            throw file.error((Node) root, "the identities file lists no identity");
        }
        return identities;
    }

    static Universe objects(Path path)
    {
        InputFile file = InputFile.read("objects file", path);
        ObjectNode root = file.rootObject("with lists of catalogs, schemas, tables, functions, procedures and session properties");
        List<String> fields = List.of("catalogs", "schemas", "tables", "functions", "procedures", "system_session_properties", "catalog_session_properties");
        file.checkFields(root, "the objects file", fields);
        List<String> catalogs = new ArrayList<>();
        List<Target> schemas = new ArrayList<>();
        List<Target> tables = new ArrayList<>();
        List<Target> functions = new ArrayList<>();
        List<Target> procedures = new ArrayList<>();
        List<Target> catalogProperties = new ArrayList<>();
        for (Node element : list(file, root, "catalogs")) {
            catalogs.add(Names.split(file, element, "the objects file", "catalogs", 1)[0]);
        }
        for (Node element : list(file, root, "schemas")) {
            String[] name = Names.split(file, element, "the objects file", "schemas", 2);
            schemas.add(Target.schema(name[0], name[1]));
        }
        for (Node element : list(file, root, "tables")) {
            tables.add(table(file, element));
        }
        for (Node element : list(file, root, "functions")) {
            String[] name = Names.split(file, element, "the objects file", "functions", 3);
            functions.add(Target.object(name[0], name[1], name[2]));
        }
        for (Node element : list(file, root, "procedures")) {
            String[] name = Names.split(file, element, "the objects file", "procedures", 3);
            procedures.add(Target.object(name[0], name[1], name[2]));
        }
        for (Node element : list(file, root, "catalog_session_properties")) {
            String[] name = Names.split(file, element, "the objects file", "catalog_session_properties", 2);
            catalogProperties.add(Target.catalogProperty(name[0], name[1]));
        }
        List<String> systemProperties = file.optionalStrings(root, "the objects file", "system_session_properties");
        return Universe.ofObjects(catalogs, schemas, tables, functions, procedures, systemProperties, catalogProperties);
    }

    private static List<Node> list(InputFile file, ObjectNode root, String field)
    {
        Node value = InputFile.optional(root, field);
        return value == null ? List.of() : file.list(value, "'" + field + "' in the objects file", "of names");
    }

    private static Target table(InputFile file, Node element)
    {
        if (element instanceof ObjectNode object) {
            file.checkFields(object, "a table of the objects file", List.of("name", "columns"));
            String[] name = Names.split(file, file.required(object, "a table of the objects file", "name", "CATALOG.SCHEMA.TABLE"), "the objects file", "name", 3);
            return Target.object(name[0], name[1], name[2]).withColumns(Set.copyOf(file.optionalStrings(object, "a table of the objects file", "columns")));
        }
        String[] name = Names.split(file, element, "the objects file", "tables", 3);
        return Target.object(name[0], name[1], name[2]);
    }
}
