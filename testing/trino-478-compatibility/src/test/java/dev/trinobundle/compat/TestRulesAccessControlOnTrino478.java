package dev.trinobundle.compat;

import dev.trinobundle.testing.TestingPluginContext;
import io.trino.Session;
import io.trino.plugin.tpch.TpchPlugin;
import io.trino.spi.classloader.ThreadContextClassLoader;
import io.trino.spi.security.Identity;
import io.trino.spi.security.SystemAccessControl;
import io.trino.spi.security.SystemAccessControlFactory;
import io.trino.testing.DistributedQueryRunner;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static com.google.common.collect.Iterables.getOnlyElement;
import static io.trino.testing.TestingSession.testSessionBuilder;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The rules access control, as built against 476, deciding queries in an in-process Trino 478. */
@Tag("server")
final class TestRulesAccessControlOnTrino478
{
    @Test
    void testRulesDecideQueries(@TempDir Path directory)
            throws Exception
    {
        Path rules = directory.resolve("rules.json");
        Files.writeString(rules, """
                {
                  "catalogs": [
                    {"user": "bob", "catalog": "tpch", "allow": "none"},
                    {"allow": "all"}
                  ],
                  "tables": [
                    {"user": "alice", "catalog": "tpch", "schema": "tiny", "table": "customer", "privileges": ["SELECT"],
                     "filter": "nationkey = 1"},
                    {"catalog": "tpch", "privileges": ["SELECT"]}
                  ],
                  "impersonation": [{"original_user": "admin", "new_user": ".*@example\\\\.com"}]
                }
                """);
        SystemAccessControlFactory factory = getOnlyElement(BundlePlugins.load("rules-access-control").getSystemAccessControlFactories());
        SystemAccessControl accessControl;
        try (ThreadContextClassLoader _ = new ThreadContextClassLoader(factory.getClass().getClassLoader())) {
            accessControl = factory.create(
                    Map.of("security.config-file", rules.toString()),
                    new TestingPluginContext("478"));
        }

        try (DistributedQueryRunner queryRunner = DistributedQueryRunner.builder(testSessionBuilder().setCatalog("tpch").setSchema("tiny").build())
                .setWorkerCount(0)
                .setSystemAccessControl(accessControl)
                .build()) {
            queryRunner.installPlugin(new TpchPlugin());
            queryRunner.createCatalog("tpch", "tpch", Map.of());

            assertThat(queryRunner.execute(session("alice"), "SELECT count(*) FROM nation").getOnlyValue()).isEqualTo(25L);
            // alice's row filter from the rules applies
            assertThat(queryRunner.execute(session("alice"), "SELECT count(DISTINCT nationkey) FROM customer").getOnlyValue()).isEqualTo(1L);
            assertThatThrownBy(() -> queryRunner.execute(session("bob"), "SELECT count(*) FROM nation"))
                    .hasMessageContaining("Access Denied: Cannot access catalog tpch");
            assertThat(queryRunner.execute(session("bob"), "SHOW CATALOGS").getOnlyColumnAsSet()).doesNotContain("tpch");

            // impersonation: the check Trino runs for X-Trino-User / JDBC sessionUser
            accessControl.checkCanImpersonateUser(Identity.ofUser("admin"), "alice@example.com");
            assertThatThrownBy(() -> accessControl.checkCanImpersonateUser(Identity.ofUser("admin"), "alice@example.org"))
                    .hasMessageStartingWith("Access Denied: User admin cannot impersonate user alice@example.org");
            assertThatThrownBy(() -> accessControl.checkCanImpersonateUser(Identity.ofUser("bob"), "alice@example.com"))
                    .hasMessageStartingWith("Access Denied: User bob cannot impersonate user alice@example.com");
        }
    }



    private static Session session(String user)
    {
        return testSessionBuilder().setCatalog("tpch").setSchema("tiny").setIdentity(Identity.ofUser(user)).build();
    }
}
