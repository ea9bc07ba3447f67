package dev.trinobundle.accesscontrol;

import dev.trinobundle.accesscontrol.groups.ConfiguredGroups;
import dev.trinobundle.accesscontrol.rules.Decision;
import dev.trinobundle.accesscontrol.rules.IdentityRules.CatalogScope;
import dev.trinobundle.accesscontrol.rules.Operation;
import dev.trinobundle.accesscontrol.rules.Target;
import dev.trinobundle.accesscontrol.rules.TableRule;
import dev.trinobundle.accesscontrol.rules.Visibility;
import io.trino.spi.connector.CatalogSchemaName;
import io.trino.spi.connector.CatalogSchemaTableName;
import io.trino.spi.connector.ColumnSchema;
import io.trino.spi.connector.EntityKindAndName;
import io.trino.spi.connector.SchemaTableName;
import io.trino.spi.security.AccessDeniedException;
import io.trino.spi.security.SystemSecurityContext;
import io.trino.spi.security.TrinoPrincipal;
import io.trino.spi.security.ViewExpression;
import io.trino.spi.type.Type;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static io.trino.spi.security.AccessDeniedException.denyAddColumn;
import static io.trino.spi.security.AccessDeniedException.denyAlterColumn;
import static io.trino.spi.security.AccessDeniedException.denyCommentColumn;
import static io.trino.spi.security.AccessDeniedException.denyCommentTable;
import static io.trino.spi.security.AccessDeniedException.denyCommentView;
import static io.trino.spi.security.AccessDeniedException.denyCreateMaterializedView;
import static io.trino.spi.security.AccessDeniedException.denyCreateTable;
import static io.trino.spi.security.AccessDeniedException.denyCreateView;
import static io.trino.spi.security.AccessDeniedException.denyCreateViewWithSelect;
import static io.trino.spi.security.AccessDeniedException.denyDeleteTable;
import static io.trino.spi.security.AccessDeniedException.denyDropColumn;
import static io.trino.spi.security.AccessDeniedException.denyDropMaterializedView;
import static io.trino.spi.security.AccessDeniedException.denyDropTable;
import static io.trino.spi.security.AccessDeniedException.denyDropView;
import static io.trino.spi.security.AccessDeniedException.denyInsertTable;
import static io.trino.spi.security.AccessDeniedException.denyRefreshMaterializedView;
import static io.trino.spi.security.AccessDeniedException.denyRenameColumn;
import static io.trino.spi.security.AccessDeniedException.denyRenameMaterializedView;
import static io.trino.spi.security.AccessDeniedException.denyRenameTable;
import static io.trino.spi.security.AccessDeniedException.denyRenameView;
import static io.trino.spi.security.AccessDeniedException.denySelectTable;
import static io.trino.spi.security.AccessDeniedException.denySetEntityAuthorization;
import static io.trino.spi.security.AccessDeniedException.denySetMaterializedViewProperties;
import static io.trino.spi.security.AccessDeniedException.denySetTableProperties;
import static io.trino.spi.security.AccessDeniedException.denyShowColumns;
import static io.trino.spi.security.AccessDeniedException.denyShowCreateTable;
import static io.trino.spi.security.AccessDeniedException.denyShowTables;
import static io.trino.spi.security.AccessDeniedException.denyTruncateTable;
import static io.trino.spi.security.AccessDeniedException.denyUpdateTableColumns;


/**
 * Trino's file-based system access control decisions on a {@link RuleSet} that may be replaced at any time: every
 * method reads the rules in force once and decides on that one snapshot. Denials use the same
 * {@code AccessDeniedException} helpers and messages as Trino, with the deciding rule as extra information.
 * This class holds the table, view and column checks, filters, row filters and masks; the others are in its
 * superclasses (see {@link RulesAccessControlBase}).
 */
public final class RulesSystemAccessControl
        extends CatalogSchemaChecks
{
    public RulesSystemAccessControl(ReloadingRules rules, ConfiguredGroups groups, boolean logDenials, Runnable shutdown)
    {
        super(rules, groups, logDenials, shutdown);
    }

    // ---- tables

    @Override
    public void checkCanShowCreateTable(SystemSecurityContext context, CatalogSchemaTableName table)
    {
        check(context, Operation.SHOW_CREATE_TABLE, target(table), table, info -> denyShowCreateTable(table.toString(), info));
    }

    @Override
    public void checkCanCreateTable(SystemSecurityContext context, CatalogSchemaTableName table, Map<String, Object> properties)
    {
        check(context, Operation.CREATE_TABLE, target(table), table, info -> denyCreateTable(table.toString(), info));
    }

    @Override
    public void checkCanDropTable(SystemSecurityContext context, CatalogSchemaTableName table)
    {
        check(context, Operation.DROP_TABLE, target(table), table, info -> denyDropTable(table.toString(), info));
    }

    @Override
    public void checkCanRenameTable(SystemSecurityContext context, CatalogSchemaTableName table, CatalogSchemaTableName newTable)
    {
        check(context, Operation.RENAME_TABLE, target(table).withNewName(target(newTable)), table, info -> denyRenameTable(table.toString(), newTable.toString(), info));
    }

    @Override
    public void checkCanSetTableProperties(SystemSecurityContext context, CatalogSchemaTableName table, Map<String, Optional<Object>> properties)
    {
        check(context, Operation.SET_TABLE_PROPERTIES, target(table), table, info -> denySetTableProperties(table.toString(), info));
    }

    @Override
    public void checkCanSetTableComment(SystemSecurityContext context, CatalogSchemaTableName table)
    {
        check(context, Operation.SET_TABLE_COMMENT, target(table), table, info -> denyCommentTable(table.toString(), info));
    }

    @Override
    public void checkCanSetViewComment(SystemSecurityContext context, CatalogSchemaTableName view)
    {
        check(context, Operation.SET_VIEW_COMMENT, target(view), view, info -> denyCommentView(view.toString(), info));
    }

    @Override
    public void checkCanSetColumnComment(SystemSecurityContext context, CatalogSchemaTableName table)
    {
        check(context, Operation.SET_COLUMN_COMMENT, target(table), table, info -> denyCommentColumn(table.toString(), info));
    }

    @Override
    public void checkCanShowTables(SystemSecurityContext context, CatalogSchemaName schema)
    {
        check(context, Operation.SHOW_TABLES, target(schema), schema, info -> denyShowTables(schema.toString(), info));
    }

    @Override
    public Set<SchemaTableName> filterTables(SystemSecurityContext context, String catalogName, Set<SchemaTableName> tableNames)
    {
        return filter(context.getIdentity(), "FilterTables", catalogName,
                () -> RuleFilters.tables(scope(context, catalogName), tableNames, hidden(context.getIdentity(), "FilterTables")),
                info -> denyShowTables(catalogName, info));
    }

    @Override
    public void checkCanShowColumns(SystemSecurityContext context, CatalogSchemaTableName table)
    {
        check(context, Operation.SHOW_COLUMNS, target(table), table, info -> denyShowColumns(table.toString(), info));
    }

    @Override
    public Set<String> filterColumns(SystemSecurityContext context, CatalogSchemaTableName table, Set<String> columns)
    {
        return filter(context.getIdentity(), "FilterColumns", table.getCatalogName(),
                () -> RuleFilters.columns(scope(context, table.getCatalogName()), table.getSchemaTableName(), columns, hidden(context.getIdentity(), "FilterColumns")),
                info -> denyShowColumns(table.toString(), info));
    }

    @Override
    public Map<SchemaTableName, Set<String>> filterColumns(SystemSecurityContext context, String catalogName, Map<SchemaTableName, Set<String>> tableColumns)
    {
        Visibility.Hidden hidden = hidden(context.getIdentity(), "FilterColumns");
        return filter(context.getIdentity(), "FilterColumns", catalogName, () -> {
            CatalogScope scope = scope(context, catalogName);
            Map<SchemaTableName, Set<String>> result = new HashMap<>();
            tableColumns.forEach((table, columns) -> result.put(table, RuleFilters.columns(scope, table, columns, hidden)));
            return result;
        }, info -> denyShowColumns(catalogName, info));
    }

    @Override
    public void checkCanAddColumn(SystemSecurityContext context, CatalogSchemaTableName table)
    {
        check(context, Operation.ADD_COLUMN, target(table), table, info -> denyAddColumn(table.toString(), info));
    }

    @Override
    public void checkCanAlterColumn(SystemSecurityContext context, CatalogSchemaTableName table)
    {
        check(context, Operation.ALTER_COLUMN, target(table), table, info -> denyAlterColumn(table.toString(), info));
    }

    @Override
    public void checkCanDropColumn(SystemSecurityContext context, CatalogSchemaTableName table)
    {
        check(context, Operation.DROP_COLUMN, target(table), table, info -> denyDropColumn(table.toString(), info));
    }

    @Override
    public void checkCanSetTableAuthorization(SystemSecurityContext context, CatalogSchemaTableName table, TrinoPrincipal principal)
    {
        check(context, Operation.SET_TABLE_AUTHORIZATION, target(table).withNewOwner(owner(principal)), table, info -> denySetEntityAuthorization(new EntityKindAndName("TABLE", tableNames(table)), principal, info));
    }

    private static List<String> tableNames(CatalogSchemaTableName table)
    {
        return List.of(table.getCatalogName(), table.getSchemaTableName().getSchemaName(), table.getSchemaTableName().getTableName());
    }

    @Override
    public void checkCanRenameColumn(SystemSecurityContext context, CatalogSchemaTableName table)
    {
        check(context, Operation.RENAME_COLUMN, target(table), table, info -> denyRenameColumn(table.toString(), info));
    }

    @Override
    public void checkCanSelectFromColumns(SystemSecurityContext context, CatalogSchemaTableName table, Set<String> columns)
    {
        check(context, Operation.SELECT_FROM_COLUMNS, target(table).withColumns(columns), table, info -> denySelectTable(table.toString(), info));
    }

    @Override
    public void checkCanInsertIntoTable(SystemSecurityContext context, CatalogSchemaTableName table)
    {
        check(context, Operation.INSERT_INTO_TABLE, target(table), table, info -> denyInsertTable(table.toString(), info));
    }

    @Override
    public void checkCanDeleteFromTable(SystemSecurityContext context, CatalogSchemaTableName table)
    {
        check(context, Operation.DELETE_FROM_TABLE, target(table), table, info -> denyDeleteTable(table.toString(), info));
    }

    @Override
    public void checkCanTruncateTable(SystemSecurityContext context, CatalogSchemaTableName table)
    {
        check(context, Operation.TRUNCATE_TABLE, target(table), table, info -> denyTruncateTable(table.toString(), info));
    }

    @Override
    public void checkCanUpdateTableColumns(SystemSecurityContext context, CatalogSchemaTableName table, Set<String> updatedColumnNames)
    {
        check(context, Operation.UPDATE_TABLE_COLUMNS, target(table), table, info -> denyUpdateTableColumns(table.toString(), updatedColumnNames, info));
    }

    @Override
    public void checkCanCreateView(SystemSecurityContext context, CatalogSchemaTableName view)
    {
        check(context, Operation.CREATE_VIEW, target(view), view, info -> denyCreateView(view.toString(), info));
    }

    @Override
    public void checkCanRenameView(SystemSecurityContext context, CatalogSchemaTableName view, CatalogSchemaTableName newView)
    {
        check(context, Operation.RENAME_VIEW, target(view).withNewName(target(newView)), view, info -> denyRenameView(view.toString(), newView.toString(), info));
    }

    @Override
    public void checkCanSetViewAuthorization(SystemSecurityContext context, CatalogSchemaTableName view, TrinoPrincipal principal)
    {
        check(context, Operation.SET_VIEW_AUTHORIZATION, target(view).withNewOwner(owner(principal)), view, info -> denySetEntityAuthorization(new EntityKindAndName("VIEW", tableNames(view)), principal, info));
    }

    /**
     * SPI method of Trino 477 and later (compiled against 476, so no {@code @Override}); Trino 478's file access control
     * requires OWNERSHIP, with the message of its {@code denyRefreshView}. On 476 it is never called.
     */
    public void checkCanRefreshView(SystemSecurityContext context, CatalogSchemaTableName view)
    {
        check(context, Operation.REFRESH_VIEW, target(view), view, info -> {
            throw new AccessDeniedException("Cannot refresh view %s: %s".formatted(view, info));
        });
    }

    /** SPI method of Trino 477 and later (see {@link #checkCanRefreshView}): ownership as for tables and views. */
    public void checkCanSetMaterializedViewAuthorization(SystemSecurityContext context, CatalogSchemaTableName view, TrinoPrincipal principal)
    {
        check(context, Operation.SET_MATERIALIZED_VIEW_AUTHORIZATION, target(view).withNewOwner(owner(principal)), view, info -> denySetEntityAuthorization(new EntityKindAndName("MATERIALIZED VIEW", tableNames(view)), principal, info));
    }

    @Override
    public void checkCanDropView(SystemSecurityContext context, CatalogSchemaTableName view)
    {
        check(context, Operation.DROP_VIEW, target(view), view, info -> denyDropView(view.toString(), info));
    }

    @Override
    public void checkCanCreateViewWithSelectFromColumns(SystemSecurityContext context, CatalogSchemaTableName table, Set<String> columns)
    {
        Decision decision = decide(context, Operation.CREATE_VIEW_WITH_SELECT_FROM_COLUMNS, target(table).withColumns(columns));
        // the same denial as SELECT, unless the rule allows SELECT but lacks GRANT_SELECT
        enforce(decision, context, "CreateViewWithSelectFromColumns", table, Operation.NO_GRANT_SELECT.equals(decision.note())
                ? info -> denyCreateViewWithSelect(table.toString(), context.getIdentity().toConnectorIdentity(), info)
                : info -> denySelectTable(table.toString(), info));
    }

    @Override
    public void checkCanCreateMaterializedView(SystemSecurityContext context, CatalogSchemaTableName materializedView, Map<String, Object> properties)
    {
        check(context, Operation.CREATE_MATERIALIZED_VIEW, target(materializedView), materializedView, info -> denyCreateMaterializedView(materializedView.toString(), info));
    }

    @Override
    public void checkCanRefreshMaterializedView(SystemSecurityContext context, CatalogSchemaTableName materializedView)
    {
        check(context, Operation.REFRESH_MATERIALIZED_VIEW, target(materializedView), materializedView, info -> denyRefreshMaterializedView(materializedView.toString(), info));
    }

    @Override
    public void checkCanSetMaterializedViewProperties(SystemSecurityContext context, CatalogSchemaTableName materializedView, Map<String, Optional<Object>> properties)
    {
        check(context, Operation.SET_MATERIALIZED_VIEW_PROPERTIES, target(materializedView), materializedView, info -> denySetMaterializedViewProperties(materializedView.toString(), info));
    }

    @Override
    public void checkCanDropMaterializedView(SystemSecurityContext context, CatalogSchemaTableName materializedView)
    {
        check(context, Operation.DROP_MATERIALIZED_VIEW, target(materializedView), materializedView, info -> denyDropMaterializedView(materializedView.toString(), info));
    }

    @Override
    public void checkCanRenameMaterializedView(SystemSecurityContext context, CatalogSchemaTableName view, CatalogSchemaTableName newView)
    {
        check(context, Operation.RENAME_MATERIALIZED_VIEW, target(view).withNewName(target(newView)), view, info -> denyRenameMaterializedView(view.toString(), newView.toString(), info));
    }

    @Override
    public void checkCanSetCatalogSessionProperty(SystemSecurityContext context, String catalogName, String propertyName)
    {
        check(context, Operation.SET_CATALOG_SESSION_PROPERTY, Target.catalogProperty(catalogName, propertyName), catalogName + "." + propertyName,
                // the one-argument helper Trino uses has no extra-information overload (the two-argument one adds the catalog)
                info -> {
                    throw new AccessDeniedException("Cannot set catalog session property %s: %s".formatted(propertyName, info));
                });
    }

    // ---- row filters and column masks

    private Optional<TableRule> maskingRule(SystemSecurityContext context, CatalogSchemaTableName table)
    {
        return Visibility.maskingRule(rules(context), ruleIdentity(context), table.getCatalogName(), table.getSchemaTableName().getSchemaName(), table.getSchemaTableName().getTableName());
    }

    @Override
    public List<ViewExpression> getRowFilters(SystemSecurityContext context, CatalogSchemaTableName table)
    {
        return filter(context.getIdentity(), "GetRowFilters", table.toString(), () -> RuleFilters.rowFilters(maskingRule(context, table), table),
                info -> denyMasksOrFilters("row filters of table", table.toString(), info));
    }

    @Override
    public Optional<ViewExpression> getColumnMask(SystemSecurityContext context, CatalogSchemaTableName table, String columnName, Type type)
    {
        return filter(context.getIdentity(), "GetColumnMask", table + "." + columnName, () -> RuleFilters.columnMask(maskingRule(context, table), table, columnName),
                info -> denyMasksOrFilters("column mask of", table + "." + columnName, info));
    }

    @Override
    public Map<ColumnSchema, ViewExpression> getColumnMasks(SystemSecurityContext context, CatalogSchemaTableName table, List<ColumnSchema> columns)
    {
        // one rule lookup for the table instead of one per column
        return filter(context.getIdentity(), "GetColumnMasks", table.toString(), () -> RuleFilters.columnMasks(maskingRule(context, table), table, columns),
                info -> denyMasksOrFilters("column masks of table", table.toString(), info));
    }
}
