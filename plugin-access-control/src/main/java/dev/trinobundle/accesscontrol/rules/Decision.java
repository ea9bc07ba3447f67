package dev.trinobundle.accesscontrol.rules;

import static java.util.Objects.requireNonNull;

/**
 * The outcome of one access decision and what made it: the deciding rule, or none when no rule of the section
 * matched (or an exemption applied, which {@code note} names).
 */
public record Decision(boolean allowed, String section, Rule rule, String note)
{
    public Decision
    {
        requireNonNull(section, "section is null");
    }

    static Decision byRule(boolean allowed, String section, Rule rule)
    {
        return new Decision(allowed, section, rule, null);
    }

    static Decision noRule(String section)
    {
        return new Decision(false, section, null, null);
    }

    static Decision exempt(String section, String note)
    {
        return new Decision(true, section, null, note);
    }

    /** {@code tables[3]}, {@code no rule in 'impersonation' matched} or the exemption. */
    public String reason()
    {
        if (rule != null) {
            return rule.source().label();
        }
        if (note != null) {
            return note;
        }
        return "no rule in '" + section + "' matched";
    }

    /** The text appended to an access denied message. */
    public String denialInfo()
    {
        return rule != null ? "denied by rule " + rule.source().label() : reason();
    }
}
