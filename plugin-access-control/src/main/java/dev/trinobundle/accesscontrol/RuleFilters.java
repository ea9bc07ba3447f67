package dev.trinobundle.accesscontrol;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import dev.trinobundle.accesscontrol.rules.ColumnConstraint;
import dev.trinobundle.accesscontrol.rules.IdentityRules;
import dev.trinobundle.accesscontrol.rules.IdentityRules.CatalogScope;
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

import static io.trino.spi.StandardErrorCode.INVALID_COLUMN_MASK;

/**
 * The metadata filters, row filters and column masks of {@link RulesSystemAccessControl}, on the rules that apply to
 * one identity: the catalog is evaluated once per call, schema ownership once per schema.
 */
final class RuleFilters
{
    private RuleFilters() {}

    static Collection<Identity> queryOwners(IdentityRules identityRules, Collection<Identity> queryOwners)
    {
        Map<String, Boolean> byOwner = new HashMap<>();
        ImmutableSet.Builder<Identity> visible = ImmutableSet.builder();
        for (Identity owner : queryOwners) {
            if (byOwner.computeIfAbsent(owner.getUser(), user -> identityRules.canAccessQueryOwnedBy(user, QueryAccess.VIEW))) {
                visible.add(owner);
            }
        }
        return visible.build();
    }

    static Set<String> catalogs(IdentityRules identityRules, Set<String> catalogs)
    {
        ImmutableSet.Builder<String> visible = ImmutableSet.builder();
        for (String catalog : catalogs) {
            if (identityRules.canSeeCatalog(catalog)) {
                visible.add(catalog);
            }
        }
        return visible.build();
    }

    static Set<String> schemas(CatalogScope scope, Set<String> schemaNames)
    {
        if (!scope.canRead()) {
            return ImmutableSet.of();
        }
        ImmutableSet.Builder<String> visible = ImmutableSet.builder();
        for (String schema : schemaNames) {
            if (scope.canSeeSchema(schema)) {
                visible.add(schema);
            }
        }
        return visible.build();
    }

    static Set<SchemaTableName> tables(CatalogScope scope, Set<SchemaTableName> tableNames)
    {
        if (!scope.canRead()) {
            // both schema ownership (catalog access "all") and any table privilege (read-only) need read access
            return ImmutableSet.of();
        }
        ImmutableSet.Builder<SchemaTableName> visible = ImmutableSet.builder();
        for (SchemaTableName table : tableNames) {
            if (scope.isSchemaOwner(table.getSchemaName()) || scope.hasAnyTablePermission(table.getSchemaName(), table.getTableName())) {
                visible.add(table);
            }
        }
        return visible.build();
    }

    static Set<String> columns(CatalogScope scope, SchemaTableName table, Set<String> columns)
    {
        if (!scope.hasAnyTablePermission(table.getSchemaName(), table.getTableName())) {
            return ImmutableSet.of();
        }
        if (RuleSet.INFORMATION_SCHEMA.equals(table.getSchemaName())) {
            return columns;
        }
        TableRule rule = scope.tableRule(table.getSchemaName(), table.getTableName());
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

    static Set<SchemaFunctionName> functions(CatalogScope scope, Set<SchemaFunctionName> functionNames)
    {
        if (!scope.canRead()) {
            return ImmutableSet.of();
        }
        ImmutableSet.Builder<SchemaFunctionName> visible = ImmutableSet.builder();
        for (SchemaFunctionName function : functionNames) {
            if (scope.isSchemaOwner(function.getSchemaName())) {
                visible.add(function);
                continue;
            }
            RoutineRule rule = scope.functionRule(function.getSchemaName(), function.getFunctionName());
            if (rule != null && rule.canExecute()) {
                visible.add(function);
            }
        }
        return visible.build();
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
