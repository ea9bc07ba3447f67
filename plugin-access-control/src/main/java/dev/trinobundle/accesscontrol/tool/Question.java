package dev.trinobundle.accesscontrol.tool;

import dev.trinobundle.accesscontrol.rules.Decision;
import dev.trinobundle.accesscontrol.rules.IdentityRules.CatalogScope;
import dev.trinobundle.accesscontrol.rules.MatchBudget;
import dev.trinobundle.accesscontrol.rules.MatchBudgetExceededException;
import dev.trinobundle.accesscontrol.rules.Operation;
import dev.trinobundle.accesscontrol.rules.RuleIdentity;
import dev.trinobundle.accesscontrol.rules.RuleSet;
import dev.trinobundle.accesscontrol.rules.TableRule;
import dev.trinobundle.accesscontrol.rules.Target;
import dev.trinobundle.accesscontrol.rules.Visibility;

import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * One question to the rules, answered by the plugin's own decision code ({@link Operation} for checks,
 * {@link Visibility} for filters, row filters and masks), as Trino would ask it: what a test case checks and what a
 * diff compares. The identity passed to {@link #ask} is the one Trino passes: for {@code ImpersonateUser} the
 * original user, for {@code SetUser} the principal (null for none).
 */
sealed interface Question
{
    Answer ask(RuleSet rules, RuleIdentity identity);

    /** {@code SelectFromColumns}: the SPI method name without {@code checkCan}/{@code can}/{@code get}. */
    String checkName();

    /** {@code hive.sales.orders columns [id]}, or empty. */
    String object();

    /** {@code SelectFromColumns hive.sales.orders columns [id]}, for output. */
    default String describe()
    {
        return object().isEmpty() ? checkName() : checkName() + " " + object();
    }

    record Check(Operation operation, Target target)
            implements Question
    {
        public Check
        {
            requireNonNull(operation, "operation is null");
            requireNonNull(target, "target is null");
        }

        @Override
        public Answer ask(RuleSet rules, RuleIdentity identity)
        {
            return new Answer.Checked(operation.decide(rules, identity, target));
        }

        @Override
        public String checkName()
        {
            return operation.checkName();
        }

        @Override
        public String object()
        {
            StringBuilder text = new StringBuilder();
            if (operation.kind() != Operation.Kind.NONE && operation != Operation.IMPERSONATE_USER && operation != Operation.SET_USER) {
                text.append(target.qualifiedName());
            }
            if (!target.columns().isEmpty()) {
                text.append(" columns ").append(target.columns());
            }
            if (target.newName() != null) {
                text.append(" to ").append(target.newName().qualifiedName());
            }
            if (target.newOwner() != null) {
                text.append(" to ").append(target.newOwner());
            }
            return text.toString().strip();
        }
    }

    /** The list filters; {@code scope} is the catalog, or the table of {@code FilterColumns}, or null. */
    enum FilterKind
    {
        FILTER_CATALOGS("FilterCatalogs", "catalogs"),
        FILTER_SCHEMAS("FilterSchemas", "schemas"),
        FILTER_TABLES("FilterTables", "tables"),
        FILTER_COLUMNS("FilterColumns", "columns"),
        FILTER_FUNCTIONS("FilterFunctions", "functions"),
        FILTER_VIEW_QUERY_OWNED_BY("FilterViewQueryOwnedBy", "query_owners");

        private final String checkName;
        private final String elementsField;

        FilterKind(String checkName, String elementsField)
        {
            this.checkName = checkName;
            this.elementsField = elementsField;
        }

        String checkName()
        {
            return checkName;
        }

        /** The test-file field holding the names to filter. */
        String elementsField()
        {
            return elementsField;
        }

        static Optional<FilterKind> byName(String name)
        {
            return Arrays.stream(values()).filter(kind -> kind.checkName.equals(name)).findFirst();
        }
    }

    /**
     * A filter over names: catalogs, schemas, {@code schema.table}, column names, {@code schema.function} or users.
     * {@code scope} is the catalog ({@code FilterSchemas}, {@code FilterTables}, {@code FilterFunctions}), the table
     * ({@code FilterColumns}) or null.
     */
    record Filter(FilterKind kind, Target scope, List<String> elements)
            implements Question
    {
        public Filter
        {
            requireNonNull(kind, "kind is null");
            elements = List.copyOf(elements);
        }

        @Override
        public Answer ask(RuleSet rules, RuleIdentity identity)
        {
            try {
                Collection<String> visible = switch (kind) {
                    case FILTER_CATALOGS -> Visibility.catalogs(rules.forIdentity(identity), elements, Visibility.Hidden.IGNORE);
                    case FILTER_SCHEMAS -> Visibility.schemas(scope(rules, identity), elements, Visibility.Hidden.IGNORE);
                    case FILTER_TABLES -> Visibility.tables(scope(rules, identity), elements, Filter::first, Filter::second, name -> name, Visibility.Hidden.IGNORE);
                    case FILTER_FUNCTIONS -> Visibility.functions(scope(rules, identity), elements, Filter::first, Filter::second, name -> name, Visibility.Hidden.IGNORE);
                    case FILTER_COLUMNS -> Visibility.columns(scope(rules, identity), scope.schema(), scope.name(), scope.qualifiedName(), Set.copyOf(elements), Visibility.Hidden.IGNORE);
                    case FILTER_VIEW_QUERY_OWNED_BY -> Visibility.queryOwners(rules, identity, elements, user -> user, Visibility.Hidden.IGNORE);
                };
                // in the order given, as a reviewer wrote them
                return new Answer.Filtered(elements.stream().filter(visible::contains).distinct().toList(), Optional.empty());
            }
            catch (MatchBudgetExceededException e) {
                // the identity's or catalog's part gave up: Trino denies the whole filter
                return new Answer.Filtered(List.of(), Optional.of(e.getMessage()));
            }
        }

        private CatalogScope scope(RuleSet rules, RuleIdentity identity)
        {
            return rules.forIdentity(identity).forCatalog(scope.catalog(), MatchBudget.forDecision());
        }

        /** {@code schema} of {@code schema.name}; the test file parser checks there is exactly one dot. */
        private static String first(String name)
        {
            return name.substring(0, name.indexOf('.'));
        }

        private static String second(String name)
        {
            return name.substring(name.indexOf('.') + 1);
        }

        @Override
        public String checkName()
        {
            return kind.checkName();
        }

        @Override
        public String object()
        {
            return (scope == null ? "" : scope.qualifiedName() + " ") + elements;
        }
    }

    /** {@code GetRowFilters} of a table, or {@code GetColumnMask} of one of its columns ({@code column} non-null). */
    record Masking(Target table, String column)
            implements Question
    {
        public Masking
        {
            requireNonNull(table, "table is null");
        }

        @Override
        public String checkName()
        {
            return column == null ? "GetRowFilters" : "GetColumnMask";
        }

        @Override
        public Answer ask(RuleSet rules, RuleIdentity identity)
        {
            Optional<TableRule> rule;
            try {
                rule = Visibility.maskingRule(rules, identity, table.catalog(), table.schema(), table.name());
            }
            catch (MatchBudgetExceededException e) {
                // Trino denies the query rather than run it unmasked
                return new Answer.Checked(new Decision(false, "regex budget", null, e.getMessage()));
            }
            return new Answer.Masked(column == null ? Visibility.rowFilter(rule) : Visibility.columnMask(rule, column), rule);
        }

        @Override
        public String object()
        {
            return table.qualifiedName() + (column == null ? "" : " column " + column);
        }
    }
}
