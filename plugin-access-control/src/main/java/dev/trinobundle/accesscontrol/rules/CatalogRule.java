package dev.trinobundle.accesscontrol.rules;

import java.util.regex.Pattern;

/** A {@code catalogs} rule. */
public record CatalogRule(RuleSource source, Subject subject, Pattern catalog, CatalogAccess access)
        implements Rule
{
}
