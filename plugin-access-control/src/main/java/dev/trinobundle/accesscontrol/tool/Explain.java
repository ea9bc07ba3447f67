package dev.trinobundle.accesscontrol.tool;

import dev.trinobundle.accesscontrol.rules.CatalogAccess;
import dev.trinobundle.accesscontrol.rules.Decision;
import dev.trinobundle.accesscontrol.rules.RoutineRule;
import dev.trinobundle.accesscontrol.rules.RuleIdentity;
import dev.trinobundle.accesscontrol.rules.RuleSet;
import dev.trinobundle.accesscontrol.rules.RulesException;
import dev.trinobundle.accesscontrol.rules.RulesParser;
import dev.trinobundle.accesscontrol.rules.SystemInformationAccess;
import dev.trinobundle.accesscontrol.rules.TablePrivilege;
import dev.trinobundle.accesscontrol.tool.Arguments.UsageException;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** {@code RulesTool explain}: one decision and the rule (index and text) that made it. */
public final class Explain
{
    public static final String USAGE = """
            RulesTool explain <rules.json> [--json-pointer <pointer>] [--group <group>]... [--role <role>]... <user> <action> [<object>]
              actions:
                impersonate <user>                           may <user> run queries as <user>
                select|insert|delete|update|ownership <catalog.schema.table> [--columns a,b]
                access <catalog>                             read-only access to the catalog
                execute-function|execute-procedure <catalog.schema.name>
                set-session-property <property> | <catalog>.<property>
                read-system-information | write-system-information""";

    static final String STALE_TEXT = """
            No decision: the file is invalid. A Trino that loaded it before and re-reads it (security.refresh-period) keeps \
            enforcing the rules it loaded last (security.on-invalid-rules=keep-last, the default) or denies every check \
            (deny-all) until it is fixed; its denials and the JMX attributes Stale, StaleSince and LastError of \
            dev.trinobundle.accesscontrol:type=RulesAccessControl name this error.""";

    private Explain() {}

    /** {@code args} after {@code explain}; exit code 0 allowed, 1 denied or invalid file. */
    public static int run(List<String> args, PrintStream out, PrintStream err)
    {
        if (args.isEmpty()) {
            throw new UsageException("explain takes the rules file, a user and an action");
        }
        List<String> positional = new ArrayList<>();
        Set<String> groups = new LinkedHashSet<>();
        Set<String> roles = new LinkedHashSet<>();
        Set<String> columns = new LinkedHashSet<>();
        String jsonPointer = "";
        for (int i = 1; i < args.size(); i++) {
            String argument = args.get(i);
            if (!argument.startsWith("--")) {
                positional.add(argument);
                continue;
            }
            if (i + 1 >= args.size()) {
                throw new UsageException("missing value for " + argument);
            }
            String value = args.get(++i);
            switch (argument) {
                case "--json-pointer" -> jsonPointer = value;
                case "--group" -> groups.add(value);
                case "--role" -> roles.add(value);
                case "--columns" -> columns.addAll(List.of(value.split(",")));
                default -> throw new UsageException("unknown option " + argument);
            }
        }
        RuleSet rules;
        try {
            rules = RulesParser.parse(Path.of(args.getFirst()), jsonPointer);
        }
        catch (RulesException e) {
            err.println(e.getMessage());
            // the question cannot be answered from this file; say what a running Trino does instead
            err.println(STALE_TEXT);
            return 1;
        }
        return explain(rules, positional, new RuleIdentity(positional.isEmpty() ? "" : positional.get(0), roles, groups), columns, out);
    }

    private static int explain(RuleSet rules, List<String> positional, RuleIdentity identity, Set<String> columns, PrintStream out)
    {
        if (positional.size() < 2) {
            throw new UsageException("explain takes a user and an action");
        }
        String action = positional.get(1);
        String object = positional.size() > 2 ? positional.get(2) : null;
        boolean needsObject = !action.endsWith("-system-information");
        if (needsObject != (object != null) || positional.size() > 3) {
            throw new UsageException(action + (needsObject ? " takes one object" : " takes no object"));
        }
        Decision decision;
        try {
            decision = switch (action) {
                case "impersonate" -> rules.impersonation(identity, object);
                case "select" -> {
                    String[] name = parts(object, 3);
                    yield rules.selectColumns(identity, name[0], name[1], name[2], columns, CatalogAccess.READ_ONLY);
                }
                case "insert", "delete", "update", "ownership" -> {
                    String[] name = parts(object, 3);
                    yield rules.tablePermission(identity, name[0], name[1], name[2], TablePrivilege.valueOf(action.toUpperCase(java.util.Locale.ENGLISH)));
                }
                case "access" -> rules.catalogAccess(identity, object, CatalogAccess.READ_ONLY);
                case "execute-function" -> {
                    String[] name = parts(object, 3);
                    yield rules.function(identity, name[0], name[1], name[2], RoutineRule::canExecute);
                }
                case "execute-procedure" -> {
                    String[] name = parts(object, 3);
                    yield rules.procedure(identity, name[0], name[1], name[2]);
                }
                case "set-session-property" -> {
                    int dot = object.indexOf('.');
                    yield dot < 0 ? rules.systemSessionProperty(identity, object) : rules.catalogSessionProperty(identity, object.substring(0, dot), object.substring(dot + 1));
                }
                case "read-system-information" -> rules.systemInformation(identity, SystemInformationAccess.READ);
                case "write-system-information" -> rules.systemInformation(identity, SystemInformationAccess.WRITE);
                default -> throw new IllegalArgumentException("unknown action '" + action + "'");
            };
        }
        catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }

        String question = identity.user() + (identity.groups().isEmpty() ? "" : " (groups " + identity.groups() + ")")
                + (identity.roles().isEmpty() ? "" : " (roles " + identity.roles() + ")")
                + " " + action + (object == null ? "" : " " + object) + (columns.isEmpty() ? "" : " columns " + columns);
        out.println((decision.allowed() ? "ALLOW: " : "DENY: ") + question);
        if (decision.rule() != null) {
            out.println("decided by rule " + decision.rule().source().label() + ": " + decision.rule().source().text());
        }
        else {
            out.println("decided by: " + decision.reason());
        }
        return decision.allowed() ? 0 : 1;
    }

    private static String[] parts(String name, int count)
    {
        String[] parts = name.split("\\.", -1);
        if (parts.length != count) {
            throw new IllegalArgumentException("'" + name + "' must have " + count + " dot-separated parts (catalog.schema.name)");
        }
        return parts;
    }
}
