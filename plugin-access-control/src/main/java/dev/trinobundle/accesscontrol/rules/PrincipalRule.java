package dev.trinobundle.accesscontrol.rules;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A deprecated {@code principals} rule: which authenticated principal may become which user. */
public record PrincipalRule(RuleSource source, Pattern principal, Pattern user, Optional<String> principalToUser, boolean allow)
        implements Rule
{
    /** Empty when the rule does not apply. */
    public Optional<Boolean> match(String principalName, String userName, MatchBudget budget)
    {
        Optional<Matcher> match = budget.fullMatch(principal, principalName);
        if (match.isEmpty()) {
            return Optional.empty();
        }
        if (user != null && budget.matches(user, userName)) {
            return Optional.of(allow);
        }
        if (principalToUser.isPresent() && userName.equals(budget.replaceAll(match.get(), principalName, principalToUser.get()))) {
            return Optional.of(allow);
        }
        return Optional.empty();
    }
}
