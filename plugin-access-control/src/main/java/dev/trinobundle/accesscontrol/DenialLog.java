package dev.trinobundle.accesscontrol;

import dev.trinobundle.accesscontrol.rules.Decision;
import io.airlift.log.Logger;

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
