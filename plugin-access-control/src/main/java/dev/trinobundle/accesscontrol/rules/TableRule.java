package dev.trinobundle.accesscontrol.rules;

import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import static com.google.common.collect.ImmutableSet.toImmutableSet;

/** A {@code tables} rule with its privileges, column constraints and row filter. */
public record TableRule(
        RuleSource source,
        Subject subject,
        Pattern catalog,
        Pattern schema,
        Pattern table,
        Set<TablePrivilege> privileges,
        Map<String, ColumnConstraint> columns,
        Set<String> restrictedColumns,
        Optional<String> filter,
        Optional<String> filterUser)
        implements Rule
{
    public TableRule(RuleSource source, Subject subject, Pattern catalog, Pattern schema, Pattern table, Set<TablePrivilege> privileges, Map<String, ColumnConstraint> columns, Optional<String> filter, Optional<String> filterUser)
    {
        this(source, subject, catalog, schema, table, ImmutableSet.copyOf(privileges), ImmutableMap.copyOf(columns),
                columns.values().stream().filter(column -> !column.allowed()).map(ColumnConstraint::name).collect(toImmutableSet()),
                filter, filterUser);
    }


    public boolean matchesObject(String catalogName, String schemaName, String tableName, MatchBudget budget)
    {
        return budget.matches(catalog, catalogName) && budget.matches(schema, schemaName) && budget.matches(table, tableName);
    }

    /** Holds SELECT or GRANT_SELECT and none of the columns is {@code allow: false}. */
    public boolean canSelectColumns(Set<String> columnNames)
    {
        if (!privileges.contains(TablePrivilege.SELECT) && !privileges.contains(TablePrivilege.GRANT_SELECT)) {
            return false;
        }
        for (String restricted : restrictedColumns) {
            if (columnNames.contains(restricted)) {
                return false;
            }
        }
        return true;
    }
}
