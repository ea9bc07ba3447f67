package dev.trinobundle.accesscontrol.rules;

public enum SystemInformationAccess
{
    READ, WRITE
}
