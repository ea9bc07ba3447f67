package dev.trinobundle.authenticator;

/**
 * Runs one verification of a password against a stored value (the bcrypt/PBKDF2 work itself). A binding of its own, so
 * that what the authenticator verifies, and how often, can be observed from outside.
 */
interface PasswordVerifier
{
    PasswordVerifier DIRECT = StoredPassword::matches;

    boolean verify(StoredPassword stored, String password);
}
