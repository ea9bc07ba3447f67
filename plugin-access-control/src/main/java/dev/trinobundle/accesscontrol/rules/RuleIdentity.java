package dev.trinobundle.accesscontrol.rules;

import java.util.Set;

import static java.util.Objects.requireNonNull;

/** The parts of a Trino identity that rules match: the user, the enabled roles and the groups. */
public record RuleIdentity(String user, Set<String> roles, Set<String> groups)
{
    public RuleIdentity
    {
        requireNonNull(user, "user is null");
        requireNonNull(roles, "roles is null");
        requireNonNull(groups, "groups is null");
    }

    public static RuleIdentity ofUser(String user)
    {
        return new RuleIdentity(user, Set.of(), Set.of());
    }
}
