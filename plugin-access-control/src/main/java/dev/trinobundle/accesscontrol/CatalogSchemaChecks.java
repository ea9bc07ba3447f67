package dev.trinobundle.accesscontrol;

import dev.trinobundle.accesscontrol.groups.ConfiguredGroups;
import dev.trinobundle.accesscontrol.rules.Operation;
import dev.trinobundle.accesscontrol.rules.Target;
import io.trino.spi.connector.CatalogSchemaName;
import io.trino.spi.connector.EntityKindAndName;
import io.trino.spi.security.SystemSecurityContext;
import io.trino.spi.security.TrinoPrincipal;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.trino.spi.security.AccessDeniedException.denyCatalogAccess;
import static io.trino.spi.security.AccessDeniedException.denyCreateCatalog;
import static io.trino.spi.security.AccessDeniedException.denyCreateSchema;
import static io.trino.spi.security.AccessDeniedException.denyDropCatalog;
import static io.trino.spi.security.AccessDeniedException.denyDropSchema;
import static io.trino.spi.security.AccessDeniedException.denyRenameSchema;
import static io.trino.spi.security.AccessDeniedException.denySetEntityAuthorization;
import static io.trino.spi.security.AccessDeniedException.denyShowCreateSchema;
import static io.trino.spi.security.AccessDeniedException.denyShowSchemas;


/** The catalog and schema checks and filters, with Trino's denial helpers and messages. */
abstract sealed class CatalogSchemaChecks
        extends PrincipalChecks
        permits RulesSystemAccessControl
{
    CatalogSchemaChecks(ReloadingRules rules, ConfiguredGroups groups, boolean logDenials, Runnable shutdown)
    {
        super(rules, groups, logDenials, shutdown);
    }

    // ---- catalogs

    @Override
    public boolean canAccessCatalog(SystemSecurityContext context, String catalogName)
    {
        return decide(context, Operation.ACCESS_CATALOG, Target.catalog(catalogName)).allowed();
    }

    @Override
    public void checkCanCreateCatalog(SystemSecurityContext context, String catalogName)
    {
        check(context, Operation.CREATE_CATALOG, Target.catalog(catalogName), catalogName, info -> denyCreateCatalog(catalogName, info));
    }

    @Override
    public void checkCanDropCatalog(SystemSecurityContext context, String catalogName)
    {
        check(context, Operation.DROP_CATALOG, Target.catalog(catalogName), catalogName, info -> denyDropCatalog(catalogName, info));
    }

    @Override
    public Set<String> filterCatalogs(SystemSecurityContext context, Set<String> catalogs)
    {
        return filter(context.getIdentity(), "FilterCatalogs", null,
                () -> RuleFilters.catalogs(rules(context).forIdentity(ruleIdentity(context)), catalogs, hidden(context.getIdentity(), "FilterCatalogs")),
                info -> denyCatalogAccess("(any)", info));
    }

    // ---- schemas

    @Override
    public void checkCanCreateSchema(SystemSecurityContext context, CatalogSchemaName schema, Map<String, Object> properties)
    {
        check(context, Operation.CREATE_SCHEMA, target(schema), schema, info -> denyCreateSchema(schema.toString(), info));
    }

    @Override
    public void checkCanDropSchema(SystemSecurityContext context, CatalogSchemaName schema)
    {
        check(context, Operation.DROP_SCHEMA, target(schema), schema, info -> denyDropSchema(schema.toString(), info));
    }

    @Override
    public void checkCanRenameSchema(SystemSecurityContext context, CatalogSchemaName schema, String newSchemaName)
    {
        check(context, Operation.RENAME_SCHEMA, target(schema).withNewName(Target.schema(schema.getCatalogName(), newSchemaName)), schema,
                info -> denyRenameSchema(schema.toString(), newSchemaName, info));
    }

    @Override
    public void checkCanSetSchemaAuthorization(SystemSecurityContext context, CatalogSchemaName schema, TrinoPrincipal principal)
    {
        check(context, Operation.SET_SCHEMA_AUTHORIZATION, target(schema).withNewOwner(owner(principal)), schema,
                info -> denySetEntityAuthorization(new EntityKindAndName("SCHEMA", List.of(schema.getCatalogName(), schema.getSchemaName())), principal, info));
    }

    @Override
    public void checkCanShowSchemas(SystemSecurityContext context, String catalogName)
    {
        check(context, Operation.SHOW_SCHEMAS, Target.catalog(catalogName), catalogName, info -> denyShowSchemas(info));
    }

    @Override
    public Set<String> filterSchemas(SystemSecurityContext context, String catalogName, Set<String> schemaNames)
    {
        return filter(context.getIdentity(), "FilterSchemas", catalogName,
                () -> RuleFilters.schemas(scope(context, catalogName), schemaNames, hidden(context.getIdentity(), "FilterSchemas")),
                info -> denyShowSchemas(info));
    }

    @Override
    public void checkCanShowCreateSchema(SystemSecurityContext context, CatalogSchemaName schemaName)
    {
        check(context, Operation.SHOW_CREATE_SCHEMA, target(schemaName), schemaName, info -> denyShowCreateSchema(schemaName.toString(), info));
    }
}
