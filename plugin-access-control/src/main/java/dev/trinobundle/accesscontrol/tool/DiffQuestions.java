package dev.trinobundle.accesscontrol.tool;

import dev.trinobundle.accesscontrol.rules.Operation;
import dev.trinobundle.accesscontrol.rules.RuleIdentity;
import dev.trinobundle.accesscontrol.rules.Target;
import dev.trinobundle.accesscontrol.tool.Question.FilterKind;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Every question of {@link Operation} and {@link Question.FilterKind} a diff asks for one identity over a {@link Universe}. */
final class DiffQuestions
{
    /** A question and who asks it: {@code identity} is what the decision reads (see {@link Question}). */
    record Asked(String who, String by, RuleIdentity identity, Question question) {}

    private final Universe universe;
    private final RuleIdentity identity;
    private final String who;
    private final List<Asked> asked = new ArrayList<>();

    private DiffQuestions(Universe universe, RuleIdentity identity)
    {
        this.universe = universe;
        this.identity = identity;
        this.who = TestCase.display(identity);
    }

    static List<Asked> of(Universe universe, RuleIdentity identity)
    {
        DiffQuestions questions = new DiffQuestions(universe, identity);
        questions.all();
        return questions.asked;
    }

    private void ask(Question question)
    {
        asked.add(new Asked(who, null, identity, question));
    }

    private void check(Operation operation, Target target)
    {
        ask(new Question.Check(operation, target));
    }

    private void all()
    {
        for (String user : universe.users()) {
            if (!user.equals(identity.user())) {
                // this identity as the original user impersonating each user (Trino asks only when they differ)
                asked.add(new Asked(user, who, identity, new Question.Check(Operation.IMPERSONATE_USER, Target.name(user))));
                asked.add(new Asked(user, "principal " + identity.user(), RuleIdentity.ofUser(identity.user()), new Question.Check(Operation.SET_USER, Target.name(user))));
            }
            check(Operation.VIEW_QUERY_OWNED_BY, Target.name(user));
            check(Operation.KILL_QUERY_OWNED_BY, Target.name(user));
        }
        ask(new Question.Filter(FilterKind.FILTER_VIEW_QUERY_OWNED_BY, null, universe.users()));
        for (Operation operation : List.of(Operation.EXECUTE_QUERY, Operation.READ_SYSTEM_INFORMATION, Operation.WRITE_SYSTEM_INFORMATION)) {
            check(operation, Target.NONE);
        }
        for (String property : universe.systemProperties()) {
            check(Operation.SET_SYSTEM_SESSION_PROPERTY, Target.name(property));
        }
        for (Target property : universe.catalogProperties()) {
            check(Operation.SET_CATALOG_SESSION_PROPERTY, property);
        }
        ask(new Question.Filter(FilterKind.FILTER_CATALOGS, null, universe.catalogs()));
        for (String catalog : universe.catalogs()) {
            catalog(catalog);
        }
        for (Target schema : universe.schemas()) {
            schema(schema);
        }
        for (Target table : universe.tables()) {
            table(table);
        }
        for (Target function : universe.functions()) {
            for (Operation operation : operations(Operation.Kind.FUNCTION)) {
                check(operation, function);
            }
        }
        for (Target procedure : universe.procedures()) {
            check(Operation.EXECUTE_PROCEDURE, procedure);
        }
    }

    private void catalog(String catalog)
    {
        for (Operation operation : operations(Operation.Kind.CATALOG)) {
            check(operation, Target.catalog(catalog));
        }
        Target scope = Target.catalog(catalog);
        ask(new Question.Filter(FilterKind.FILTER_SCHEMAS, scope, universe.schemas().stream().filter(schema -> schema.catalog().equals(catalog)).map(Target::schema).toList()));
        ask(new Question.Filter(FilterKind.FILTER_TABLES, scope, universe.tables().stream().filter(table -> table.catalog().equals(catalog)).map(DiffQuestions::inSchema).toList()));
        ask(new Question.Filter(FilterKind.FILTER_FUNCTIONS, scope, universe.functions().stream().filter(function -> function.catalog().equals(catalog)).map(DiffQuestions::inSchema).toList()));
    }

    private void schema(Target schema)
    {
        for (Operation operation : operations(Operation.Kind.SCHEMA)) {
            switch (operation.extra()) {
                case NONE -> check(operation, schema);
                case NEW_NAME -> check(operation, schema.withNewName(Target.schema(schema.catalog(), Universe.SOME_SCHEMA)));
                case NEW_OWNER -> newOwners(operation, schema);
                case COLUMNS -> throw new IllegalStateException(operation.checkName());
            }
        }
    }

    private void table(Target table)
    {
        Target plain = Target.object(table.catalog(), table.schema(), table.name());
        for (Operation operation : operations(Operation.Kind.TABLE)) {
            switch (operation.extra()) {
                case NONE -> check(operation, plain);
                case NEW_NAME -> check(operation, plain.withNewName(Target.object(table.catalog(), Universe.SOME_SCHEMA, Universe.SOME_TABLE)));
                case NEW_OWNER -> newOwners(operation, plain);
                case COLUMNS -> {
                    // the whole table, then each column a rule restricts or masks on its own
                    check(operation, plain);
                    for (String column : table.columns()) {
                        check(operation, plain.withColumns(Set.of(column)));
                    }
                }
            }
        }
        ask(new Question.Filter(FilterKind.FILTER_COLUMNS, plain, List.copyOf(table.columns().isEmpty() ? Set.of(Universe.SOME_COLUMN) : table.columns())));
        ask(new Question.Masking(plain, null));
        for (String column : table.columns()) {
            ask(new Question.Masking(plain, column));
        }
    }

    private void newOwners(Operation operation, Target target)
    {
        for (String user : universe.users()) {
            check(operation, target.withNewOwner(new Target.Owner(user, false)));
        }
        for (String role : universe.roles()) {
            check(operation, target.withNewOwner(new Target.Owner(role, true)));
        }
    }

    private static List<Operation> operations(Operation.Kind kind)
    {
        return java.util.Arrays.stream(Operation.values()).filter(operation -> operation.kind() == kind).toList();
    }

    private static String inSchema(Target object)
    {
        return object.schema() + "." + object.name();
    }
}
