package dev.trinobundle.accesscontrol.tool;

import dev.trinobundle.accesscontrol.rules.RuleIdentity;

import static java.util.Objects.requireNonNull;

/**
 * One case of a test file: who asks ({@code identity} is what the decision reads: the original user for
 * {@code ImpersonateUser}, the principal or null for {@code SetUser}), the question and the expectation.
 * Output names it as {@code alice@company.com: ImpersonateUser by admin}: {@code who} is the session user,
 * {@code by} (or null) the original user or principal.
 */
record TestCase(String name, String location, String who, String by, RuleIdentity identity, Question question, Expectation expectation)
{
    TestCase
    {
        requireNonNull(location, "location is null");
        requireNonNull(who, "who is null");
        requireNonNull(question, "question is null");
        requireNonNull(expectation, "expectation is null");
    }

    String describe()
    {
        return who + ": " + question.describe() + (by == null ? "" : " by " + by);
    }

    /** {@code alice (groups [analysts], roles [etl])}. */
    static String display(RuleIdentity identity)
    {
        return identity.user()
                + (identity.groups().isEmpty() ? "" : " (groups " + identity.groups() + ")")
                + (identity.roles().isEmpty() ? "" : " (roles " + identity.roles() + ")");
    }
}
