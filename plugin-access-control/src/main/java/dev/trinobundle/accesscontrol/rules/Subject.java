package dev.trinobundle.accesscontrol.rules;

import java.util.regex.Pattern;

/**
 * The {@code user}, {@code role} and {@code group} conditions of a rule; a missing (null) condition matches anything.
 * Roles and groups match when any enabled role or group fully matches.
 */
public record Subject(Pattern user, Pattern role, Pattern group)
{
    public static final Subject ANY = new Subject(null, null, null);

    public boolean matches(RuleIdentity identity, MatchBudget budget)
    {
        return budget.matches(user, identity.user())
                && budget.anyMatches(role, identity.roles())
                && budget.anyMatches(group, identity.groups());
    }
}
