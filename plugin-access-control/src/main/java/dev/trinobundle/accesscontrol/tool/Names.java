package dev.trinobundle.accesscontrol.tool;

import dev.trinobundle.accesscontrol.rules.JsonTree.Node;
import dev.trinobundle.accesscontrol.rules.JsonTree.ScalarNode;

import java.util.List;

/** Qualified names in the tools' files, and the closest-name suggestion of their errors. */
final class Names
{
    private static final String[] SHAPES = {"", "NAME", "SCHEMA.NAME", "CATALOG.SCHEMA.NAME"};

    private Names() {}

    /**
     * {@code hive.sales.orders} split into its {@code parts} parts, or a list of them ({@code [hive, sales, "a.b"]})
     * for names that contain dots; a one-part name is never split.
     */
    static String[] split(InputFile file, Node value, String path, String field, int parts)
    {
        String[] names;
        if (value instanceof ScalarNode(String text, var token, var position)) {
            // one part (a catalog, a user) is taken whole: user names have dots
            names = parts == 1 ? new String[] {text} : text.split("\\.", -1);
        }
        else if (!(value instanceof ScalarNode)) {
            List<String> list = file.strings(value, path, field);
            names = list.toArray(String[]::new);
        }
        else {
            throw file.error(value, "'" + field + "' in " + path + " must be " + SHAPES[parts] + ", not " + InputFile.describe(value));
        }
        if (names.length != parts) {
            throw file.error(value, "'" + field + "' in " + path + " must be " + SHAPES[parts] + " (" + parts + (parts == 1 ? " part" : " dot-separated parts")
                    + (value instanceof ScalarNode && parts > 1 ? "; a list of the parts for names with dots" : "") + "), not " + InputFile.describe(value));
        }
        for (String name : names) {
            if (name.isEmpty()) {
                throw file.error(value, "'" + field + "' in " + path + " has an empty name part: " + InputFile.describe(value));
            }
        }
        return names;
    }

    /** Levenshtein distance, for "did you mean" (short strings only). */
    static int editDistance(String a, String b)
    {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
