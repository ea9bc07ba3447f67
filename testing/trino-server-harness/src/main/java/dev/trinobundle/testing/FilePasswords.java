package dev.trinobundle.testing;

import at.favre.lib.crypto.bcrypt.BCrypt;

import java.util.Map;
import java.util.stream.Collectors;

import static java.nio.charset.StandardCharsets.UTF_8;

/** Writes a password file for Trino's built-in {@code file} password authenticator ({@code user:bcrypt-hash} lines). */
final class FilePasswords
{
    // Trino accepts bcrypt cost 8 and above; the lowest keeps server-side verification cheap in tests.
    private static final int BCRYPT_COST = 8;

    private FilePasswords() {}

    static String passwordFile(Map<String, String> userToPassword)
    {
        return userToPassword.entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .map(entry -> entry.getKey() + ":" + new String(BCrypt.with(BCrypt.Version.VERSION_2Y).hash(BCRYPT_COST, entry.getValue().getBytes(UTF_8)), UTF_8))
                .collect(Collectors.joining("\n", "", "\n"));
    }
}
