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
import java.util.function.Function;
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
    private final boolean usesOriginalGroup;
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
        // asked on every impersonation check; the rules never change
        this.usesOriginalGroup = impersonationRules.orElse(List.of()).stream().anyMatch(rule -> rule.originalGroup() != null);
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

    /**
     * One decision, with one regex budget for all its matches (the identity's rules it evaluates on first use
     * included); a budget that runs out decides nothing: the check is denied, naming the regex (fail closed).
     */
    private static Decision bounded(String section, Function<MatchBudget, Decision> decision)
    {
        try {
            return decision.apply(MatchBudget.forDecision());
        }
        catch (MatchBudgetExceededException e) {
            return new Decision(false, section, null, e.getMessage());
        }
    }

    // ---- identity and query decisions (PrincipalDecisions)

    /** Whether an impersonation rule matches on the original user's groups, which Trino 476 does not pass in. */
    public boolean usesOriginalGroup()
    {
        return usesOriginalGroup;
    }

    public Decision impersonation(RuleIdentity original, String newUser)
    {
        return bounded("impersonation", budget -> PrincipalDecisions.impersonation(impersonationRules, principalRules.isPresent(), original, newUser, budget));
    }

    public Decision setUser(Optional<String> principal, String userName)
    {
        return bounded("principals", budget -> PrincipalDecisions.setUser(principalRules, principal, userName, budget));
    }

    public boolean hasQueryRules()
    {
        return queryRules.isPresent();
    }

    /** {@code owner} is null for executing a query. */
    public Decision queryAccess(RuleIdentity identity, String owner, QueryAccess required)
    {
        if (queryRules.isEmpty()) {
            return Decision.exempt("queries", "section 'queries' absent: allowed");
        }
        return bounded("queries", budget -> PrincipalDecisions.queryAccess(forIdentity(identity), owner, required, budget));
    }

    public Decision systemInformation(RuleIdentity identity, SystemInformationAccess required)
    {
        return bounded("system_information", budget -> PrincipalDecisions.systemInformation(forIdentity(identity), required, budget));
    }

    public Decision systemSessionProperty(RuleIdentity identity, String property)
    {
        return bounded("system_session_properties", budget -> PrincipalDecisions.systemSessionProperty(forIdentity(identity), property, budget));
    }

    public Decision catalogSessionProperty(RuleIdentity identity, String catalog, String property)
    {
        return bounded("catalog_session_properties", budget -> PrincipalDecisions.catalogSessionProperty(forIdentity(identity), catalog, property, budget));
    }

    public Decision procedure(RuleIdentity identity, String catalog, String schema, String procedure)
    {
        return bounded("procedures", budget -> {
            IdentityRules rules = forIdentity(identity);
            return PrincipalDecisions.routine(rules, rules.procedureRules.get(budget), "procedures", catalog, schema, procedure, RoutineRule::canExecute, budget);
        });
    }

    public Decision function(RuleIdentity identity, String catalog, String schema, String function, Predicate<RoutineRule> check)
    {
        return bounded("functions", budget -> {
            IdentityRules rules = forIdentity(identity);
            return PrincipalDecisions.routine(rules, rules.functionRules.get(budget), "functions", catalog, schema, function, check, budget);
        });
    }

    public Decision authorization(RuleIdentity identity, String newPrincipal, boolean newPrincipalIsRole)
    {
        return bounded("authorization", budget -> PrincipalDecisions.authorization(authorizationRules, identity, newPrincipal, newPrincipalIsRole, budget));
    }

    // ---- catalogs, schemas and tables (ObjectDecisions)

    public Decision catalogAccess(RuleIdentity identity, String catalog, CatalogAccess required)
    {
        return bounded("catalogs", budget -> ObjectDecisions.catalogAccess(forIdentity(identity), catalog, required, budget));
    }

    /** Catalog visibility: owner of the catalog, or read access plus any permission inside it. */
    public Decision anyCatalogAccess(RuleIdentity identity, String catalog)
    {
        return bounded("catalogs", budget -> ObjectDecisions.anyCatalogAccess(forIdentity(identity), catalog, budget));
    }

    /** Schema visibility: read access to the catalog plus any permission in the schema. */
    public Decision anySchemaAccess(RuleIdentity identity, String catalog, String schema)
    {
        return bounded("catalogs", budget -> ObjectDecisions.anySchemaAccess(forIdentity(identity), catalog, schema, budget));
    }

    public Decision schemaOwner(RuleIdentity identity, String catalog, String schema)
    {
        return bounded("schemas", budget -> ObjectDecisions.schemaOwner(forIdentity(identity), catalog, schema, budget));
    }

    /** The first table rule for the table, or null; throws {@link MatchBudgetExceededException} if its matches give up. */
    public TableRule tableRule(RuleIdentity identity, String catalog, String schema, String table)
    {
        return ObjectDecisions.tableRule(forIdentity(identity), catalog, schema, table, MatchBudget.forDecision());
    }

    /** SELECT and GRANT_SELECT need read-only catalog access, every other privilege needs {@code all}. */
    public Decision tablePermission(RuleIdentity identity, String catalog, String schema, String table, TablePrivilege privilege)
    {
        CatalogAccess gate = privilege == TablePrivilege.SELECT || privilege == TablePrivilege.GRANT_SELECT ? CatalogAccess.READ_ONLY : CatalogAccess.ALL;
        return bounded("tables", budget -> ObjectDecisions.tablePermission(forIdentity(identity), catalog, schema, table, gate, privileges -> privileges.contains(privilege), budget));
    }

    public Decision anyTablePermission(RuleIdentity identity, String catalog, String schema, String table)
    {
        return bounded("tables", budget -> ObjectDecisions.tablePermission(forIdentity(identity), catalog, schema, table, CatalogAccess.READ_ONLY, privileges -> !privileges.isEmpty(), budget));
    }

    /** SELECT on columns: the catalog {@code gate}, then the first table rule must allow SELECT on all of them. */
    public Decision selectColumns(RuleIdentity identity, String catalog, String schema, String table, Set<String> columns, CatalogAccess gate)
    {
        return bounded("tables", budget -> ObjectDecisions.selectColumns(forIdentity(identity), catalog, schema, table, columns, gate, budget));
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
