package dev.trinobundle.accesscontrol.rules;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** An {@code impersonation} rule; {@code original_group} is an extension (Trino 476 has no group matching here). */
public record ImpersonationRule(RuleSource source, Pattern originalUser, Pattern originalRole, Pattern originalGroup, NewUserTemplate newUser, boolean allow)
        implements Rule
{
    /** Empty when the rule does not apply to this original identity and new user. */
    public Optional<Boolean> match(RuleIdentity original, String newUserName, MatchBudget budget)
    {
        Matcher originalMatch = null;
        if (originalUser != null) {
            Optional<Matcher> match = budget.fullMatch(originalUser, original.user());
            if (match.isEmpty()) {
                return Optional.empty();
            }
            originalMatch = match.get();
        }
        if (!budget.anyMatches(originalRole, original.roles()) || !budget.anyMatches(originalGroup, original.groups())) {
            return Optional.empty();
        }
        if (!budget.matches(newUser.resolve(originalMatch), newUserName)) {
            return Optional.empty();
        }
        return Optional.of(allow);
    }
}
