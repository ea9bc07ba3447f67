package dev.trinobundle.accesscontrol;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import dev.trinobundle.accesscontrol.rules.ColumnConstraint;
import dev.trinobundle.accesscontrol.rules.IdentityRules;
import dev.trinobundle.accesscontrol.rules.IdentityRules.CatalogScope;
import dev.trinobundle.accesscontrol.rules.MatchBudget;
import dev.trinobundle.accesscontrol.rules.MatchBudgetExceededException;
import dev.trinobundle.accesscontrol.rules.QueryAccess;
import dev.trinobundle.accesscontrol.rules.RoutineRule;
import dev.trinobundle.accesscontrol.rules.RuleSet;
import dev.trinobundle.accesscontrol.rules.TablePrivilege;
import dev.trinobundle.accesscontrol.rules.TableRule;
import io.trino.spi.TrinoException;
import io.trino.spi.connector.CatalogSchemaTableName;
import io.trino.spi.connector.ColumnSchema;
import io.trino.spi.connector.SchemaTableName;
import io.trino.spi.function.SchemaFunctionName;
import io.trino.spi.security.Identity;
import io.trino.spi.security.ViewExpression;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiPredicate;
import java.util.function.Function;

import static io.trino.spi.StandardErrorCode.INVALID_COLUMN_MASK;

/**
 * The metadata filters, row filters and column masks of {@link RulesSystemAccessControl}, on the rules that apply to
 * one identity: the catalog is evaluated once per call, schema ownership once per schema.
 * <p>
 * Each element of a filter is decided with its own regex budget: an element whose matches give up (a hostile object
 * name) is reported to {@link Hidden} and left out, fail closed for its visibility only, so one crafted name cannot
 * deny a listing to everyone. The identity's and the catalog's part is decided once, before the elements; if that
 * gives up, {@link MatchBudgetExceededException} propagates and the caller denies.
 */
final class RuleFilters
{
    private RuleFilters() {}

    /** An element left out because its matches gave up; {@code element} is client input, to be logged redacted. */
    interface Hidden
    {
        void hidden(String element, MatchBudgetExceededException e);
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

    static Collection<Identity> queryOwners(IdentityRules identityRules, Collection<Identity> queryOwners, Hidden hidden)
    {
        // once per owner: a user with many queries is decided, and if hostile logged, once
        Map<String, Boolean> byOwner = new HashMap<>();
        return visible(queryOwners, (owner, budget) -> byOwner.computeIfAbsent(owner.getUser(), user -> {
            try {
                return identityRules.canAccessQueryOwnedBy(user, QueryAccess.VIEW, budget);
            }
            catch (MatchBudgetExceededException e) {
                hidden.hidden(user, e);
                return false;
            }
        }), Identity::getUser, hidden);
    }

    static Set<String> catalogs(IdentityRules identityRules, Set<String> catalogs, Hidden hidden)
    {
        return visible(catalogs, (catalog, budget) -> identityRules.canSeeCatalog(catalog, budget), catalog -> catalog, hidden);
    }

    static Set<String> schemas(CatalogScope scope, Set<String> schemaNames, Hidden hidden)
    {
        if (!scope.canRead()) {
            return ImmutableSet.of();
        }
        return visible(schemaNames, (schema, budget) -> scope.canSeeSchema(schema, budget), schema -> schema, hidden);
    }

    static Set<SchemaTableName> tables(CatalogScope scope, Set<SchemaTableName> tableNames, Hidden hidden)
    {
        if (!scope.canRead()) {
            // both schema ownership (catalog access "all") and any table privilege (read-only) need read access
            return ImmutableSet.of();
        }
        return visible(tableNames, (table, budget) -> scope.isSchemaOwner(table.getSchemaName(), budget)
                || scope.hasAnyTablePermission(table.getSchemaName(), table.getTableName(), budget), SchemaTableName::toString, hidden);
    }

    static Set<String> columns(CatalogScope scope, SchemaTableName table, Set<String> columns, Hidden hidden)
    {
        // column names are compared as strings; only the table's name goes through regexes
        MatchBudget budget = MatchBudget.forDecision();
        TableRule rule;
        try {
            if (!scope.hasAnyTablePermission(table.getSchemaName(), table.getTableName(), budget)) {
                return ImmutableSet.of();
            }
            if (RuleSet.INFORMATION_SCHEMA.equals(table.getSchemaName())) {
                return columns;
            }
            rule = scope.tableRule(table.getSchemaName(), table.getTableName(), budget);
        }
        catch (MatchBudgetExceededException e) {
            hidden.hidden(table.toString(), e);
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

    static Set<SchemaFunctionName> functions(CatalogScope scope, Set<SchemaFunctionName> functionNames, Hidden hidden)
    {
        if (!scope.canRead()) {
            return ImmutableSet.of();
        }
        return visible(functionNames, (function, budget) -> {
            if (scope.isSchemaOwner(function.getSchemaName(), budget)) {
                return true;
            }
            RoutineRule rule = scope.functionRule(function.getSchemaName(), function.getFunctionName(), budget);
            return rule != null && rule.canExecute();
        }, SchemaFunctionName::toString, hidden);
    }

    /** {@code rule} is the first table rule of the identity for the table, or null. */
    static List<ViewExpression> rowFilters(TableRule rule, CatalogSchemaTableName table)
    {
        if (rule == null || rule.filter().isEmpty()) {
            return ImmutableList.of();
        }
        return ImmutableList.of(viewExpression(rule.filter().get(), rule.filterUser(), table));
    }

    static Map<ColumnSchema, ViewExpression> columnMasks(TableRule rule, CatalogSchemaTableName table, List<ColumnSchema> columns)
    {
        ImmutableMap.Builder<ColumnSchema, ViewExpression> masks = ImmutableMap.builder();
        for (ColumnSchema column : columns) {
            columnMask(rule, table, column.getName()).ifPresent(mask -> masks.put(column, mask));
        }
        try {
            return masks.buildOrThrow();
        }
        catch (IllegalArgumentException e) {
            throw new TrinoException(INVALID_COLUMN_MASK, "Multiple column masks defined for the same column", e);
        }
    }

    static Optional<ViewExpression> columnMask(TableRule rule, CatalogSchemaTableName table, String columnName)
    {
        if (rule == null) {
            return Optional.empty();
        }
        ColumnConstraint constraint = rule.columns().get(columnName);
        if (constraint == null || constraint.mask().isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(viewExpression(constraint.mask().get(), constraint.maskUser(), table));
    }

    private static ViewExpression viewExpression(String expression, Optional<String> user, CatalogSchemaTableName table)
    {
        return ViewExpression.builder()
                .identity(user.orElse(null))
                .catalog(table.getCatalogName())
                .schema(table.getSchemaTableName().getSchemaName())
                .expression(expression)
                .build();
    }
}
