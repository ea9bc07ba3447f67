package dev.trinobundle.accesscontrol.rules;

public enum TablePrivilege
{
    SELECT, INSERT, DELETE, UPDATE, OWNERSHIP, GRANT_SELECT
}
