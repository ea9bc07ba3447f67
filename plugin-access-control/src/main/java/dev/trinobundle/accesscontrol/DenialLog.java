package dev.trinobundle.accesscontrol;

import com.google.common.hash.Hashing;
import dev.trinobundle.accesscontrol.rules.Decision;
import io.airlift.log.Logger;

import static java.nio.charset.StandardCharsets.UTF_8;

/**
 * One structured line per access denial, for audit and for finding the rule to change:
 * {@code access denied: user="bob" original_user="admin" check="SelectFromColumns" object="tpch.tiny.customer" rule="tables[3]"}.
 * Values are quoted and escaped, so a crafted user or table name cannot forge fields or lines.
 */
final class DenialLog
{
    private static final Logger log = Logger.get("dev.trinobundle.accesscontrol.Denials");

    private final boolean enabled;

    DenialLog(boolean enabled)
    {
        this.enabled = enabled;
    }

    void denied(String user, String originalUser, String check, String object, Decision decision)
    {
        if (!enabled) {
            return;
        }
        log.info("access denied: user=%s original_user=%s check=%s object=%s rule=%s",
                quote(user), quote(originalUser), quote(check), quote(object), quote(decision.reason()));
    }

    /**
     * A filter left an element out because its regex matches gave up: the element is client input built to be
     * expensive, and possibly huge, so only its length and a hash (enough to tell one from another) are logged.
     */
    void hidden(String user, String originalUser, String check, String element, String reason)
    {
        if (!enabled) {
            return;
        }
        String object = "hidden: a %s-character name, sha256 %s".formatted(element.length(), Hashing.sha256().hashString(element, UTF_8).toString().substring(0, 16));
        log.info("access denied: user=%s original_user=%s check=%s object=%s rule=%s",
                quote(user), quote(originalUser), quote(check), quote(object), quote(reason));
    }

    static String quote(String value)
    {
        if (value == null) {
            return "-";
        }
        StringBuilder quoted = new StringBuilder(value.length() + 2).append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> quoted.append("\\\"");
                case '\\' -> quoted.append("\\\\");
                case '\n' -> quoted.append("\\n");
                case '\r' -> quoted.append("\\r");
                case '\t' -> quoted.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        quoted.append(String.format("\\u%04x", (int) c));
                    }
                    else {
                        quoted.append(c);
                    }
                }
            }
        }
        return quoted.append('"').toString();
    }
}
