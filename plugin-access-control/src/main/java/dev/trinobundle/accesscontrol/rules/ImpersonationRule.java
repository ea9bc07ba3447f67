package dev.trinobundle.accesscontrol.rules;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** An {@code impersonation} rule; {@code original_group} is an extension (Trino 476 has no group matching here). */
public record ImpersonationRule(RuleSource source, Pattern originalUser, Pattern originalRole, Pattern originalGroup, NewUserTemplate newUser, boolean allow)
        implements Rule
{
    /** Empty when the rule does not apply to this original identity and new user. */
    public Optional<Boolean> match(RuleIdentity original, String newUserName)
    {
        Matcher originalMatch = null;
        if (originalUser != null) {
            originalMatch = BoundedMatch.matcher(originalUser, original.user());
            if (!originalMatch.matches()) {
                return Optional.empty();
            }
        }
        if (!Subject.anyMatches(originalRole, original.roles()) || !Subject.anyMatches(originalGroup, original.groups())) {
            return Optional.empty();
        }
        if (!BoundedMatch.matches(newUser.resolve(originalMatch), newUserName)) {
            return Optional.empty();
        }
        return Optional.of(allow);
    }
}
