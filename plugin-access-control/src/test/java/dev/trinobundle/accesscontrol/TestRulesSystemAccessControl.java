package dev.trinobundle.accesscontrol;

import dev.trinobundle.accesscontrol.rules.RulesException;
import dev.trinobundle.testing.LogCapture;
import io.trino.spi.QueryId;
import io.trino.spi.connector.CatalogSchemaTableName;
import io.trino.spi.connector.EntityKindAndName;
import io.trino.spi.connector.EntityPrivilege;
import io.trino.spi.security.AccessDeniedException;
import io.trino.spi.security.BasicPrincipal;
import io.trino.spi.security.Identity;
import io.trino.spi.security.PrincipalType;
import io.trino.spi.security.SystemAccessControl;
import io.trino.spi.security.SystemSecurityContext;
import io.trino.spi.security.TrinoPrincipal;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static com.google.common.io.MoreFiles.deleteRecursively;
import static com.google.common.io.RecursiveDeleteOption.ALLOW_INSECURE;
import static dev.trinobundle.testing.TestingPluginContext.TRINO_476;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

final class TestRulesSystemAccessControl
{
    private Path directory;
    private Path file;

    @BeforeEach
    void setUp()
            throws IOException
    {
        directory = Files.createTempDirectory("rules-access-control");
        file = directory.resolve("rules.json");
    }

    @AfterEach
    void tearDown()
            throws IOException
    {
        deleteRecursively(directory, ALLOW_INSECURE);
    }

    private SystemAccessControl create(String rules)
            throws IOException
    {
        Files.writeString(file, rules);
        return new RulesAccessControlFactory().create(Map.of("security.config-file", file.toString()), TRINO_476);
    }

    private static SystemSecurityContext context(String user)
    {
        return new SystemSecurityContext(Identity.forUser(user).withPrincipal(new BasicPrincipal("admin")).build(), new QueryId("q"), Instant.EPOCH);
    }

    @Test
    void testSeedRules()
            throws IOException
    {
        SystemAccessControl accessControl = create("{\"catalogs\":[{\"allow\":\"all\"}],\"impersonation\":[{\"original_user\":\"admin\",\"new_user\":\".*\"}]}");
        try {
            accessControl.checkCanImpersonateUser(Identity.ofUser("admin"), "alice@example.com");
            assertThatThrownBy(() -> accessControl.checkCanImpersonateUser(Identity.ofUser("bob"), "alice@example.com"))
                    .isInstanceOf(AccessDeniedException.class)
                    .hasMessage("Access Denied: User bob cannot impersonate user alice@example.com: no rule in 'impersonation' matched");
            assertThat(accessControl.canAccessCatalog(context("bob"), "tpch")).isTrue();
        }
        finally {
            accessControl.shutdown();
        }
    }

    @Test
    void testDenialNamesRuleAndIsLoggedOnce()
            throws IOException
    {
        LogCapture log = new LogCapture("dev.trinobundle.accesscontrol.Denials");
        SystemAccessControl accessControl = create("""
                {"tables": [{"user": "admin", "privileges": ["OWNERSHIP"]}, {"table": "secret", "privileges": []}, {"privileges": ["SELECT"]}]}
                """);
        try {
            CatalogSchemaTableName secret = new CatalogSchemaTableName("hive", "hr", "secret");
            assertThatThrownBy(() -> accessControl.checkCanSelectFromColumns(context("bob\"\nforged=1"), secret, Set.of("a")))
                    .isInstanceOf(AccessDeniedException.class)
                    .hasMessage("Access Denied: Cannot select from table hive.hr.secret: denied by rule tables[1]");
            assertThat(log.records()).hasSize(1);
            assertThat(log.records().getFirst().getMessage()).isEqualTo(
                    "access denied: user=\"bob\\\"\\nforged=1\" original_user=\"admin\" check=\"SelectFromColumns\" object=\"hive.hr.secret\" rule=\"tables[1]\"");
            accessControl.checkCanSelectFromColumns(context("bob"), new CatalogSchemaTableName("hive", "hr", "public"), Set.of("a"));
            assertThat(log.records()).hasSize(1);
        }
        finally {
            log.close();
            accessControl.shutdown();
        }
    }

    @Test
    void testEntityPrivilegesDeniedCleanly()
            throws IOException
    {
        // Trino's file access control throws UnsupportedOperationException here (an internal error for the user)
        SystemAccessControl accessControl = create("{}");
        try {
            EntityKindAndName entity = new EntityKindAndName("TABLE", List.of("c", "s", "t"));
            TrinoPrincipal bob = new TrinoPrincipal(PrincipalType.USER, "bob");
            assertThatThrownBy(() -> accessControl.checkCanGrantEntityPrivilege(context("admin"), new EntityPrivilege("SELECT"), entity, bob, false))
                    .isInstanceOf(AccessDeniedException.class)
                    .hasMessageStartingWith("Access Denied: Cannot grant privilege SELECT on table [c, s, t]");
            assertThatThrownBy(() -> accessControl.checkCanDenyEntityPrivilege(context("admin"), new EntityPrivilege("SELECT"), entity, bob))
                    .isInstanceOf(AccessDeniedException.class);
            assertThatThrownBy(() -> accessControl.checkCanRevokeEntityPrivilege(context("admin"), new EntityPrivilege("SELECT"), entity, bob, false))
                    .isInstanceOf(AccessDeniedException.class);
        }
        finally {
            accessControl.shutdown();
        }
    }

    @Test
    void testTrino478Methods()
            throws IOException
    {
        SystemAccessControl accessControl = create("{\"tables\": [{\"user\": \"admin\", \"privileges\": [\"OWNERSHIP\"]}], \"authorization\": [{\"original_user\": \"admin\", \"new_user\": \"bob\"}]}");
        RulesSystemAccessControl rules = (RulesSystemAccessControl) accessControl;
        try {
            CatalogSchemaTableName view = new CatalogSchemaTableName("hive", "s", "v");
            rules.checkCanRefreshView(context("admin"), view);
            assertThatThrownBy(() -> rules.checkCanRefreshView(context("bob"), view))
                    .isInstanceOf(AccessDeniedException.class)
                    .hasMessage("Access Denied: Cannot refresh view hive.s.v: no rule in 'tables' matched");
            rules.checkCanSetMaterializedViewAuthorization(context("admin"), view, new TrinoPrincipal(PrincipalType.USER, "bob"));
            assertThatThrownBy(() -> rules.checkCanSetMaterializedViewAuthorization(context("admin"), view, new TrinoPrincipal(PrincipalType.USER, "carol")))
                    .isInstanceOf(AccessDeniedException.class)
                    .hasMessage("Access Denied: Cannot set authorization for materialized view hive.s.v to USER carol: no rule in 'authorization' matched");
        }
        finally {
            accessControl.shutdown();
        }
    }

    @Test
    void testInvalidFileFailsStartupWithLocation()
            throws IOException
    {
        Files.writeString(file, "{\n  \"impersonation\": [{\"original_user\": \"(a)\", \"new_user\": \"$2\"}]\n}");
        assertThatThrownBy(() -> new RulesAccessControlFactory().create(Map.of("security.config-file", file.toString()), TRINO_476))
                .isInstanceOf(RulesException.class)
                .hasMessage("Invalid access control rules file " + file + " at line 2, column 58: new_user refers to group $2 but original_user '(a)' has 1 capturing group(s) (impersonation[0])");
    }

    @Test
    void testUnknownPropertyFailsStartup()
            throws IOException
    {
        Files.writeString(file, "{}");
        assertThatThrownBy(() -> new RulesAccessControlFactory().create(Map.of("security.config-file", file.toString(), "security.refresh-perod", "1s"), TRINO_476))
                .hasMessageContaining("security.refresh-perod");
    }
}
