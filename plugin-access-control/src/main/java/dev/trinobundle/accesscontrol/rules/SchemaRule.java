package dev.trinobundle.accesscontrol.rules;

import java.util.regex.Pattern;

/** A {@code schemas} rule: first match decides whether the user owns the schema. */
public record SchemaRule(RuleSource source, Subject subject, Pattern catalog, Pattern schema, boolean owner)
        implements Rule
{
    public boolean matchesObject(String catalogName, String schemaName, MatchBudget budget)
    {
        return budget.matches(catalog, catalogName) && budget.matches(schema, schemaName);
    }
}
