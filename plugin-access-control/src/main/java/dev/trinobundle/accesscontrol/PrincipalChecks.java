package dev.trinobundle.accesscontrol;

import dev.trinobundle.accesscontrol.groups.ConfiguredGroups;
import dev.trinobundle.accesscontrol.rules.Decision;
import dev.trinobundle.accesscontrol.rules.Operation;
import dev.trinobundle.accesscontrol.rules.Target;
import dev.trinobundle.accesscontrol.rules.RuleIdentity;
import dev.trinobundle.accesscontrol.rules.RuleSet;
import io.trino.spi.QueryId;
import io.trino.spi.connector.CatalogSchemaName;
import io.trino.spi.connector.CatalogSchemaRoutineName;
import io.trino.spi.connector.CatalogSchemaTableName;
import io.trino.spi.connector.EntityKindAndName;
import io.trino.spi.connector.EntityPrivilege;
import io.trino.spi.function.SchemaFunctionName;
import io.trino.spi.security.Identity;
import io.trino.spi.security.Privilege;
import io.trino.spi.security.SystemSecurityContext;
import io.trino.spi.security.TrinoPrincipal;

import java.security.Principal;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static io.trino.spi.security.AccessDeniedException.denyCreateFunction;
import static io.trino.spi.security.AccessDeniedException.denyCreateRole;
import static io.trino.spi.security.AccessDeniedException.denyDenyEntityPrivilege;
import static io.trino.spi.security.AccessDeniedException.denyDenySchemaPrivilege;
import static io.trino.spi.security.AccessDeniedException.denyDenyTablePrivilege;
import static io.trino.spi.security.AccessDeniedException.denyDropFunction;
import static io.trino.spi.security.AccessDeniedException.denyDropRole;
import static io.trino.spi.security.AccessDeniedException.denyExecuteProcedure;
import static io.trino.spi.security.AccessDeniedException.denyExecuteQuery;
import static io.trino.spi.security.AccessDeniedException.denyGrantEntityPrivilege;
import static io.trino.spi.security.AccessDeniedException.denyGrantRoles;
import static io.trino.spi.security.AccessDeniedException.denyGrantSchemaPrivilege;
import static io.trino.spi.security.AccessDeniedException.denyGrantTablePrivilege;
import static io.trino.spi.security.AccessDeniedException.denyImpersonateUser;
import static io.trino.spi.security.AccessDeniedException.denyKillQuery;
import static io.trino.spi.security.AccessDeniedException.denyReadSystemInformationAccess;
import static io.trino.spi.security.AccessDeniedException.denyRevokeEntityPrivilege;
import static io.trino.spi.security.AccessDeniedException.denyRevokeRoles;
import static io.trino.spi.security.AccessDeniedException.denyRevokeSchemaPrivilege;
import static io.trino.spi.security.AccessDeniedException.denyRevokeTablePrivilege;
import static io.trino.spi.security.AccessDeniedException.denySetEntityAuthorization;
import static io.trino.spi.security.AccessDeniedException.denySetSystemSessionProperty;
import static io.trino.spi.security.AccessDeniedException.denySetUser;
import static io.trino.spi.security.AccessDeniedException.denyShowCreateFunction;
import static io.trino.spi.security.AccessDeniedException.denyShowFunctions;
import static io.trino.spi.security.AccessDeniedException.denyViewQuery;
import static io.trino.spi.security.AccessDeniedException.denyWriteSystemInformationAccess;
import static java.util.Objects.requireNonNull;


/** The checks about who the user is and what it may run or grant, with Trino's denial helpers and messages. */
abstract sealed class PrincipalChecks
        extends RulesAccessControlBase
        permits CatalogSchemaChecks
{
    private final ConfiguredGroups groups;

    PrincipalChecks(ReloadingRules rules, ConfiguredGroups groups, boolean logDenials, Runnable shutdown)
    {
        super(rules, logDenials, shutdown);
        this.groups = requireNonNull(groups, "groups is null");
    }

    // ---- identity and queries

    @Override
    public void checkCanImpersonateUser(Identity identity, String userName)
    {
        RuleSet rules = snapshots.current();
        RuleIdentity original = ruleIdentity(identity);
        // Trino 476 passes the authenticated identity without groups (trinodb/trino#19598): look them up, from the
        // source Trino uses, only when a rule needs them
        if (original.groups().isEmpty() && rules.usesOriginalGroup() && groups.provider().isPresent()) {
            Set<String> originalGroups;
            try {
                originalGroups = groups.provider().get().getGroups(identity.getUser());
            }
            catch (RuntimeException e) {
                // unknown groups could hide a deny rule: deny rather than decide without them
                Decision unknown = new Decision(false, "impersonation", null, "the groups of the original user are unknown: " + e.getMessage());
                denialLog.denied(userName, identity.getUser(), "ImpersonateUser", userName, unknown);
                denyImpersonateUser(identity.getUser(), userName, unknown.denialInfo());
                throw e;
            }
            original = new RuleIdentity(original.user(), original.roles(), originalGroups);
        }
        Decision decision = Operation.IMPERSONATE_USER.decide(rules, original, Target.name(userName));
        if (!decision.allowed()) {
            denialLog.denied(userName, identity.getUser(), "ImpersonateUser", userName, decision);
            denyImpersonateUser(identity.getUser(), userName, snapshots.denialInfo(decision));
        }
    }

    @Override
    public void checkCanSetUser(Optional<Principal> principal, String userName)
    {
        requireNonNull(principal, "principal is null");
        requireNonNull(userName, "userName is null");
        Decision decision = Operation.SET_USER.decide(snapshots.current(), principal.map(Principal::getName).map(RuleIdentity::ofUser).orElse(null), Target.name(userName));
        if (!decision.allowed()) {
            denialLog.denied(userName, principal.map(Principal::getName).orElse(null), "SetUser", userName, decision);
            denySetUser(principal, userName, snapshots.denialInfo(decision));
        }
    }

    @Override
    public void checkCanExecuteQuery(Identity identity, QueryId queryId)
    {
        check(snapshots.forQuery(queryId), identity, Operation.EXECUTE_QUERY, Target.NONE, queryId, info -> denyExecuteQuery(info));
    }

    @Override
    public void checkCanViewQueryOwnedBy(Identity identity, Identity queryOwner)
    {
        check(snapshots.current(), identity, Operation.VIEW_QUERY_OWNED_BY, Target.name(queryOwner.getUser()), queryOwner.getUser(), info -> denyViewQuery(info));
    }

    @Override
    public Collection<Identity> filterViewQueryOwnedBy(Identity identity, Collection<Identity> queryOwners)
    {
        return RuleFilters.queryOwners(snapshots.current(), ruleIdentity(identity), queryOwners, hidden(identity, "FilterViewQueryOwnedBy"));
    }

    @Override
    public void checkCanKillQueryOwnedBy(Identity identity, Identity queryOwner)
    {
        check(snapshots.current(), identity, Operation.KILL_QUERY_OWNED_BY, Target.name(queryOwner.getUser()), queryOwner.getUser(), info -> denyKillQuery(info));
    }

    @Override
    public void checkCanReadSystemInformation(Identity identity)
    {
        check(snapshots.current(), identity, Operation.READ_SYSTEM_INFORMATION, Target.NONE, null, info -> denyReadSystemInformationAccess(info));
    }

    @Override
    public void checkCanWriteSystemInformation(Identity identity)
    {
        check(snapshots.current(), identity, Operation.WRITE_SYSTEM_INFORMATION, Target.NONE, null, info -> denyWriteSystemInformationAccess(info));
    }

    @Override
    public void checkCanSetSystemSessionProperty(Identity identity, QueryId queryId, String propertyName)
    {
        check(snapshots.forQuery(queryId), identity, Operation.SET_SYSTEM_SESSION_PROPERTY, Target.name(propertyName), propertyName, info -> denySetSystemSessionProperty(propertyName, info));
    }

    // ---- privileges and roles

    @Override
    public void checkCanGrantSchemaPrivilege(SystemSecurityContext context, Privilege privilege, CatalogSchemaName schema, TrinoPrincipal grantee, boolean grantOption)
    {
        check(context, Operation.GRANT_SCHEMA_PRIVILEGE, target(schema), schema, info -> denyGrantSchemaPrivilege(privilege.name(), schema.toString(), info));
    }

    @Override
    public void checkCanDenySchemaPrivilege(SystemSecurityContext context, Privilege privilege, CatalogSchemaName schema, TrinoPrincipal grantee)
    {
        check(context, Operation.DENY_SCHEMA_PRIVILEGE, target(schema), schema, info -> denyDenySchemaPrivilege(privilege.name(), schema.toString(), info));
    }

    @Override
    public void checkCanRevokeSchemaPrivilege(SystemSecurityContext context, Privilege privilege, CatalogSchemaName schema, TrinoPrincipal revokee, boolean grantOption)
    {
        check(context, Operation.REVOKE_SCHEMA_PRIVILEGE, target(schema), schema, info -> denyRevokeSchemaPrivilege(privilege.name(), schema.toString(), info));
    }

    @Override
    public void checkCanGrantTablePrivilege(SystemSecurityContext context, Privilege privilege, CatalogSchemaTableName table, TrinoPrincipal grantee, boolean grantOption)
    {
        check(context, Operation.GRANT_TABLE_PRIVILEGE, target(table), table, info -> denyGrantTablePrivilege(privilege.name(), table.toString(), info));
    }

    @Override
    public void checkCanDenyTablePrivilege(SystemSecurityContext context, Privilege privilege, CatalogSchemaTableName table, TrinoPrincipal grantee)
    {
        check(context, Operation.DENY_TABLE_PRIVILEGE, target(table), table, info -> denyDenyTablePrivilege(privilege.name(), table.toString(), info));
    }

    @Override
    public void checkCanRevokeTablePrivilege(SystemSecurityContext context, Privilege privilege, CatalogSchemaTableName table, TrinoPrincipal revokee, boolean grantOption)
    {
        check(context, Operation.REVOKE_TABLE_PRIVILEGE, target(table), table, info -> denyRevokeTablePrivilege(privilege.name(), table.toString(), info));
    }

    // Trino's file access control throws UnsupportedOperationException (an internal error) here; we deny cleanly.
    private static final Decision ENTITY_PRIVILEGES_UNSUPPORTED = new Decision(false, "tables", null, "entity privileges are not managed by the rules file");

    @Override
    public void checkCanGrantEntityPrivilege(SystemSecurityContext context, EntityPrivilege privilege, EntityKindAndName entity, TrinoPrincipal grantee, boolean grantOption)
    {
        enforce(ENTITY_PRIVILEGES_UNSUPPORTED, context, "GrantEntityPrivilege", entity, info -> denyGrantEntityPrivilege(privilege.name(), entity, info));
    }

    @Override
    public void checkCanDenyEntityPrivilege(SystemSecurityContext context, EntityPrivilege privilege, EntityKindAndName entity, TrinoPrincipal grantee)
    {
        enforce(ENTITY_PRIVILEGES_UNSUPPORTED, context, "DenyEntityPrivilege", entity, info -> denyDenyEntityPrivilege(privilege.name(), entity, info));
    }

    @Override
    public void checkCanRevokeEntityPrivilege(SystemSecurityContext context, EntityPrivilege privilege, EntityKindAndName entity, TrinoPrincipal revokee, boolean grantOption)
    {
        enforce(ENTITY_PRIVILEGES_UNSUPPORTED, context, "RevokeEntityPrivilege", entity, info -> denyRevokeEntityPrivilege(privilege.name(), entity, info));
    }

    @Override
    public void checkCanShowRoles(SystemSecurityContext context) {}

    @Override
    public void checkCanCreateRole(SystemSecurityContext context, String role, Optional<TrinoPrincipal> grantor)
    {
        denyCreateRole(role);
    }

    @Override
    public void checkCanDropRole(SystemSecurityContext context, String role)
    {
        denyDropRole(role);
    }

    @Override
    public void checkCanGrantRoles(SystemSecurityContext context, Set<String> roles, Set<TrinoPrincipal> grantees, boolean adminOption, Optional<TrinoPrincipal> grantor)
    {
        denyGrantRoles(roles, grantees);
    }

    @Override
    public void checkCanRevokeRoles(SystemSecurityContext context, Set<String> roles, Set<TrinoPrincipal> grantees, boolean adminOption, Optional<TrinoPrincipal> grantor)
    {
        denyRevokeRoles(roles, grantees);
    }

    @Override
    public void checkCanShowCurrentRoles(SystemSecurityContext context) {}

    @Override
    public void checkCanShowRoleGrants(SystemSecurityContext context) {}

    // ---- procedures and functions

    @Override
    public void checkCanExecuteProcedure(SystemSecurityContext context, CatalogSchemaRoutineName procedure)
    {
        check(context, Operation.EXECUTE_PROCEDURE, target(procedure), procedure, info -> denyExecuteProcedure(procedure.toString(), info));
    }

    @Override
    public boolean canExecuteFunction(SystemSecurityContext context, CatalogSchemaRoutineName functionName)
    {
        return decide(context, Operation.EXECUTE_FUNCTION, target(functionName)).allowed();
    }

    @Override
    public boolean canCreateViewWithExecuteFunction(SystemSecurityContext context, CatalogSchemaRoutineName functionName)
    {
        return decide(context, Operation.CREATE_VIEW_WITH_EXECUTE_FUNCTION, target(functionName)).allowed();
    }

    @Override
    public void checkCanExecuteTableProcedure(SystemSecurityContext context, CatalogSchemaTableName table, String procedure) {}

    @Override
    public void checkCanShowFunctions(SystemSecurityContext context, CatalogSchemaName schema)
    {
        check(context, Operation.SHOW_FUNCTIONS, target(schema), schema, info -> denyShowFunctions(schema.toString(), info));
    }

    @Override
    public Set<SchemaFunctionName> filterFunctions(SystemSecurityContext context, String catalogName, Set<SchemaFunctionName> functionNames)
    {
        return filter(context.getIdentity(), "FilterFunctions", catalogName,
                () -> RuleFilters.functions(scope(context, catalogName), functionNames, hidden(context.getIdentity(), "FilterFunctions")),
                info -> denyShowFunctions(catalogName, info));
    }

    @Override
    public void checkCanCreateFunction(SystemSecurityContext context, CatalogSchemaRoutineName functionName)
    {
        check(context, Operation.CREATE_FUNCTION, target(functionName), functionName, info -> denyCreateFunction(functionName.toString(), info));
    }

    @Override
    public void checkCanDropFunction(SystemSecurityContext context, CatalogSchemaRoutineName functionName)
    {
        check(context, Operation.DROP_FUNCTION, target(functionName), functionName, info -> denyDropFunction(functionName.toString(), info));
    }

    @Override
    public void checkCanShowCreateFunction(SystemSecurityContext context, CatalogSchemaRoutineName functionName)
    {
        check(context, Operation.SHOW_CREATE_FUNCTION, target(functionName), functionName, info -> denyShowCreateFunction(functionName.toString(), info));
    }

    // ---- ownership changes

    @Override
    public void checkCanSetEntityAuthorization(SystemSecurityContext context, EntityKindAndName entityKindAndName, TrinoPrincipal principal)
    {
        List<String> name = entityKindAndName.name();
        int parts = entityKindAndName.entityKind().equals("SCHEMA") ? 2 : 3;
        // a name of another shape denies (it was an IndexOutOfBoundsException, a server error)
        Decision decision = name.size() != parts ? new Decision(false, "authorization", null, "the name of a " + entityKindAndName.entityKind() + " has " + parts + " parts") : switch (entityKindAndName.entityKind()) {
            case "SCHEMA" -> decide(context, Operation.SET_SCHEMA_AUTHORIZATION, Target.schema(name.get(0), name.get(1)).withNewOwner(owner(principal)));
            case "TABLE" -> decide(context, Operation.SET_TABLE_AUTHORIZATION, Target.object(name.get(0), name.get(1), name.get(2)).withNewOwner(owner(principal)));
            case "VIEW" -> decide(context, Operation.SET_VIEW_AUTHORIZATION, Target.object(name.get(0), name.get(1), name.get(2)).withNewOwner(owner(principal)));
            // as Trino 478 (core 476 never asks for it)
            case "MATERIALIZED VIEW" -> decide(context, Operation.SET_MATERIALIZED_VIEW_AUTHORIZATION, Target.object(name.get(0), name.get(1), name.get(2)).withNewOwner(owner(principal)));
            default -> new Decision(false, "authorization", null, "ownership of a " + entityKindAndName.entityKind() + " cannot be changed");
        };
        enforce(decision, context, "SetEntityAuthorization", String.join(".", name), info -> denySetEntityAuthorization(entityKindAndName, principal, info));
    }
}
