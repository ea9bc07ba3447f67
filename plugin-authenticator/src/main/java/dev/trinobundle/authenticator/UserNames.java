package dev.trinobundle.authenticator;

import java.util.regex.Pattern;

/**
 * Which user names may reach Vault. The name becomes a path segment in the PER_USER layout, so anything that could change
 * the path is refused: separators, dot segments, percent-encoding, control and non-ASCII characters.
 */
final class UserNames
{
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.@+-]{0,127}");

    private UserNames() {}

    static boolean isValid(String user)
    {
        return user != null && VALID.matcher(user).matches() && !user.contains("..");
    }

    /** The name as it may appear in a log line: printable ASCII only, bounded length. */
    static String forLog(String user)
    {
        if (user == null) {
            return "<null>";
        }
        StringBuilder builder = new StringBuilder();
        for (int i = 0; i < user.length() && builder.length() < 64; i++) {
            char c = user.charAt(i);
            builder.append(c >= 0x21 && c < 0x7f ? c : '?');
        }
        if (user.length() > 64) {
            builder.append("…");
        }
        return builder.toString();
    }
}
