package dev.trinobundle.compat;

import io.trino.plugin.tpch.TpchPlugin;
import io.trino.server.PluginClassLoader;
import io.trino.spi.Plugin;
import io.trino.spi.eventlistener.EventListenerFactory;
import io.trino.spi.security.PasswordAuthenticatorFactory;
import io.trino.spi.security.SystemAccessControlFactory;
import io.trino.testing.DistributedQueryRunner;
import io.trino.testing.MaterializedResult;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static com.google.common.collect.Iterables.getOnlyElement;
import static io.trino.testing.TestingSession.testSessionBuilder;
import static org.assertj.core.api.Assertions.assertThat;

/** The three plugins, as built against Trino 476, installed into an in-process Trino 478 that then runs a query. */
@Tag("server")
final class TestBundleOnTrino478
{
    @Test
    void testPluginsInstallIntoTrino478()
            throws Exception
    {
        Plugin accessControl = BundlePlugins.load("rules-access-control");
        Plugin authenticator = BundlePlugins.load("vault-authenticator");
        Plugin eventListener = BundlePlugins.load("audit-event-listener");

        // each plugin lives in its own class loader, yet implements the engine's (478) SPI interfaces
        assertThat(accessControl.getClass().getClassLoader()).isInstanceOf(PluginClassLoader.class);
        SystemAccessControlFactory accessControlFactory = getOnlyElement(accessControl.getSystemAccessControlFactories());
        PasswordAuthenticatorFactory authenticatorFactory = getOnlyElement(authenticator.getPasswordAuthenticatorFactories());
        EventListenerFactory eventListenerFactory = getOnlyElement(eventListener.getEventListenerFactories());
        assertThat(accessControlFactory.getName()).isEqualTo("rules");
        assertThat(authenticatorFactory.getName()).isEqualTo("vault");
        assertThat(eventListenerFactory.getName()).isEqualTo("audit");

        try (DistributedQueryRunner queryRunner = DistributedQueryRunner.builder(testSessionBuilder().setCatalog("tpch").setSchema("tiny").build())
                .setWorkerCount(0)
                .build()) {
            queryRunner.installPlugin(new TpchPlugin());
            queryRunner.createCatalog("tpch", "tpch", Map.of());
            queryRunner.installPlugin(accessControl);
            queryRunner.installPlugin(authenticator);
            // not installed here: the testing server creates every installed event listener factory with an empty
            // configuration at once; the audit listener's tests create it with their configuration instead

            MaterializedResult result = queryRunner.execute("SELECT count(*) FROM nation");
            assertThat(result.getOnlyValue()).isEqualTo(25L);
            // the engine and the SPI the plugins link against are really 478 (the testing server reports "testversion")
            assertThat(Plugin.class.getProtectionDomain().getCodeSource().getLocation().getPath()).endsWith("/trino-spi-478.jar");
            assertThat(DistributedQueryRunner.class.getProtectionDomain().getCodeSource().getLocation().getPath()).endsWith("/trino-testing-478.jar");
        }
    }
}
