package dev.trinobundle.accesscontrol.rules;

public enum QueryAccess
{
    EXECUTE, VIEW, KILL
}
