package dev.trinobundle.accesscontrol.rules;

import java.util.Set;

/** A {@code system_information} rule (Trino matches only {@code user} and {@code role} here, not {@code group}). */
public record SystemInformationRule(RuleSource source, Subject subject, Set<SystemInformationAccess> allow)
        implements Rule
{
}
