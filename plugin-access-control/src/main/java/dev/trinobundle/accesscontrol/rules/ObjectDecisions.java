package dev.trinobundle.accesscontrol.rules;

import dev.trinobundle.accesscontrol.rules.RuleSet.CatalogPermission;
import dev.trinobundle.accesscontrol.rules.RuleSet.CatalogSchemaPermission;

import java.util.Set;
import java.util.function.Predicate;

import static dev.trinobundle.accesscontrol.rules.RuleSet.INFORMATION_SCHEMA;

/**
 * The {@code catalogs}, {@code schemas} and {@code tables} decisions of a {@link RuleSet}, as Trino's file-based
 * control takes them; every one draws its regex matches from the one budget it is given.
 */
final class ObjectDecisions
{
    private ObjectDecisions() {}

    static Decision catalogAccess(IdentityRules rules, String catalog, CatalogAccess required, MatchBudget budget)
    {
        CatalogRule rule = rules.catalogRule(catalog, budget);
        return rule == null ? Decision.noRule("catalogs") : Decision.byRule(rule.access().implies(required), "catalogs", rule);
    }

    /** Catalog visibility: owner of the catalog, or read access plus any permission inside it. */
    static Decision anyCatalogAccess(IdentityRules rules, String catalog, MatchBudget budget)
    {
        Decision access = catalogAccess(rules, catalog, CatalogAccess.READ_ONLY, budget);
        if (!access.allowed() || ((CatalogRule) access.rule()).access() == CatalogAccess.OWNER) {
            return access;
        }
        for (CatalogPermission permission : rules.anyCatalogPermissions.get(budget)) {
            if (budget.matches(permission.catalog(), catalog)) {
                return access;
            }
        }
        return new Decision(false, "catalogs", access.rule(), "no schema, table, function, procedure or session property rule grants anything in catalog " + catalog);
    }

    /** Schema visibility: read access to the catalog plus any permission in the schema. */
    static Decision anySchemaAccess(IdentityRules rules, String catalog, String schema, MatchBudget budget)
    {
        Decision access = catalogAccess(rules, catalog, CatalogAccess.READ_ONLY, budget);
        if (!access.allowed()) {
            return access;
        }
        for (CatalogSchemaPermission permission : rules.anyCatalogSchemaPermissions.get(budget)) {
            if (budget.matches(permission.catalog(), catalog) && budget.matches(permission.schema(), schema)) {
                return access;
            }
        }
        return new Decision(false, "catalogs", access.rule(), "no schema, table, function or procedure rule grants anything in schema " + catalog + "." + schema);
    }

    static Decision schemaOwner(IdentityRules rules, String catalog, String schema, MatchBudget budget)
    {
        Decision access = catalogAccess(rules, catalog, CatalogAccess.ALL, budget);
        if (!access.allowed()) {
            return access;
        }
        for (SchemaRule rule : rules.schemaRules.get(budget)) {
            if (rule.matchesObject(catalog, schema, budget)) {
                return Decision.byRule(rule.owner(), "schemas", rule);
            }
        }
        return Decision.noRule("schemas");
    }

    static TableRule tableRule(IdentityRules rules, String catalog, String schema, String table, MatchBudget budget)
    {
        for (TableRule rule : rules.tableRules.get(budget)) {
            if (rule.matchesObject(catalog, schema, table, budget)) {
                return rule;
            }
        }
        return null;
    }

    static Decision tablePermission(IdentityRules rules, String catalog, String schema, String table, CatalogAccess gate, Predicate<Set<TablePrivilege>> check, MatchBudget budget)
    {
        Decision access = catalogAccess(rules, catalog, gate, budget);
        if (!access.allowed()) {
            return access;
        }
        if (INFORMATION_SCHEMA.equals(schema)) {
            return Decision.exempt("tables", "information_schema is always accessible");
        }
        TableRule rule = tableRule(rules, catalog, schema, table, budget);
        return rule == null ? Decision.noRule("tables") : Decision.byRule(check.test(rule.privileges()), "tables", rule);
    }

    /** SELECT on columns: the catalog {@code gate}, then the first table rule must allow SELECT on all of them. */
    static Decision selectColumns(IdentityRules rules, String catalog, String schema, String table, Set<String> columns, CatalogAccess gate, MatchBudget budget)
    {
        Decision access = catalogAccess(rules, catalog, gate, budget);
        if (!access.allowed()) {
            return access;
        }
        if (INFORMATION_SCHEMA.equals(schema)) {
            return Decision.exempt("tables", "information_schema is always accessible");
        }
        TableRule rule = tableRule(rules, catalog, schema, table, budget);
        return rule == null ? Decision.noRule("tables") : Decision.byRule(rule.canSelectColumns(columns), "tables", rule);
    }
}
