package dev.trinobundle.accesscontrol.rules;

import com.google.common.collect.ImmutableSet;

import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * What an {@link Operation} is about, in plain strings: a catalog, schema, table or routine (the parts its kind has),
 * a user (the new user of an impersonation, a query owner) or a session property, plus the columns of a select, the new
 * name of a rename and the new owner of an authorization change. Unused parts are null.
 */
public record Target(String catalog, String schema, String name, Set<String> columns, Target newName, Owner newOwner)
{
    /** The new owner of a schema, table or view: a user, or a role when {@code role} is true. */
    public record Owner(String name, boolean role)
    {
        public Owner
        {
            requireNonNull(name, "name is null");
        }

        @Override
        public String toString()
        {
            return (role ? "role " : "user ") + name;
        }
    }

    public static final Target NONE = new Target(null, null, null, Set.of(), null, null);

    public Target
    {
        columns = ImmutableSet.copyOf(requireNonNull(columns, "columns is null"));
    }

    /** A user (an impersonation's new user, a query owner, the user of {@code SetUser}) or a system session property. */
    public static Target name(String name)
    {
        return new Target(null, null, requireNonNull(name, "name is null"), Set.of(), null, null);
    }

    public static Target catalog(String catalog)
    {
        return new Target(requireNonNull(catalog, "catalog is null"), null, null, Set.of(), null, null);
    }

    public static Target catalogProperty(String catalog, String property)
    {
        return new Target(requireNonNull(catalog, "catalog is null"), null, requireNonNull(property, "property is null"), Set.of(), null, null);
    }

    public static Target schema(String catalog, String schema)
    {
        return new Target(requireNonNull(catalog, "catalog is null"), requireNonNull(schema, "schema is null"), null, Set.of(), null, null);
    }

    /** A table, view, materialized view, function or procedure. */
    public static Target object(String catalog, String schema, String name)
    {
        return new Target(requireNonNull(catalog, "catalog is null"), requireNonNull(schema, "schema is null"), requireNonNull(name, "name is null"), Set.of(), null, null);
    }

    public Target withColumns(Set<String> columns)
    {
        return new Target(catalog, schema, name, columns, newName, newOwner);
    }

    public Target withNewName(Target newName)
    {
        return new Target(catalog, schema, name, columns, requireNonNull(newName, "newName is null"), newOwner);
    }

    public Target withNewOwner(Owner newOwner)
    {
        return new Target(catalog, schema, name, columns, newName, requireNonNull(newOwner, "newOwner is null"));
    }

    /** {@code catalog.schema.name}, as much of it as is set; what the denial log names as the object. */
    public String qualifiedName()
    {
        StringBuilder text = new StringBuilder();
        for (String part : new String[] {catalog, schema, name}) {
            if (part != null) {
                text.append(text.isEmpty() ? "" : ".").append(part);
            }
        }
        return text.toString();
    }
}
