package dev.trinobundle.accesscontrol.tool;

import dev.trinobundle.accesscontrol.tool.Answer.Checked;
import dev.trinobundle.accesscontrol.tool.Answer.Filtered;
import dev.trinobundle.accesscontrol.tool.Answer.Masked;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/** What a test case expects: {@code expect} and, for checks, row filters and masks, optionally the deciding {@code rule}. */
sealed interface Expectation
{
    boolean matches(Answer answer);

    /** {@code ALLOW by impersonation[0]}, for the failure line. */
    String render();

    /** {@code rule} is null when the case does not name the deciding rule. */
    record Decided(boolean allow, String rule)
            implements Expectation
    {
        @Override
        public boolean matches(Answer answer)
        {
            return answer instanceof Checked(var decision)
                    && decision.allowed() == allow
                    && (rule == null || rule.equals(Answer.ruleLabel(decision.rule())));
        }

        @Override
        public String render()
        {
            return (allow ? "ALLOW" : "DENY") + (rule == null ? "" : " by " + rule);
        }
    }

    /** The names a filter keeps, in any order. */
    record Visible(List<String> names)
            implements Expectation
    {
        @Override
        public boolean matches(Answer answer)
        {
            return answer instanceof Filtered(var visible, var givenUp) && givenUp.isEmpty() && Set.copyOf(visible).equals(Set.copyOf(names));
        }

        @Override
        public String render()
        {
            return names.toString();
        }
    }

    /** A row filter or mask expression, or none; {@code user} only checked when given. */
    record Expressed(Optional<String> expression, Optional<String> user, String rule)
            implements Expectation
    {
        @Override
        public boolean matches(Answer answer)
        {
            return answer instanceof Masked(var actual, var actualRule)
                    && actual.map(value -> value.expression()).equals(expression)
                    && (user.isEmpty() || actual.flatMap(value -> value.user()).equals(user))
                    && (rule == null || rule.equals(Answer.ruleLabel(actualRule.orElse(null))));
        }

        @Override
        public String render()
        {
            return expression.map(value -> "\"" + value + "\"").orElse("none")
                    + user.map(value -> " as user " + value).orElse("")
                    + (rule == null ? "" : " by " + rule);
        }
    }
}
