package dev.trinobundle.accesscontrol.rules;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import static com.google.common.collect.ImmutableMap.toImmutableMap;

/**
 * Every check of Trino's {@code SystemAccessControl} that the rules decide, mapped to the {@link RuleSet} decisions
 * that answer it. The access control's SPI methods call these and only add Trino's exceptions and messages; the
 * {@code RulesTool} subcommands call the same constants, so a test file or a diff exercises exactly what Trino
 * enforces. Names are the SPI method names without {@code checkCan}/{@code can} (Trino's OPA plugin and our denial
 * log use the same names). Filters, row filters and column masks are in {@link Visibility}.
 */
public enum Operation
{
    // identity and queries: for ImpersonateUser the identity is the original (authenticated) user and the target the
    // new user; for SetUser the identity is the principal (null without one) and the target the user
    IMPERSONATE_USER("ImpersonateUser", Kind.USER, (rules, identity, target) -> rules.impersonation(identity, target.name())),
    SET_USER("SetUser", Kind.USER, (rules, identity, target) -> rules.setUser(Optional.ofNullable(identity).map(RuleIdentity::user), target.name())),
    EXECUTE_QUERY("ExecuteQuery", Kind.NONE, (rules, identity, target) -> rules.queryAccess(identity, null, QueryAccess.EXECUTE)),
    VIEW_QUERY_OWNED_BY("ViewQueryOwnedBy", Kind.USER, (rules, identity, target) -> rules.queryAccess(identity, target.name(), QueryAccess.VIEW)),
    KILL_QUERY_OWNED_BY("KillQueryOwnedBy", Kind.USER, (rules, identity, target) -> rules.queryAccess(identity, target.name(), QueryAccess.KILL)),
    READ_SYSTEM_INFORMATION("ReadSystemInformation", Kind.NONE, (rules, identity, target) -> rules.systemInformation(identity, SystemInformationAccess.READ)),
    WRITE_SYSTEM_INFORMATION("WriteSystemInformation", Kind.NONE, (rules, identity, target) -> rules.systemInformation(identity, SystemInformationAccess.WRITE)),
    SET_SYSTEM_SESSION_PROPERTY("SetSystemSessionProperty", Kind.SYSTEM_PROPERTY, (rules, identity, target) -> rules.systemSessionProperty(identity, target.name())),
    SET_CATALOG_SESSION_PROPERTY("SetCatalogSessionProperty", Kind.CATALOG_PROPERTY, (rules, identity, target) -> rules.catalogSessionProperty(identity, target.catalog(), target.name())),

    // catalogs
    ACCESS_CATALOG("AccessCatalog", Kind.CATALOG, catalog(CatalogAccess.READ_ONLY)),
    CREATE_CATALOG("CreateCatalog", Kind.CATALOG, catalog(CatalogAccess.OWNER)),
    DROP_CATALOG("DropCatalog", Kind.CATALOG, catalog(CatalogAccess.OWNER)),
    SHOW_SCHEMAS("ShowSchemas", Kind.CATALOG, (rules, identity, target) -> rules.anyCatalogAccess(identity, target.catalog())),

    // schemas
    CREATE_SCHEMA("CreateSchema", Kind.SCHEMA, Operation::schemaOwner),
    DROP_SCHEMA("DropSchema", Kind.SCHEMA, Operation::schemaOwner),
    RENAME_SCHEMA("RenameSchema", Kind.SCHEMA, Extra.NEW_NAME, (rules, identity, target) -> both(target, name -> schemaOwner(rules, identity, name))),
    SHOW_CREATE_SCHEMA("ShowCreateSchema", Kind.SCHEMA, Operation::schemaOwner),
    SHOW_TABLES("ShowTables", Kind.SCHEMA, Operation::anySchemaAccess),
    SHOW_FUNCTIONS("ShowFunctions", Kind.SCHEMA, Operation::anySchemaAccess),
    GRANT_SCHEMA_PRIVILEGE("GrantSchemaPrivilege", Kind.SCHEMA, Operation::schemaOwner),
    DENY_SCHEMA_PRIVILEGE("DenySchemaPrivilege", Kind.SCHEMA, Operation::schemaOwner),
    REVOKE_SCHEMA_PRIVILEGE("RevokeSchemaPrivilege", Kind.SCHEMA, Operation::schemaOwner),
    SET_SCHEMA_AUTHORIZATION("SetSchemaAuthorization", Kind.SCHEMA, Extra.NEW_OWNER, (rules, identity, target) -> authorization(rules, identity, target, schemaOwner(rules, identity, target))),

    // tables, views and materialized views
    SHOW_CREATE_TABLE("ShowCreateTable", Kind.TABLE, table(TablePrivilege.OWNERSHIP)),
    CREATE_TABLE("CreateTable", Kind.TABLE, table(TablePrivilege.OWNERSHIP)),
    DROP_TABLE("DropTable", Kind.TABLE, table(TablePrivilege.OWNERSHIP)),
    RENAME_TABLE("RenameTable", Kind.TABLE, Extra.NEW_NAME, renameTable()),
    SET_TABLE_PROPERTIES("SetTableProperties", Kind.TABLE, table(TablePrivilege.OWNERSHIP)),
    SET_TABLE_COMMENT("SetTableComment", Kind.TABLE, table(TablePrivilege.OWNERSHIP)),
    SET_VIEW_COMMENT("SetViewComment", Kind.TABLE, table(TablePrivilege.OWNERSHIP)),
    SET_COLUMN_COMMENT("SetColumnComment", Kind.TABLE, table(TablePrivilege.OWNERSHIP)),
    SHOW_COLUMNS("ShowColumns", Kind.TABLE, (rules, identity, target) -> rules.anyTablePermission(identity, target.catalog(), target.schema(), target.name())),
    ADD_COLUMN("AddColumn", Kind.TABLE, table(TablePrivilege.OWNERSHIP)),
    ALTER_COLUMN("AlterColumn", Kind.TABLE, table(TablePrivilege.OWNERSHIP)),
    DROP_COLUMN("DropColumn", Kind.TABLE, table(TablePrivilege.OWNERSHIP)),
    RENAME_COLUMN("RenameColumn", Kind.TABLE, table(TablePrivilege.OWNERSHIP)),
    SET_TABLE_AUTHORIZATION("SetTableAuthorization", Kind.TABLE, Extra.NEW_OWNER, tableAuthorization()),
    SELECT_FROM_COLUMNS("SelectFromColumns", Kind.TABLE, Extra.COLUMNS, (rules, identity, target) ->
            rules.selectColumns(identity, target.catalog(), target.schema(), target.name(), target.columns(), CatalogAccess.READ_ONLY)),
    INSERT_INTO_TABLE("InsertIntoTable", Kind.TABLE, table(TablePrivilege.INSERT)),
    DELETE_FROM_TABLE("DeleteFromTable", Kind.TABLE, table(TablePrivilege.DELETE)),
    TRUNCATE_TABLE("TruncateTable", Kind.TABLE, table(TablePrivilege.DELETE)),
    UPDATE_TABLE_COLUMNS("UpdateTableColumns", Kind.TABLE, table(TablePrivilege.UPDATE)),
    CREATE_VIEW("CreateView", Kind.TABLE, table(TablePrivilege.OWNERSHIP)),
    RENAME_VIEW("RenameView", Kind.TABLE, Extra.NEW_NAME, renameTable()),
    SET_VIEW_AUTHORIZATION("SetViewAuthorization", Kind.TABLE, Extra.NEW_OWNER, tableAuthorization()),
    // Trino 477 and later (Trino 478's file access control: ownership); 476 never asks
    REFRESH_VIEW("RefreshView", Kind.TABLE, table(TablePrivilege.OWNERSHIP)),
    DROP_VIEW("DropView", Kind.TABLE, table(TablePrivilege.OWNERSHIP)),
    CREATE_VIEW_WITH_SELECT_FROM_COLUMNS("CreateViewWithSelectFromColumns", Kind.TABLE, Extra.COLUMNS, Operation::createViewWithSelect),
    CREATE_MATERIALIZED_VIEW("CreateMaterializedView", Kind.TABLE, table(TablePrivilege.OWNERSHIP)),
    REFRESH_MATERIALIZED_VIEW("RefreshMaterializedView", Kind.TABLE, table(TablePrivilege.UPDATE)),
    SET_MATERIALIZED_VIEW_PROPERTIES("SetMaterializedViewProperties", Kind.TABLE, table(TablePrivilege.OWNERSHIP)),
    DROP_MATERIALIZED_VIEW("DropMaterializedView", Kind.TABLE, table(TablePrivilege.OWNERSHIP)),
    RENAME_MATERIALIZED_VIEW("RenameMaterializedView", Kind.TABLE, Extra.NEW_NAME, renameTable()),
    SET_MATERIALIZED_VIEW_AUTHORIZATION("SetMaterializedViewAuthorization", Kind.TABLE, Extra.NEW_OWNER, tableAuthorization()),
    GRANT_TABLE_PRIVILEGE("GrantTablePrivilege", Kind.TABLE, table(TablePrivilege.OWNERSHIP)),
    DENY_TABLE_PRIVILEGE("DenyTablePrivilege", Kind.TABLE, table(TablePrivilege.OWNERSHIP)),
    REVOKE_TABLE_PRIVILEGE("RevokeTablePrivilege", Kind.TABLE, table(TablePrivilege.OWNERSHIP)),

    // procedures and functions
    EXECUTE_PROCEDURE("ExecuteProcedure", Kind.PROCEDURE, (rules, identity, target) -> rules.procedure(identity, target.catalog(), target.schema(), target.name())),
    EXECUTE_FUNCTION("ExecuteFunction", Kind.FUNCTION, function(RoutineRule::canExecute)),
    CREATE_VIEW_WITH_EXECUTE_FUNCTION("CreateViewWithExecuteFunction", Kind.FUNCTION, function(RoutineRule::canGrantExecute)),
    CREATE_FUNCTION("CreateFunction", Kind.FUNCTION, function(RoutineRule::hasOwnership)),
    DROP_FUNCTION("DropFunction", Kind.FUNCTION, function(RoutineRule::hasOwnership)),
    SHOW_CREATE_FUNCTION("ShowCreateFunction", Kind.FUNCTION, function(RoutineRule::hasOwnership));

    /** The note of a {@code CreateViewWithSelectFromColumns} denial by a rule that allows SELECT but not GRANT_SELECT. */
    public static final String NO_GRANT_SELECT = "the table rule allows SELECT but not GRANT_SELECT, which a view needs";

    /** What the target of an operation names. */
    public enum Kind
    {
        NONE, USER, SYSTEM_PROPERTY, CATALOG, CATALOG_PROPERTY, SCHEMA, TABLE, FUNCTION, PROCEDURE
    }

    /** What an operation needs besides its target. */
    public enum Extra
    {
        NONE, COLUMNS, NEW_NAME, NEW_OWNER
    }

    @FunctionalInterface
    private interface Decider
    {
        Decision decide(RuleSet rules, RuleIdentity identity, Target target);
    }

    private static final Map<String, Operation> BY_NAME = Arrays.stream(values()).collect(toImmutableMap(Operation::checkName, operation -> operation));

    private final String checkName;
    private final Kind kind;
    private final Extra extra;
    private final Decider decider;

    Operation(String checkName, Kind kind, Decider decider)
    {
        this(checkName, kind, Extra.NONE, decider);
    }

    Operation(String checkName, Kind kind, Extra extra, Decider decider)
    {
        this.checkName = checkName;
        this.kind = kind;
        this.extra = extra;
        this.decider = decider;
    }

    public static Optional<Operation> byName(String checkName)
    {
        return Optional.ofNullable(BY_NAME.get(checkName));
    }

    /** {@code SelectFromColumns}: the SPI method name without {@code checkCan}. */
    public String checkName()
    {
        return checkName;
    }

    public Kind kind()
    {
        return kind;
    }

    public Extra extra()
    {
        return extra;
    }

    /** The decision, with one regex budget per {@link RuleSet} decision it makes (see {@link RuleSet}). */
    public Decision decide(RuleSet rules, RuleIdentity identity, Target target)
    {
        return decider.decide(rules, identity, target);
    }

    private static Decider catalog(CatalogAccess required)
    {
        return (rules, identity, target) -> rules.catalogAccess(identity, target.catalog(), required);
    }

    private static Decision schemaOwner(RuleSet rules, RuleIdentity identity, Target target)
    {
        return rules.schemaOwner(identity, target.catalog(), target.schema());
    }

    private static Decision anySchemaAccess(RuleSet rules, RuleIdentity identity, Target target)
    {
        return rules.anySchemaAccess(identity, target.catalog(), target.schema());
    }

    private static Decider table(TablePrivilege privilege)
    {
        return (rules, identity, target) -> rules.tablePermission(identity, target.catalog(), target.schema(), target.name(), privilege);
    }

    private static Decider function(java.util.function.Predicate<RoutineRule> check)
    {
        return (rules, identity, target) -> rules.function(identity, target.catalog(), target.schema(), target.name(), check);
    }

    /** A rename needs the privilege on the old name, then on the new one. */
    private static Decision both(Target target, Function<Target, Decision> decision)
    {
        Decision old = decision.apply(target);
        return old.allowed() ? decision.apply(target.newName()) : old;
    }

    private static Decider renameTable()
    {
        return (rules, identity, target) -> both(target, name -> rules.tablePermission(identity, name.catalog(), name.schema(), name.name(), TablePrivilege.OWNERSHIP));
    }

    private static Decider tableAuthorization()
    {
        return (rules, identity, target) -> authorization(rules, identity, target,
                rules.tablePermission(identity, target.catalog(), target.schema(), target.name(), TablePrivilege.OWNERSHIP));
    }

    /** Changing an owner needs ownership, then an {@code authorization} rule for the new owner. */
    private static Decision authorization(RuleSet rules, RuleIdentity identity, Target target, Decision ownership)
    {
        if (!ownership.allowed()) {
            return ownership;
        }
        return rules.authorization(identity, target.newOwner().name(), target.newOwner().role());
    }

    /** SELECT with the catalog gate {@code all}, then the rule must also hold GRANT_SELECT. */
    private static Decision createViewWithSelect(RuleSet rules, RuleIdentity identity, Target target)
    {
        Decision select = rules.selectColumns(identity, target.catalog(), target.schema(), target.name(), target.columns(), CatalogAccess.ALL);
        if (select.allowed() && select.rule() instanceof TableRule rule && !rule.privileges().contains(TablePrivilege.GRANT_SELECT)) {
            return new Decision(false, "tables", rule, NO_GRANT_SELECT);
        }
        return select;
    }
}
