package dev.trinobundle.accesscontrol.rules;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import com.google.common.hash.Hashing;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * A compiled rules file with Trino's defaults for absent sections, and the decisions Trino's file-based system access
 * control takes on it. Its rules never change; it caches, per identity, the rules whose subject matches. Evaluation
 * needs no Trino classes, so the {@code check}/{@code explain} tool and the access control share it.
 */
public final class RuleSet
{
    public static final String INFORMATION_SCHEMA = "information_schema";

    private static final int IDENTITY_CACHE_SIZE = 4096;

    private final String contentHash;
    private final List<CatalogRule> catalogRules;
    private final Optional<List<QueryRule>> queryRules;
    private final Optional<List<ImpersonationRule>> impersonationRules;
    private final Optional<List<PrincipalRule>> principalRules;
    private final List<SystemInformationRule> systemInformationRules;
    private final List<AuthorizationRule> authorizationRules;
    private final List<SchemaRule> schemaRules;
    private final List<TableRule> tableRules;
    private final List<SessionPropertyRule> systemSessionPropertyRules;
    private final List<SessionPropertyRule> catalogSessionPropertyRules;
    private final List<RoutineRule> functionRules;
    private final List<RoutineRule> procedureRules;
    // checks and filters reuse the rules that apply to an identity: a Trino cluster has few distinct identities
    private final Cache<RuleIdentity, IdentityRules> identityRules = CacheBuilder.newBuilder().maximumSize(IDENTITY_CACHE_SIZE).build();
    // derived "has any permission in the catalog / schema" rules that drive visibility (SHOW, filters), as Trino derives them
    private final List<CatalogPermission> anyCatalogPermissions;
    private final List<CatalogSchemaPermission> anyCatalogSchemaPermissions;

    record CatalogPermission(Subject subject, Pattern catalog) {}

    record CatalogSchemaPermission(Subject subject, Pattern catalog, Pattern schema) {}

    private RuleSet(Builder builder)
    {
        this.contentHash = builder.contentHash;
        this.catalogRules = builder.catalogs
                .<List<CatalogRule>>map(rules -> ImmutableList.<CatalogRule>builder()
                        .addAll(rules)
                        // Trino appends this rule so that the system catalog stays usable when a catalogs section exists
                        .add(new CatalogRule(RuleSource.implicit("catalogs", "implicit rule appended by Trino: {\"user\": \".*\", \"catalog\": \"system\", \"allow\": \"all\"}"),
                                new Subject(Pattern.compile(".*"), null, null), Pattern.compile("system"), CatalogAccess.ALL))
                        .build())
                .orElse(List.of(new CatalogRule(implicit("catalogs", "allow all"), Subject.ANY, null, CatalogAccess.ALL)));
        this.queryRules = builder.queries;
        this.impersonationRules = builder.impersonation;
        this.principalRules = builder.principals;
        this.systemInformationRules = builder.systemInformation.orElse(List.of());
        this.authorizationRules = builder.authorization.orElse(List.of());
        this.schemaRules = builder.schemas.orElse(List.of(new SchemaRule(implicit("schemas", "everyone owns every schema"), Subject.ANY, null, null, true)));
        this.tableRules = builder.tables.orElse(List.of(new TableRule(implicit("tables", "all privileges on every table"), Subject.ANY, null, null, null,
                ImmutableSet.copyOf(TablePrivilege.values()), Map.of(), Optional.empty(), Optional.empty())));
        this.systemSessionPropertyRules = builder.systemSessionProperties.orElse(List.of(
                new SessionPropertyRule(implicit("system_session_properties", "allow all"), Subject.ANY, null, null, true)));
        this.catalogSessionPropertyRules = builder.catalogSessionProperties.orElse(List.of(
                new SessionPropertyRule(implicit("catalog_session_properties", "allow all"), Subject.ANY, null, null, true)));
        this.functionRules = builder.functions.orElse(List.of(builtinOnly("functions")));
        this.procedureRules = builder.procedures.orElse(List.of(builtinOnly("procedures")));

        ImmutableList.Builder<CatalogPermission> catalogPermissions = ImmutableList.builder();
        ImmutableList.Builder<CatalogSchemaPermission> schemaPermissions = ImmutableList.builder();
        for (SchemaRule rule : schemaRules) {
            if (rule.owner()) {
                catalogPermissions.add(new CatalogPermission(rule.subject(), rule.catalog()));
                schemaPermissions.add(new CatalogSchemaPermission(rule.subject(), rule.catalog(), rule.schema()));
            }
        }
        for (TableRule rule : tableRules) {
            if (!rule.privileges().isEmpty()) {
                catalogPermissions.add(new CatalogPermission(rule.subject(), rule.catalog()));
                schemaPermissions.add(new CatalogSchemaPermission(rule.subject(), rule.catalog(), rule.schema()));
            }
        }
        for (SessionPropertyRule rule : catalogSessionPropertyRules) {
            if (rule.allow()) {
                catalogPermissions.add(new CatalogPermission(rule.subject(), rule.catalog()));
            }
        }
        for (RoutineRule rule : ImmutableList.<RoutineRule>builder().addAll(functionRules).addAll(procedureRules).build()) {
            if (!rule.privileges().isEmpty()) {
                catalogPermissions.add(new CatalogPermission(rule.subject(), rule.catalog()));
                schemaPermissions.add(new CatalogSchemaPermission(rule.subject(), rule.catalog(), rule.schema()));
            }
        }
        this.anyCatalogPermissions = catalogPermissions.build();
        this.anyCatalogSchemaPermissions = schemaPermissions.build();
    }

    private static RuleSource implicit(String section, String description)
    {
        return RuleSource.implicit(section, "section '" + section + "' absent: " + description);
    }

    private static RoutineRule builtinOnly(String section)
    {
        return new RoutineRule(implicit(section, "only built-in " + section + " (system.builtin) may be executed"), Subject.ANY,
                Pattern.compile("system"), Pattern.compile("builtin"), null, ImmutableSet.of(RoutinePrivilege.EXECUTE, RoutinePrivilege.GRANT_EXECUTE));
    }

    public static String contentHash(byte[] content)
    {
        return Hashing.sha256().hashBytes(content).toString();
    }

    public static Builder builder(String contentHash)
    {
        return new Builder(contentHash);
    }

    /** SHA-256 of the file content the rules were parsed from. */
    public String contentHash()
    {
        return contentHash;
    }

    List<TableRule> tableRules()
    {
        return tableRules;
    }

    /** A regex that gave up on hostile input decides nothing: the check is denied, naming the regex (fail closed). */
    private static Decision bounded(String section, Supplier<Decision> decision)
    {
        try {
            return decision.get();
        }
        catch (MatchBudgetExceededException e) {
            return new Decision(false, section, null, e.getMessage());
        }
    }

    // ---- identity and query decisions

    public Decision impersonation(RuleIdentity original, String newUser)
    {
        return bounded("impersonation", () -> {
            if (impersonationRules.isEmpty()) {
                // Trino: without an impersonation section the deprecated principals rules are assumed to handle it
                return principalRules.isPresent() ? Decision.exempt("impersonation", "section 'impersonation' absent and 'principals' present: allowed") : Decision.noRule("impersonation");
            }
            for (ImpersonationRule rule : impersonationRules.get()) {
                Optional<Boolean> allowed = rule.match(original, newUser);
                if (allowed.isPresent()) {
                    return Decision.byRule(allowed.get(), "impersonation", rule);
                }
            }
            return Decision.noRule("impersonation");
        });
    }

    public Decision setUser(Optional<String> principal, String userName)
    {
        return bounded("principals", () -> {
            if (principalRules.isEmpty()) {
                return Decision.exempt("principals", "section 'principals' absent: allowed");
            }
            if (principal.isEmpty()) {
                return new Decision(false, "principals", null, "no principal");
            }
            for (PrincipalRule rule : principalRules.get()) {
                Optional<Boolean> allowed = rule.match(principal.get(), userName);
                if (allowed.isPresent()) {
                    return Decision.byRule(allowed.get(), "principals", rule);
                }
            }
            return Decision.noRule("principals");
        });
    }

    public boolean hasQueryRules()
    {
        return queryRules.isPresent();
    }

    /** {@code owner} is null for executing a query. */
    public Decision queryAccess(RuleIdentity identity, String owner, QueryAccess required)
    {
        return bounded("queries", () -> {
            if (queryRules.isEmpty()) {
                return Decision.exempt("queries", "section 'queries' absent: allowed");
            }
            for (QueryRule rule : forIdentity(identity).queryRules.get()) {
                if (rule.matchesOwner(owner)) {
                    return Decision.byRule(rule.allow().contains(required), "queries", rule);
                }
            }
            return Decision.noRule("queries");
        });
    }

    public Decision systemInformation(RuleIdentity identity, SystemInformationAccess required)
    {
        return bounded("system_information", () -> {
            List<SystemInformationRule> rules = forIdentity(identity).systemInformationRules.get();
            if (rules.isEmpty()) {
                return Decision.noRule("system_information");
            }
            SystemInformationRule rule = rules.getFirst();
            return Decision.byRule(rule.allow().contains(required), "system_information", rule);
        });
    }

    public Decision systemSessionProperty(RuleIdentity identity, String property)
    {
        return bounded("system_session_properties", () -> {
            for (SessionPropertyRule rule : forIdentity(identity).systemSessionPropertyRules.get()) {
                if (rule.matchesObject(null, property)) {
                    return Decision.byRule(rule.allow(), "system_session_properties", rule);
                }
            }
            return Decision.noRule("system_session_properties");
        });
    }

    // ---- catalogs and schemas

    public CatalogRule catalogRule(RuleIdentity identity, String catalog)
    {
        return forIdentity(identity).catalogRule(catalog);
    }

    public Decision catalogAccess(RuleIdentity identity, String catalog, CatalogAccess required)
    {
        return bounded("catalogs", () -> {
            return catalogAccess(forIdentity(identity), catalog, required);
        });
    }

    // The checks below look the identity's rules up once and pass them on: the cache lookup hashes the whole identity.
    private static Decision catalogAccess(IdentityRules rules, String catalog, CatalogAccess required)
    {
        CatalogRule rule = rules.catalogRule(catalog);
        return rule == null ? Decision.noRule("catalogs") : Decision.byRule(rule.access().implies(required), "catalogs", rule);
    }

    /** Catalog visibility: owner of the catalog, or read access plus any permission inside it. */
    public Decision anyCatalogAccess(RuleIdentity identity, String catalog)
    {
        return bounded("catalogs", () -> {
            IdentityRules rules = forIdentity(identity);
            Decision access = catalogAccess(rules, catalog, CatalogAccess.READ_ONLY);
            if (!access.allowed() || ((CatalogRule) access.rule()).access() == CatalogAccess.OWNER) {
                return access;
            }
            for (CatalogPermission permission : rules.anyCatalogPermissions.get()) {
                if (Subject.matches(permission.catalog(), catalog)) {
                    return access;
                }
            }
            return new Decision(false, "catalogs", access.rule(), "no schema, table, function, procedure or session property rule grants anything in catalog " + catalog);
        });
    }

    /** Schema visibility: read access to the catalog plus any permission in the schema. */
    public Decision anySchemaAccess(RuleIdentity identity, String catalog, String schema)
    {
        return bounded("catalogs", () -> {
            IdentityRules rules = forIdentity(identity);
            Decision access = catalogAccess(rules, catalog, CatalogAccess.READ_ONLY);
            if (!access.allowed()) {
                return access;
            }
            for (CatalogSchemaPermission permission : rules.anyCatalogSchemaPermissions.get()) {
                if (Subject.matches(permission.catalog(), catalog) && Subject.matches(permission.schema(), schema)) {
                    return access;
                }
            }
            return new Decision(false, "catalogs", access.rule(), "no schema, table, function or procedure rule grants anything in schema " + catalog + "." + schema);
        });
    }

    public Decision schemaOwner(RuleIdentity identity, String catalog, String schema)
    {
        return bounded("schemas", () -> {
            IdentityRules rules = forIdentity(identity);
            Decision access = catalogAccess(rules, catalog, CatalogAccess.ALL);
            if (!access.allowed()) {
                return access;
            }
            for (SchemaRule rule : rules.schemaRules.get()) {
                if (rule.matchesObject(catalog, schema)) {
                    return Decision.byRule(rule.owner(), "schemas", rule);
                }
            }
            return Decision.noRule("schemas");
        });
    }

    // ---- tables

    public TableRule tableRule(RuleIdentity identity, String catalog, String schema, String table)
    {
        return tableRule(forIdentity(identity), catalog, schema, table);
    }

    private static TableRule tableRule(IdentityRules rules, String catalog, String schema, String table)
    {
        for (TableRule rule : rules.tableRules.get()) {
            if (rule.matchesObject(catalog, schema, table)) {
                return rule;
            }
        }
        return null;
    }

    /** SELECT and GRANT_SELECT need read-only catalog access, every other privilege needs {@code all}. */
    public Decision tablePermission(RuleIdentity identity, String catalog, String schema, String table, TablePrivilege privilege)
    {
        CatalogAccess gate = privilege == TablePrivilege.SELECT || privilege == TablePrivilege.GRANT_SELECT ? CatalogAccess.READ_ONLY : CatalogAccess.ALL;
        return tablePermission(identity, catalog, schema, table, gate, privileges -> privileges.contains(privilege));
    }

    public Decision anyTablePermission(RuleIdentity identity, String catalog, String schema, String table)
    {
        return tablePermission(identity, catalog, schema, table, CatalogAccess.READ_ONLY, privileges -> !privileges.isEmpty());
    }

    private Decision tablePermission(RuleIdentity identity, String catalog, String schema, String table, CatalogAccess gate, Predicate<Set<TablePrivilege>> check)
    {
        return bounded("tables", () -> {
            IdentityRules rules = forIdentity(identity);
            Decision access = catalogAccess(rules, catalog, gate);
            if (!access.allowed()) {
                return access;
            }
            if (INFORMATION_SCHEMA.equals(schema)) {
                return Decision.exempt("tables", "information_schema is always accessible");
            }
            TableRule rule = tableRule(rules, catalog, schema, table);
            return rule == null ? Decision.noRule("tables") : Decision.byRule(check.test(rule.privileges()), "tables", rule);
        });
    }

    /** SELECT on columns: the catalog {@code gate}, then the first table rule must allow SELECT on all of them. */
    public Decision selectColumns(RuleIdentity identity, String catalog, String schema, String table, Set<String> columns, CatalogAccess gate)
    {
        return bounded("tables", () -> {
            IdentityRules rules = forIdentity(identity);
            Decision access = catalogAccess(rules, catalog, gate);
            if (!access.allowed()) {
                return access;
            }
            if (INFORMATION_SCHEMA.equals(schema)) {
                return Decision.exempt("tables", "information_schema is always accessible");
            }
            TableRule rule = tableRule(rules, catalog, schema, table);
            return rule == null ? Decision.noRule("tables") : Decision.byRule(rule.canSelectColumns(columns), "tables", rule);
        });
    }

    // ---- session properties, routines, authorization

    public Decision catalogSessionProperty(RuleIdentity identity, String catalog, String property)
    {
        return bounded("catalog_session_properties", () -> {
            IdentityRules rules = forIdentity(identity);
            Decision access = catalogAccess(rules, catalog, CatalogAccess.READ_ONLY);
            if (!access.allowed()) {
                return access;
            }
            for (SessionPropertyRule rule : rules.catalogSessionPropertyRules.get()) {
                if (rule.matchesObject(catalog, property)) {
                    return Decision.byRule(rule.allow(), "catalog_session_properties", rule);
                }
            }
            return Decision.noRule("catalog_session_properties");
        });
    }

    public Decision procedure(RuleIdentity identity, String catalog, String schema, String procedure)
    {
        return bounded("procedures", () -> {
            IdentityRules rules = forIdentity(identity);
            return routine(rules, rules.procedureRules.get(), "procedures", catalog, schema, procedure, RoutineRule::canExecute);
        });
    }

    public Decision function(RuleIdentity identity, String catalog, String schema, String function, Predicate<RoutineRule> check)
    {
        return bounded("functions", () -> {
            IdentityRules rules = forIdentity(identity);
            return routine(rules, rules.functionRules.get(), "functions", catalog, schema, function, check);
        });
    }

    private static Decision routine(IdentityRules rules, List<RoutineRule> sectionRules, String section, String catalog, String schema, String name, Predicate<RoutineRule> check)
    {
        Decision access = catalogAccess(rules, catalog, CatalogAccess.READ_ONLY);
        if (!access.allowed()) {
            return access;
        }
        for (RoutineRule rule : sectionRules) {
            if (rule.matchesObject(catalog, schema, name)) {
                return Decision.byRule(check.test(rule), section, rule);
            }
        }
        return Decision.noRule(section);
    }

    public Decision authorization(RuleIdentity identity, String newPrincipal, boolean newPrincipalIsRole)
    {
        return bounded("authorization", () -> {
            for (AuthorizationRule rule : authorizationRules) {
                if (rule.matches(identity, newPrincipal, newPrincipalIsRole)) {
                    return Decision.byRule(rule.allow(), "authorization", rule);
                }
            }
            return Decision.noRule("authorization");
        });
    }

    // ---- the rules whose subject matches an identity, computed once per identity and cached

    /** The rules that can apply to this identity. */
    public IdentityRules forIdentity(RuleIdentity identity)
    {
        return identityRules.asMap().computeIfAbsent(identity, key -> new IdentityRules(key, this));
    }

    List<CatalogRule> catalogRules()
    {
        return catalogRules;
    }

    List<SchemaRule> schemaRules()
    {
        return schemaRules;
    }

    List<RoutineRule> functionRules()
    {
        return functionRules;
    }

    List<RoutineRule> procedureRules()
    {
        return procedureRules;
    }

    List<SessionPropertyRule> systemSessionPropertyRules()
    {
        return systemSessionPropertyRules;
    }

    List<SessionPropertyRule> catalogSessionPropertyRules()
    {
        return catalogSessionPropertyRules;
    }

    List<SystemInformationRule> systemInformationRules()
    {
        return systemInformationRules;
    }

    List<CatalogPermission> anyCatalogPermissions()
    {
        return anyCatalogPermissions;
    }

    List<CatalogSchemaPermission> anyCatalogSchemaPermissions()
    {
        return anyCatalogSchemaPermissions;
    }

    Optional<List<QueryRule>> queryRules()
    {
        return queryRules;
    }

    public static final class Builder
    {
        private final String contentHash;
        private Optional<List<CatalogRule>> catalogs = Optional.empty();
        private Optional<List<SchemaRule>> schemas = Optional.empty();
        private Optional<List<TableRule>> tables = Optional.empty();
        private Optional<List<SystemInformationRule>> systemInformation = Optional.empty();
        private Optional<List<SessionPropertyRule>> systemSessionProperties = Optional.empty();
        private Optional<List<SessionPropertyRule>> catalogSessionProperties = Optional.empty();
        private Optional<List<RoutineRule>> functions = Optional.empty();
        private Optional<List<RoutineRule>> procedures = Optional.empty();
        private Optional<List<QueryRule>> queries = Optional.empty();
        private Optional<List<ImpersonationRule>> impersonation = Optional.empty();
        private Optional<List<PrincipalRule>> principals = Optional.empty();
        private Optional<List<AuthorizationRule>> authorization = Optional.empty();

        private Builder(String contentHash)
        {
            this.contentHash = requireNonNull(contentHash, "contentHash is null");
        }

        public Builder catalogs(Optional<List<CatalogRule>> rules) { this.catalogs = rules; return this; }
        public Builder schemas(Optional<List<SchemaRule>> rules) { this.schemas = rules; return this; }
        public Builder tables(Optional<List<TableRule>> rules) { this.tables = rules; return this; }
        public Builder systemInformation(Optional<List<SystemInformationRule>> rules) { this.systemInformation = rules; return this; }
        public Builder systemSessionProperties(Optional<List<SessionPropertyRule>> rules) { this.systemSessionProperties = rules; return this; }
        public Builder catalogSessionProperties(Optional<List<SessionPropertyRule>> rules) { this.catalogSessionProperties = rules; return this; }
        public Builder functions(Optional<List<RoutineRule>> rules) { this.functions = rules; return this; }
        public Builder procedures(Optional<List<RoutineRule>> rules) { this.procedures = rules; return this; }
        public Builder queries(Optional<List<QueryRule>> rules) { this.queries = rules; return this; }
        public Builder impersonation(Optional<List<ImpersonationRule>> rules) { this.impersonation = rules; return this; }
        public Builder principals(Optional<List<PrincipalRule>> rules) { this.principals = rules; return this; }
        public Builder authorization(Optional<List<AuthorizationRule>> rules) { this.authorization = rules; return this; }

        public RuleSet build()
        {
            return new RuleSet(this);
        }
    }
}
