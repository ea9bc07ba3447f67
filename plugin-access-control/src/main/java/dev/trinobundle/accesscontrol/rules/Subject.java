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
        return (user == null || user.matcher(identity.user()).matches())
                && anyMatches(role, identity.roles())
                && anyMatches(group, identity.groups());
    }

    static boolean matches(Pattern pattern, String value)
    {
        return pattern == null || pattern.matcher(value).matches();
    }

    static boolean anyMatches(Pattern pattern, Set<String> values)
    {
        if (pattern == null) {
            return true;
        }
        for (String value : values) {
            if (pattern.matcher(value).matches()) {
                return true;
            }
        }
        return false;
    }
}
