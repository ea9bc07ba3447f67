package dev.trinobundle.accesscontrol.rules;

/** The {@code allow} value of a catalog rule: {@code owner} ⊃ {@code all} ⊃ {@code read-only}, and {@code none}. */
public enum CatalogAccess
{
    OWNER("owner"),
    ALL("all"),
    READ_ONLY("read-only"),
    NONE("none");

    private final String jsonName;

    CatalogAccess(String jsonName)
    {
        this.jsonName = jsonName;
    }

    public String jsonName()
    {
        return jsonName;
    }

    public boolean implies(CatalogAccess required)
    {
        return switch (this) {
            case OWNER -> required != NONE;
            case ALL -> required == ALL || required == READ_ONLY;
            case READ_ONLY -> required == READ_ONLY;
            case NONE -> required == NONE;
        };
    }
}
