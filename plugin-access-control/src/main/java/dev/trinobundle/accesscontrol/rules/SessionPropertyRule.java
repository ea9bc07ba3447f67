package dev.trinobundle.accesscontrol.rules;

import java.util.regex.Pattern;

/** A {@code system_session_properties} rule, or a {@code catalog_session_properties} rule when {@code catalog} may be set. */
public record SessionPropertyRule(RuleSource source, Subject subject, Pattern catalog, Pattern property, boolean allow)
        implements Rule
{
    /** {@code catalogName} is null for a system session property. */
    public boolean matchesObject(String catalogName, String propertyName, MatchBudget budget)
    {
        return (catalogName == null || budget.matches(catalog, catalogName)) && budget.matches(property, propertyName);
    }
}
