package dev.trinobundle.accesscontrol.rules;

import java.util.Optional;

import static java.util.Objects.requireNonNull;

/** An entry of a table rule's {@code columns}: matched by exact, case-sensitive name, as Trino does. */
public record ColumnConstraint(String name, boolean allowed, Optional<String> mask, Optional<String> maskUser)
{
    public ColumnConstraint
    {
        requireNonNull(name, "name is null");
        requireNonNull(mask, "mask is null");
        requireNonNull(maskUser, "maskUser is null");
    }
}
