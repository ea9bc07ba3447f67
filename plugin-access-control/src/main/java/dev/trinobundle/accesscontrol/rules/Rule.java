package dev.trinobundle.accesscontrol.rules;

/** Any rule of a rules file; its source says where it came from. */
public interface Rule
{
    RuleSource source();
}
