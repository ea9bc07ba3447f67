package dev.trinobundle.accesscontrol.rules;

import com.google.common.collect.ImmutableSet;
import dev.trinobundle.accesscontrol.rules.IdentityRules.CatalogScope;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiPredicate;
import java.util.function.Function;

import static java.util.Objects.requireNonNull;

/**
 * The filters ({@code FilterCatalogs}, {@code FilterSchemas}, {@code FilterTables}, {@code FilterColumns},
 * {@code FilterFunctions}, {@code FilterViewQueryOwnedBy}), row filters and column masks, as Trino's file-based control
 * computes them, on plain names: the access control adapts Trino's types to these, and the {@code RulesTool}
 * subcommands call them directly (see {@link Operation} for the checks).
 * <p>
 * Each element of a filter is decided with its own regex budget: an element whose matches give up (a hostile object
 * name) is reported to {@link Hidden} and left out, fail closed for its visibility only, so one crafted name cannot
 * deny a listing to everyone. The identity's and the catalog's part is decided once, before the elements; if that
 * gives up, {@link MatchBudgetExceededException} propagates and the caller denies.
 */
public final class Visibility
{
    private Visibility() {}

    /** An element left out because its matches gave up; {@code element} is client input, to be logged redacted. */
    public interface Hidden
    {
        Hidden IGNORE = (element, e) -> {};

        void hidden(String element, MatchBudgetExceededException e);
    }

    /** A row filter or column mask expression and the user it runs as ({@code filter_environment}/{@code mask_environment}). */
    public record Expression(String expression, Optional<String> user)
    {
        public Expression
        {
            requireNonNull(expression, "expression is null");
            requireNonNull(user, "user is null");
        }
    }

    private static <T> Set<T> visible(Collection<T> elements, BiPredicate<T, MatchBudget> isVisible, Function<T, String> name, Hidden hidden)
    {
        ImmutableSet.Builder<T> visible = ImmutableSet.builder();
        for (T element : elements) {
            try {
                if (isVisible.test(element, MatchBudget.forDecision())) {
                    visible.add(element);
                }
            }
            catch (MatchBudgetExceededException e) {
                hidden.hidden(name.apply(element), e);
            }
        }
        return visible.build();
    }

    public static <T> Collection<T> queryOwners(RuleSet rules, RuleIdentity identity, Collection<T> queryOwners, Function<T, String> user, Hidden hidden)
    {
        if (!rules.hasQueryRules()) {
            // section 'queries' absent: every query is visible
            return queryOwners;
        }
        IdentityRules identityRules = rules.forIdentity(identity);
        // once per owner: a user with many queries is decided, and if hostile logged, once
        Map<String, Boolean> byOwner = new HashMap<>();
        return visible(queryOwners, (owner, budget) -> byOwner.computeIfAbsent(user.apply(owner), name -> {
            try {
                return identityRules.canAccessQueryOwnedBy(name, QueryAccess.VIEW, budget);
            }
            catch (MatchBudgetExceededException e) {
                hidden.hidden(name, e);
                return false;
            }
        }), user, hidden);
    }

    public static Set<String> catalogs(IdentityRules identityRules, Collection<String> catalogs, Hidden hidden)
    {
        return visible(catalogs, (catalog, budget) -> identityRules.canSeeCatalog(catalog, budget), catalog -> catalog, hidden);
    }

    public static Set<String> schemas(CatalogScope scope, Collection<String> schemaNames, Hidden hidden)
    {
        if (!scope.canRead()) {
            return ImmutableSet.of();
        }
        return visible(schemaNames, (schema, budget) -> scope.canSeeSchema(schema, budget), schema -> schema, hidden);
    }

    public static <T> Set<T> tables(CatalogScope scope, Collection<T> tables, Function<T, String> schema, Function<T, String> table, Function<T, String> name, Hidden hidden)
    {
        if (!scope.canRead()) {
            // both schema ownership (catalog access "all") and any table privilege (read-only) need read access
            return ImmutableSet.of();
        }
        return visible(tables, (element, budget) -> scope.isSchemaOwner(schema.apply(element), budget)
                || scope.hasAnyTablePermission(schema.apply(element), table.apply(element), budget), name, hidden);
    }

    /** {@code name} is the table's qualified name, for {@link Hidden}. */
    public static Set<String> columns(CatalogScope scope, String schema, String table, String name, Set<String> columns, Hidden hidden)
    {
        // column names are compared as strings; only the table's name goes through regexes
        MatchBudget budget = MatchBudget.forDecision();
        TableRule rule;
        try {
            if (!scope.hasAnyTablePermission(schema, table, budget)) {
                return ImmutableSet.of();
            }
            if (RuleSet.INFORMATION_SCHEMA.equals(schema)) {
                return columns;
            }
            rule = scope.tableRule(schema, table, budget);
        }
        catch (MatchBudgetExceededException e) {
            hidden.hidden(name, e);
            return ImmutableSet.of();
        }
        // Trino: a rule holding any privilege beyond SELECT/GRANT_SELECT shows every column, restricted or not
        for (TablePrivilege privilege : rule.privileges()) {
            if (privilege != TablePrivilege.SELECT && privilege != TablePrivilege.GRANT_SELECT) {
                return columns;
            }
        }
        Set<String> restricted = rule.restrictedColumns();
        ImmutableSet.Builder<String> visible = ImmutableSet.builder();
        for (String column : columns) {
            if (!restricted.contains(column)) {
                visible.add(column);
            }
        }
        return visible.build();
    }

    public static <T> Set<T> functions(CatalogScope scope, Collection<T> functions, Function<T, String> schema, Function<T, String> function, Function<T, String> name, Hidden hidden)
    {
        if (!scope.canRead()) {
            return ImmutableSet.of();
        }
        return visible(functions, (element, budget) -> {
            if (scope.isSchemaOwner(schema.apply(element), budget)) {
                return true;
            }
            RoutineRule rule = scope.functionRule(schema.apply(element), function.apply(element), budget);
            return rule != null && rule.canExecute();
        }, name, hidden);
    }

    /**
     * The table rule whose row filter and column masks apply to the identity, or empty: none matches, or the schema is
     * {@code information_schema} (never filtered or masked, as in Trino). Throws {@link MatchBudgetExceededException}.
     */
    public static Optional<TableRule> maskingRule(RuleSet rules, RuleIdentity identity, String catalog, String schema, String table)
    {
        if (RuleSet.INFORMATION_SCHEMA.equals(schema)) {
            return Optional.empty();
        }
        return Optional.ofNullable(rules.tableRule(identity, catalog, schema, table));
    }

    public static Optional<Expression> rowFilter(Optional<TableRule> rule)
    {
        return rule.flatMap(tableRule -> tableRule.filter().map(filter -> new Expression(filter, tableRule.filterUser())));
    }

    public static Optional<Expression> columnMask(Optional<TableRule> rule, String column)
    {
        return rule.map(tableRule -> tableRule.columns().get(column))
                .flatMap(constraint -> constraint.mask().map(mask -> new Expression(mask, constraint.maskUser())));
    }
}
