package dev.trinobundle.accesscontrol.rules;

import com.google.common.collect.ImmutableList;
import dev.trinobundle.accesscontrol.rules.RuleSet.CatalogPermission;
import dev.trinobundle.accesscontrol.rules.RuleSet.CatalogSchemaPermission;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The rules of a {@link RuleSet} whose user/role/group conditions match one identity, in their original order, so
 * first-match-wins is unchanged. Built once per identity (the rule set caches them), so checks and filters answer
 * without re-evaluating the identity conditions of every rule; immutable and shared between threads.
 * {@link CatalogScope} adds per-catalog and per-schema memoization for one filter call (not thread-safe).
 */
public final class IdentityRules
{
    // each section's rules are matched on first use: a cold identity (a BI tool impersonating thousands of users)
    // pays only for the sections its check reads, as Trino's first-match scan does, and from that check's budget
    final Section<CatalogRule> catalogRules;
    final Section<SchemaRule> schemaRules;
    final Section<TableRule> tableRules;
    final Section<RoutineRule> functionRules;
    final Section<RoutineRule> procedureRules;
    final Section<SessionPropertyRule> systemSessionPropertyRules;
    final Section<SessionPropertyRule> catalogSessionPropertyRules;
    final Section<SystemInformationRule> systemInformationRules;
    final Section<CatalogPermission> anyCatalogPermissions;
    final Section<CatalogSchemaPermission> anyCatalogSchemaPermissions;
    final Section<QueryRule> queryRules;

    IdentityRules(RuleIdentity identity, RuleSet rules)
    {
        this.catalogRules = new Section<>(identity, rules.catalogRules(), CatalogRule::subject);
        this.schemaRules = new Section<>(identity, rules.schemaRules(), SchemaRule::subject);
        this.tableRules = new Section<>(identity, rules.tableRules(), TableRule::subject);
        this.functionRules = new Section<>(identity, rules.functionRules(), RoutineRule::subject);
        this.procedureRules = new Section<>(identity, rules.procedureRules(), RoutineRule::subject);
        this.systemSessionPropertyRules = new Section<>(identity, rules.systemSessionPropertyRules(), SessionPropertyRule::subject);
        this.catalogSessionPropertyRules = new Section<>(identity, rules.catalogSessionPropertyRules(), SessionPropertyRule::subject);
        this.systemInformationRules = new Section<>(identity, rules.systemInformationRules(), SystemInformationRule::subject);
        this.anyCatalogPermissions = new Section<>(identity, rules.anyCatalogPermissions(), CatalogPermission::subject);
        this.anyCatalogSchemaPermissions = new Section<>(identity, rules.anyCatalogSchemaPermissions(), CatalogSchemaPermission::subject);
        this.queryRules = new Section<>(identity, rules.queryRules().orElse(List.of()), QueryRule::subject);
    }

    /**
     * The rules of one section whose subject (user, role, group) matches, in file order so that the first match still
     * wins; matched on first use, from the budget of the decision that needs them. A match that gives up caches
     * nothing: the next decision pays again, from its own budget.
     */
    static final class Section<T>
    {
        private final RuleIdentity identity;
        private final List<T> rules;
        private final Function<T, Subject> subject;
        private volatile List<T> matching;

        private Section(RuleIdentity identity, List<T> rules, Function<T, Subject> subject)
        {
            this.identity = identity;
            this.rules = rules;
            this.subject = subject;
        }

        List<T> get(MatchBudget budget)
        {
            List<T> result = matching;
            if (result == null) {
                // two threads may both compute it: the results are equal, and neither waits for the other's regexes
                ImmutableList.Builder<T> builder = ImmutableList.builder();
                for (T rule : rules) {
                    if (subject.apply(rule).matches(identity, budget)) {
                        builder.add(rule);
                    }
                }
                result = builder.build();
                matching = result;
            }
            return result;
        }
    }

    /** The first matching catalog rule, or null when none matches. */
    CatalogRule catalogRule(String catalog, MatchBudget budget)
    {
        for (CatalogRule rule : catalogRules.get(budget)) {
            if (budget.matches(rule.catalog(), catalog)) {
                return rule;
            }
        }
        return null;
    }

    /** The access mode of the first matching catalog rule, or null when none matches. */
    public CatalogAccess catalogAccess(String catalog, MatchBudget budget)
    {
        CatalogRule rule = catalogRule(catalog, budget);
        return rule == null ? null : rule.access();
    }

    static boolean implies(CatalogAccess access, CatalogAccess required)
    {
        return access != null && access.implies(required);
    }

    /** Same decision as {@link RuleSet#anyCatalogAccess}. */
    public boolean canSeeCatalog(String catalog, MatchBudget budget)
    {
        CatalogAccess access = catalogAccess(catalog, budget);
        if (access == CatalogAccess.OWNER) {
            return true;
        }
        if (!implies(access, CatalogAccess.READ_ONLY)) {
            return false;
        }
        for (CatalogPermission permission : anyCatalogPermissions.get(budget)) {
            if (budget.matches(permission.catalog(), catalog)) {
                return true;
            }
        }
        return false;
    }

    /** Same decision as {@link RuleSet#queryAccess} for another user's query, with the identity part done once. */
    public boolean canAccessQueryOwnedBy(String owner, QueryAccess required, MatchBudget budget)
    {
        for (QueryRule rule : queryRules.get(budget)) {
            if (budget.matches(rule.queryOwner(), owner)) {
                return rule.allow().contains(required);
            }
        }
        return false;
    }

    /** The catalog part of a filter, decided once from {@code budget}; each element then brings its own budget. */
    public CatalogScope forCatalog(String catalog, MatchBudget budget)
    {
        return new CatalogScope(catalog, budget);
    }

    /** Answers for one catalog, memoizing per schema (a memoized answer costs no budget). */
    public final class CatalogScope
    {
        private final String catalog;
        private final CatalogAccess access;
        private final List<SchemaRule> catalogSchemaRules;
        private final List<TableRule> catalogTableRules;
        private final List<RoutineRule> catalogFunctionRules;
        private final List<CatalogSchemaPermission> catalogSchemaPermissions;
        private final Map<String, Boolean> schemaOwner = new HashMap<>();
        private final Map<String, TableRuleIndex> tableRulesBySchema = new HashMap<>();

        private CatalogScope(String catalog, MatchBudget budget)
        {
            this.catalog = catalog;
            this.access = catalogAccess(catalog, budget);
            this.catalogSchemaRules = schemaRules.get(budget).stream().filter(rule -> budget.matches(rule.catalog(), catalog)).collect(ImmutableList.toImmutableList());
            this.catalogTableRules = tableRules.get(budget).stream().filter(rule -> budget.matches(rule.catalog(), catalog)).collect(ImmutableList.toImmutableList());
            this.catalogFunctionRules = functionRules.get(budget).stream().filter(rule -> budget.matches(rule.catalog(), catalog)).collect(ImmutableList.toImmutableList());
            this.catalogSchemaPermissions = anyCatalogSchemaPermissions.get(budget).stream().filter(rule -> budget.matches(rule.catalog(), catalog)).collect(ImmutableList.toImmutableList());
        }

        public boolean canRead()
        {
            return implies(access, CatalogAccess.READ_ONLY);
        }

        /** Same decision as {@link RuleSet#schemaOwner}. */
        public boolean isSchemaOwner(String schema, MatchBudget budget)
        {
            if (!implies(access, CatalogAccess.ALL)) {
                return false;
            }
            return schemaOwner.computeIfAbsent(schema, name -> {
                for (SchemaRule rule : catalogSchemaRules) {
                    if (budget.matches(rule.schema(), name)) {
                        return rule.owner();
                    }
                }
                return false;
            });
        }

        /** Same decision as {@link RuleSet#anySchemaAccess}. */
        public boolean canSeeSchema(String schema, MatchBudget budget)
        {
            if (!canRead()) {
                return false;
            }
            for (CatalogSchemaPermission permission : catalogSchemaPermissions) {
                if (budget.matches(permission.schema(), schema)) {
                    return true;
                }
            }
            return false;
        }

        /** The first table rule matching the table, or null; the caller handles information_schema and the catalog gate. */
        public TableRule tableRule(String schema, String table, MatchBudget budget)
        {
            return tableRulesBySchema.computeIfAbsent(schema, name -> new TableRuleIndex(
                    catalogTableRules.stream().filter(rule -> budget.matches(rule.schema(), name)).toList()))
                    .first(table, budget);
        }

        /** Same decision as {@link RuleSet#anyTablePermission}. */
        public boolean hasAnyTablePermission(String schema, String table, MatchBudget budget)
        {
            if (!canRead()) {
                return false;
            }
            if (RuleSet.INFORMATION_SCHEMA.equals(schema)) {
                return true;
            }
            TableRule rule = tableRule(schema, table, budget);
            return rule != null && !rule.privileges().isEmpty();
        }

        /** The first function rule for the routine, or null; the caller handles the catalog gate. */
        public RoutineRule functionRule(String schema, String function, MatchBudget budget)
        {
            for (RoutineRule rule : catalogFunctionRules) {
                if (budget.matches(rule.schema(), schema) && budget.matches(rule.routine(), function)) {
                    return rule;
                }
            }
            return null;
        }
    }

    /**
     * Table rules of one schema, with rules whose {@code table} is a plain name looked up by hash; the first rule in
     * file order still wins because a literal hit only stops the scan of the pattern rules that come after it.
     */
    private static final class TableRuleIndex
    {
        private static final Pattern LITERAL_NAME = Pattern.compile("[A-Za-z0-9_]+");

        private final Map<String, TableRule> firstLiteral = new HashMap<>();
        private final List<TableRule> patterns;

        TableRuleIndex(List<TableRule> rules)
        {
            ImmutableList.Builder<TableRule> patterns = ImmutableList.builder();
            for (TableRule rule : rules) {
                if (rule.table() != null && LITERAL_NAME.matcher(rule.table().pattern()).matches() && rule.table().flags() == 0) {
                    firstLiteral.putIfAbsent(rule.table().pattern(), rule);
                }
                else {
                    patterns.add(rule);
                }
            }
            this.patterns = patterns.build();
        }

        TableRule first(String table, MatchBudget budget)
        {
            TableRule literal = firstLiteral.get(table);
            for (TableRule rule : patterns) {
                if (literal != null && rule.source().index() > literal.source().index()) {
                    break;
                }
                if (budget.matches(rule.table(), table)) {
                    return rule;
                }
            }
            return literal;
        }
    }
}
