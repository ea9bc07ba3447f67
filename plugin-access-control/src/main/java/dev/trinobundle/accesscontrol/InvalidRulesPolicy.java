package dev.trinobundle.accesscontrol;

/** What {@code security.on-invalid-rules} does when a reload finds an invalid rules file. */
public enum InvalidRulesPolicy
{
    /** Keep enforcing the last good rules (the default; Trino's {@code file} control fails every query instead). */
    KEEP_LAST,
    /** Deny every check until the file is valid again: fail closed. */
    DENY_ALL,
}
