package dev.trinobundle.accesscontrol;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import dev.trinobundle.accesscontrol.rules.IdentityRules;
import dev.trinobundle.accesscontrol.rules.IdentityRules.CatalogScope;
import dev.trinobundle.accesscontrol.rules.RuleIdentity;
import dev.trinobundle.accesscontrol.rules.RuleSet;
import dev.trinobundle.accesscontrol.rules.TableRule;
import dev.trinobundle.accesscontrol.rules.Visibility;
import dev.trinobundle.accesscontrol.rules.Visibility.Expression;
import dev.trinobundle.accesscontrol.rules.Visibility.Hidden;
import io.trino.spi.TrinoException;
import io.trino.spi.connector.CatalogSchemaTableName;
import io.trino.spi.connector.ColumnSchema;
import io.trino.spi.connector.SchemaTableName;
import io.trino.spi.function.SchemaFunctionName;
import io.trino.spi.security.Identity;
import io.trino.spi.security.ViewExpression;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static io.trino.spi.StandardErrorCode.INVALID_COLUMN_MASK;

/**
 * The metadata filters, row filters and column masks of {@link RulesSystemAccessControl}: Trino's types adapted to
 * {@link Visibility}, which decides them (the same code the {@code RulesTool} subcommands run).
 */
final class RuleFilters
{
    private RuleFilters() {}

    static Collection<Identity> queryOwners(RuleSet rules, RuleIdentity identity, Collection<Identity> queryOwners, Hidden hidden)
    {
        return Visibility.queryOwners(rules, identity, queryOwners, Identity::getUser, hidden);
    }

    static Set<String> catalogs(IdentityRules identityRules, Set<String> catalogs, Hidden hidden)
    {
        return Visibility.catalogs(identityRules, catalogs, hidden);
    }

    static Set<String> schemas(CatalogScope scope, Set<String> schemaNames, Hidden hidden)
    {
        return Visibility.schemas(scope, schemaNames, hidden);
    }

    static Set<SchemaTableName> tables(CatalogScope scope, Set<SchemaTableName> tableNames, Hidden hidden)
    {
        return Visibility.tables(scope, tableNames, SchemaTableName::getSchemaName, SchemaTableName::getTableName, SchemaTableName::toString, hidden);
    }

    static Set<String> columns(CatalogScope scope, SchemaTableName table, Set<String> columns, Hidden hidden)
    {
        return Visibility.columns(scope, table.getSchemaName(), table.getTableName(), table.toString(), columns, hidden);
    }

    static Set<SchemaFunctionName> functions(CatalogScope scope, Set<SchemaFunctionName> functionNames, Hidden hidden)
    {
        return Visibility.functions(scope, functionNames, SchemaFunctionName::getSchemaName, SchemaFunctionName::getFunctionName, SchemaFunctionName::toString, hidden);
    }

    /** {@code rule} is {@link Visibility#maskingRule}. */
    static List<ViewExpression> rowFilters(Optional<TableRule> rule, CatalogSchemaTableName table)
    {
        return Visibility.rowFilter(rule).map(filter -> ImmutableList.of(viewExpression(filter, table))).orElse(ImmutableList.of());
    }

    static Map<ColumnSchema, ViewExpression> columnMasks(Optional<TableRule> rule, CatalogSchemaTableName table, List<ColumnSchema> columns)
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

    static Optional<ViewExpression> columnMask(Optional<TableRule> rule, CatalogSchemaTableName table, String columnName)
    {
        return Visibility.columnMask(rule, columnName).map(mask -> viewExpression(mask, table));
    }

    private static ViewExpression viewExpression(Expression expression, CatalogSchemaTableName table)
    {
        return ViewExpression.builder()
                .identity(expression.user().orElse(null))
                .catalog(table.getCatalogName())
                .schema(table.getSchemaTableName().getSchemaName())
                .expression(expression.expression())
                .build();
    }
}
