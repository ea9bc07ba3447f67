package dev.trinobundle.accesscontrol.rules;

import java.util.Set;
import java.util.regex.Pattern;

/** A {@code functions} or {@code procedures} rule ({@code routine} is the {@code function}/{@code procedure} regex). */
public record RoutineRule(RuleSource source, Subject subject, Pattern catalog, Pattern schema, Pattern routine, Set<RoutinePrivilege> privileges)
        implements Rule
{
    public boolean matchesObject(String catalogName, String schemaName, String routineName, MatchBudget budget)
    {
        return budget.matches(catalog, catalogName) && budget.matches(schema, schemaName) && budget.matches(routine, routineName);
    }

    public boolean canExecute()
    {
        return privileges.contains(RoutinePrivilege.EXECUTE) || privileges.contains(RoutinePrivilege.GRANT_EXECUTE);
    }

    public boolean canGrantExecute()
    {
        return privileges.contains(RoutinePrivilege.GRANT_EXECUTE);
    }

    public boolean hasOwnership()
    {
        return privileges.contains(RoutinePrivilege.OWNERSHIP);
    }
}
