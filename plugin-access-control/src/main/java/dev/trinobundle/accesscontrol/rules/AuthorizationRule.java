package dev.trinobundle.accesscontrol.rules;

import java.util.regex.Pattern;

/** An {@code authorization} rule: who may make which user or role the owner of a schema, table or view. */
public record AuthorizationRule(RuleSource source, Pattern originalUser, Pattern originalGroup, Pattern originalRole, Pattern newUser, Pattern newRole, boolean allow)
        implements Rule
{
    /** {@code newPrincipalIsRole} tells whether the new owner is a role (else a user). */
    public boolean matches(RuleIdentity identity, String newPrincipal, boolean newPrincipalIsRole, MatchBudget budget)
    {
        if (!budget.matches(originalUser, identity.user())
                || !budget.anyMatches(originalGroup, identity.groups())
                || !budget.anyMatches(originalRole, identity.roles())) {
            return false;
        }
        Pattern target = newPrincipalIsRole ? newRole : newUser;
        return target != null && budget.matches(target, newPrincipal);
    }
}
