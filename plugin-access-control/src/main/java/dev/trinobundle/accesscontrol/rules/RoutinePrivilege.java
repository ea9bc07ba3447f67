package dev.trinobundle.accesscontrol.rules;

/** Privileges of {@code functions} rules; {@code procedures} rules accept only EXECUTE and GRANT_EXECUTE. */
public enum RoutinePrivilege
{
    EXECUTE, GRANT_EXECUTE, OWNERSHIP
}
