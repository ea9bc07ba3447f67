package dev.trinobundle.accesscontrol.rules;

import com.google.common.collect.ImmutableList;
import dev.trinobundle.accesscontrol.rules.RuleSet.CatalogPermission;
import dev.trinobundle.accesscontrol.rules.RuleSet.CatalogSchemaPermission;

import java.util.HashMap;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.Map;
import java.util.regex.Pattern;

import static com.google.common.base.Suppliers.memoize;

/**
 * The rules of a {@link RuleSet} whose user/role/group conditions match one identity, in their original order, so
 * first-match-wins is unchanged. Built once per identity (the rule set caches them), so checks and filters answer
 * without re-evaluating the identity conditions of every rule; immutable and shared between threads.
 * {@link CatalogScope} adds per-catalog and per-schema memoization for one filter call (not thread-safe).
 */
public final class IdentityRules
{
    // each section's rules are matched on first use: a cold identity (a BI tool impersonating thousands of users)
    // pays only for the sections its check reads, as Trino's first-match scan does
    final Supplier<List<CatalogRule>> catalogRules;
    final Supplier<List<SchemaRule>> schemaRules;
    final Supplier<List<TableRule>> tableRules;
    final Supplier<List<RoutineRule>> functionRules;
    final Supplier<List<RoutineRule>> procedureRules;
    final Supplier<List<SessionPropertyRule>> systemSessionPropertyRules;
    final Supplier<List<SessionPropertyRule>> catalogSessionPropertyRules;
    final Supplier<List<SystemInformationRule>> systemInformationRules;
    final Supplier<List<CatalogPermission>> anyCatalogPermissions;
    final Supplier<List<CatalogSchemaPermission>> anyCatalogSchemaPermissions;
    final Supplier<List<QueryRule>> queryRules;

    IdentityRules(RuleIdentity identity, RuleSet rules)
    {
        this.catalogRules = memoize(() -> matching(rules.catalogRules(), CatalogRule::subject, identity));
        this.schemaRules = memoize(() -> matching(rules.schemaRules(), SchemaRule::subject, identity));
        this.tableRules = memoize(() -> matching(rules.tableRules(), TableRule::subject, identity));
        this.functionRules = memoize(() -> matching(rules.functionRules(), RoutineRule::subject, identity));
        this.procedureRules = memoize(() -> matching(rules.procedureRules(), RoutineRule::subject, identity));
        this.systemSessionPropertyRules = memoize(() -> matching(rules.systemSessionPropertyRules(), SessionPropertyRule::subject, identity));
        this.catalogSessionPropertyRules = memoize(() -> matching(rules.catalogSessionPropertyRules(), SessionPropertyRule::subject, identity));
        this.systemInformationRules = memoize(() -> matching(rules.systemInformationRules(), SystemInformationRule::subject, identity));
        this.anyCatalogPermissions = memoize(() -> matching(rules.anyCatalogPermissions(), CatalogPermission::subject, identity));
        this.anyCatalogSchemaPermissions = memoize(() -> matching(rules.anyCatalogSchemaPermissions(), CatalogSchemaPermission::subject, identity));
        this.queryRules = memoize(() -> matching(rules.queryRules().orElse(List.of()), QueryRule::subject, identity));
    }

    /** The rules whose subject (user, role, group) matches, in file order, so that the first match still wins. */
    private static <T> List<T> matching(List<T> rules, Function<T, Subject> subject, RuleIdentity identity)
    {
        return rules.stream().filter(rule -> subject.apply(rule).matches(identity)).collect(ImmutableList.toImmutableList());
    }

    /** The first matching catalog rule, or null when none matches. */
    CatalogRule catalogRule(String catalog)
    {
        for (CatalogRule rule : catalogRules.get()) {
            if (Subject.matches(rule.catalog(), catalog)) {
                return rule;
            }
        }
        return null;
    }

    /** The access mode of the first matching catalog rule, or null when none matches. */
    public CatalogAccess catalogAccess(String catalog)
    {
        CatalogRule rule = catalogRule(catalog);
        return rule == null ? null : rule.access();
    }

    static boolean implies(CatalogAccess access, CatalogAccess required)
    {
        return access != null && access.implies(required);
    }

    /** Same decision as {@link RuleSet#anyCatalogAccess}. */
    public boolean canSeeCatalog(String catalog)
    {
        CatalogAccess access = catalogAccess(catalog);
        if (access == CatalogAccess.OWNER) {
            return true;
        }
        if (!implies(access, CatalogAccess.READ_ONLY)) {
            return false;
        }
        for (CatalogPermission permission : anyCatalogPermissions.get()) {
            if (Subject.matches(permission.catalog(), catalog)) {
                return true;
            }
        }
        return false;
    }

    /** Same decision as {@link RuleSet#queryAccess} for another user's query, with the identity part done once. */
    public boolean canAccessQueryOwnedBy(String owner, QueryAccess required)
    {
        for (QueryRule rule : queryRules.get()) {
            if (Subject.matches(rule.queryOwner(), owner)) {
                return rule.allow().contains(required);
            }
        }
        return false;
    }

    public CatalogScope forCatalog(String catalog)
    {
        return new CatalogScope(catalog);
    }

    /** Answers for one catalog, memoizing per schema. */
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

        private CatalogScope(String catalog)
        {
            this.catalog = catalog;
            this.access = catalogAccess(catalog);
            this.catalogSchemaRules = schemaRules.get().stream().filter(rule -> Subject.matches(rule.catalog(), catalog)).collect(ImmutableList.toImmutableList());
            this.catalogTableRules = tableRules.get().stream().filter(rule -> Subject.matches(rule.catalog(), catalog)).collect(ImmutableList.toImmutableList());
            this.catalogFunctionRules = functionRules.get().stream().filter(rule -> Subject.matches(rule.catalog(), catalog)).collect(ImmutableList.toImmutableList());
            this.catalogSchemaPermissions = anyCatalogSchemaPermissions.get().stream().filter(rule -> Subject.matches(rule.catalog(), catalog)).collect(ImmutableList.toImmutableList());
        }

        public boolean canRead()
        {
            return implies(access, CatalogAccess.READ_ONLY);
        }

        /** Same decision as {@link RuleSet#schemaOwner}. */
        public boolean isSchemaOwner(String schema)
        {
            if (!implies(access, CatalogAccess.ALL)) {
                return false;
            }
            return schemaOwner.computeIfAbsent(schema, name -> {
                for (SchemaRule rule : catalogSchemaRules) {
                    if (Subject.matches(rule.schema(), name)) {
                        return rule.owner();
                    }
                }
                return false;
            });
        }

        /** Same decision as {@link RuleSet#anySchemaAccess}. */
        public boolean canSeeSchema(String schema)
        {
            if (!canRead()) {
                return false;
            }
            for (CatalogSchemaPermission permission : catalogSchemaPermissions) {
                if (Subject.matches(permission.schema(), schema)) {
                    return true;
                }
            }
            return false;
        }

        /** The first table rule matching the table, or null; the caller handles information_schema and the catalog gate. */
        public TableRule tableRule(String schema, String table)
        {
            return tableRulesBySchema.computeIfAbsent(schema, name -> new TableRuleIndex(
                    catalogTableRules.stream().filter(rule -> Subject.matches(rule.schema(), name)).toList()))
                    .first(table);
        }

        /** Same decision as {@link RuleSet#anyTablePermission}. */
        public boolean hasAnyTablePermission(String schema, String table)
        {
            if (!canRead()) {
                return false;
            }
            if (RuleSet.INFORMATION_SCHEMA.equals(schema)) {
                return true;
            }
            TableRule rule = tableRule(schema, table);
            return rule != null && !rule.privileges().isEmpty();
        }

        /** The first function rule for the routine, or null; the caller handles the catalog gate. */
        public RoutineRule functionRule(String schema, String function)
        {
            for (RoutineRule rule : catalogFunctionRules) {
                if (Subject.matches(rule.schema(), schema) && Subject.matches(rule.routine(), function)) {
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

        TableRule first(String table)
        {
            TableRule literal = firstLiteral.get(table);
            for (TableRule rule : patterns) {
                if (literal != null && rule.source().index() > literal.source().index()) {
                    break;
                }
                if (Subject.matches(rule.table(), table)) {
                    return rule;
                }
            }
            return literal;
        }
    }
}
