package dev.trinobundle.accesscontrol.rules;

import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The decisions of a {@link RuleSet} about who the user is and what it may run: {@code impersonation},
 * {@code principals}, {@code queries}, {@code system_information}, session properties, {@code functions},
 * {@code procedures} and {@code authorization}, as Trino's file-based control takes them; every one draws its regex
 * matches from the one budget it is given.
 */
final class PrincipalDecisions
{
    private PrincipalDecisions() {}

    static Decision impersonation(Optional<List<ImpersonationRule>> impersonationRules, boolean hasPrincipalRules, RuleIdentity original, String newUser, MatchBudget budget)
    {
        if (impersonationRules.isEmpty()) {
            // Trino: without an impersonation section the deprecated principals rules are assumed to handle it
            return hasPrincipalRules ? Decision.exempt("impersonation", "section 'impersonation' absent and 'principals' present: allowed") : Decision.noRule("impersonation");
        }
        for (ImpersonationRule rule : impersonationRules.get()) {
            Optional<Boolean> allowed = rule.match(original, newUser, budget);
            if (allowed.isPresent()) {
                return Decision.byRule(allowed.get(), "impersonation", rule);
            }
        }
        return Decision.noRule("impersonation");
    }

    static Decision setUser(Optional<List<PrincipalRule>> principalRules, Optional<String> principal, String userName, MatchBudget budget)
    {
        if (principalRules.isEmpty()) {
            return Decision.exempt("principals", "section 'principals' absent: allowed");
        }
        if (principal.isEmpty()) {
            return new Decision(false, "principals", null, "no principal");
        }
        for (PrincipalRule rule : principalRules.get()) {
            Optional<Boolean> allowed = rule.match(principal.get(), userName, budget);
            if (allowed.isPresent()) {
                return Decision.byRule(allowed.get(), "principals", rule);
            }
        }
        return Decision.noRule("principals");
    }

    /** {@code owner} is null for executing a query. */
    static Decision queryAccess(IdentityRules rules, String owner, QueryAccess required, MatchBudget budget)
    {
        for (QueryRule rule : rules.queryRules.get(budget)) {
            if (rule.matchesOwner(owner, budget)) {
                return Decision.byRule(rule.allow().contains(required), "queries", rule);
            }
        }
        return Decision.noRule("queries");
    }

    static Decision systemInformation(IdentityRules rules, SystemInformationAccess required, MatchBudget budget)
    {
        List<SystemInformationRule> matching = rules.systemInformationRules.get(budget);
        if (matching.isEmpty()) {
            return Decision.noRule("system_information");
        }
        SystemInformationRule rule = matching.getFirst();
        return Decision.byRule(rule.allow().contains(required), "system_information", rule);
    }

    static Decision systemSessionProperty(IdentityRules rules, String property, MatchBudget budget)
    {
        for (SessionPropertyRule rule : rules.systemSessionPropertyRules.get(budget)) {
            if (rule.matchesObject(null, property, budget)) {
                return Decision.byRule(rule.allow(), "system_session_properties", rule);
            }
        }
        return Decision.noRule("system_session_properties");
    }

    static Decision catalogSessionProperty(IdentityRules rules, String catalog, String property, MatchBudget budget)
    {
        Decision access = ObjectDecisions.catalogAccess(rules, catalog, CatalogAccess.READ_ONLY, budget);
        if (!access.allowed()) {
            return access;
        }
        for (SessionPropertyRule rule : rules.catalogSessionPropertyRules.get(budget)) {
            if (rule.matchesObject(catalog, property, budget)) {
                return Decision.byRule(rule.allow(), "catalog_session_properties", rule);
            }
        }
        return Decision.noRule("catalog_session_properties");
    }

    static Decision routine(IdentityRules rules, List<RoutineRule> sectionRules, String section, String catalog, String schema, String name, Predicate<RoutineRule> check, MatchBudget budget)
    {
        Decision access = ObjectDecisions.catalogAccess(rules, catalog, CatalogAccess.READ_ONLY, budget);
        if (!access.allowed()) {
            return access;
        }
        for (RoutineRule rule : sectionRules) {
            if (rule.matchesObject(catalog, schema, name, budget)) {
                return Decision.byRule(check.test(rule), section, rule);
            }
        }
        return Decision.noRule(section);
    }

    static Decision authorization(List<AuthorizationRule> authorizationRules, RuleIdentity identity, String newPrincipal, boolean newPrincipalIsRole, MatchBudget budget)
    {
        for (AuthorizationRule rule : authorizationRules) {
            if (rule.matches(identity, newPrincipal, newPrincipalIsRole, budget)) {
                return Decision.byRule(rule.allow(), "authorization", rule);
            }
        }
        return Decision.noRule("authorization");
    }
}
