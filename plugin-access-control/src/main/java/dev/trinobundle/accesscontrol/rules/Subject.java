package dev.trinobundle.accesscontrol.rules;

import java.util.Set;
import java.util.regex.Pattern;

/**
 * The {@code user}, {@code role} and {@code group} conditions of a rule; a missing (null) condition matches anything.
 * Roles and groups match when any enabled role or group fully matches.
 */
public record Subject(Pattern user, Pattern role, Pattern group)
{
    public static final Subject ANY = new Subject(null, null, null);

    public boolean matches(RuleIdentity identity)
    {
        return BoundedMatch.matches(user, identity.user())
                && anyMatches(role, identity.roles())
                && anyMatches(group, identity.groups());
    }

    static boolean matches(Pattern pattern, String value)
    {
        return BoundedMatch.matches(pattern, value);
    }

    static boolean anyMatches(Pattern pattern, Set<String> values)
    {
        if (pattern == null) {
            return true;
        }
        for (String value : values) {
            if (BoundedMatch.matches(pattern, value)) {
                return true;
            }
        }
        return false;
    }
}
