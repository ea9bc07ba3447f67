package dev.trinobundle.accesscontrol.tool;

import dev.trinobundle.accesscontrol.rules.Decision;
import dev.trinobundle.accesscontrol.rules.Rule;
import dev.trinobundle.accesscontrol.rules.TableRule;
import dev.trinobundle.accesscontrol.rules.Visibility.Expression;

import java.util.List;
import java.util.Optional;

/**
 * What the rules answered to a {@link Question}: the outcome (compared by tests and diffs) and what decided it
 * (shown next to it, never compared by a diff: inserting a rule renumbers the rules after it without changing a
 * decision).
 */
sealed interface Answer
{
    /** The outcome alone, for comparing two answers. */
    Object outcome();

    /** {@code ALLOW (impersonation[0], line 8)}, {@code [tpch, system]}, {@code "regionkey = 1" (tables[2], line 14)}. */
    String render();

    /** {@code impersonation[0]}, {@code catalogs[implicit]} or {@code none}; what a test case's {@code rule} names. */
    static String ruleLabel(Rule rule)
    {
        return rule == null ? "none" : rule.source().label();
    }

    private static String where(Rule rule)
    {
        return rule.source().label() + (rule.source().line() > 0 ? ", line " + rule.source().line() : "");
    }

    record Checked(Decision decision)
            implements Answer
    {
        @Override
        public Object outcome()
        {
            return decision.allowed();
        }

        @Override
        public String render()
        {
            String reason = decision.rule() != null ? where(decision.rule()) : decision.reason();
            return (decision.allowed() ? "ALLOW" : "DENY") + " (" + reason + ")";
        }
    }

    /** {@code givenUp} holds why the filter was denied as a whole (the regex budget of the identity's part). */
    record Filtered(List<String> visible, Optional<String> givenUp)
            implements Answer
    {
        @Override
        public Object outcome()
        {
            return givenUp.isPresent() ? "denied" : visible;
        }

        @Override
        public String render()
        {
            return givenUp.map(reason -> "DENY (" + reason + ")").orElse(visible.toString());
        }
    }

    record Masked(Optional<Expression> expression, Optional<TableRule> rule)
            implements Answer
    {
        @Override
        public Object outcome()
        {
            return expression;
        }

        @Override
        public String render()
        {
            String decidedBy = rule.map(Answer::where).orElse("no table rule matched");
            return expression.map(value -> "\"" + value.expression() + "\"" + value.user().map(user -> " as user " + user).orElse(""))
                    .orElse("none") + " (" + decidedBy + ")";
        }
    }
}
