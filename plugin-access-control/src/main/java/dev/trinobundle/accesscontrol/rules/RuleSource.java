package dev.trinobundle.accesscontrol.rules;

import static java.util.Objects.requireNonNull;

/**
 * Where a rule comes from: its section, its 0-based index in that section, its JSON text and the line it starts on, or
 * a description of the implicit rule it is (Trino's defaults for absent sections and the appended {@code system}
 * catalog rule; line 0).
 */
public record RuleSource(String section, int index, String text, int line)
{
    public static final int IMPLICIT = -1;

    public RuleSource
    {
        requireNonNull(section, "section is null");
        requireNonNull(text, "text is null");
    }

    public static RuleSource implicit(String section, String description)
    {
        return new RuleSource(section, IMPLICIT, description, 0);
    }

    public boolean isImplicit()
    {
        return index == IMPLICIT;
    }

    /** {@code tables[3]} for a rule from the file, {@code tables[implicit]} for a default. */
    public String label()
    {
        return section + "[" + (isImplicit() ? "implicit" : String.valueOf(index)) + "]";
    }
}
