package dev.trinobundle.accesscontrol.rules;

import java.util.Set;
import java.util.regex.Pattern;

/** A {@code queries} rule; {@code queryOwner} is only compared when the check is about another user's query. */
public record QueryRule(RuleSource source, Subject subject, Pattern queryOwner, Set<QueryAccess> allow)
        implements Rule
{
    /** {@code owner} is null for {@code checkCanExecuteQuery}, where only rules without {@code queryOwner} apply. */
    public boolean matchesOwner(String owner, MatchBudget budget)
    {
        if (owner == null) {
            return queryOwner == null;
        }
        return budget.matches(queryOwner, owner);
    }
}
