package dev.trinobundle.accesscontrol;

import dev.trinobundle.accesscontrol.groups.ConfiguredGroups;
import dev.trinobundle.accesscontrol.rules.RuleIdentity;
import dev.trinobundle.accesscontrol.rules.RuleSet;
import dev.trinobundle.accesscontrol.rules.RulesException;
import dev.trinobundle.testing.LogCapture;
import io.airlift.units.Duration;
import io.trino.spi.QueryId;
import io.trino.spi.security.AccessDeniedException;
import io.trino.spi.security.Identity;
import io.trino.spi.security.SystemAccessControl;
import io.trino.spi.security.SystemSecurityContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.management.ObjectName;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import java.util.logging.Level;

import static com.google.common.io.MoreFiles.deleteRecursively;
import static com.google.common.io.RecursiveDeleteOption.ALLOW_INSECURE;
import static io.trino.testing.assertions.Assert.assertConsistently;
import static io.trino.testing.assertions.Assert.assertEventually;
import static java.util.concurrent.TimeUnit.HOURS;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

final class TestReloadingRules
{
    private static final String ADMIN_ANYONE = "{\"impersonation\": [{\"original_user\": \"admin\", \"new_user\": \".*\"}]}";
    private static final String ADMIN_COMPANY = "{\"impersonation\": [{\"original_user\": \"admin\", \"new_user\": \".*@company\\\\.com\"}]}";

    private Path directory;
    private Path file;

    @BeforeEach
    void setUp()
            throws IOException
    {
        directory = Files.createTempDirectory("reloading-rules");
        file = directory.resolve("rules.json");
    }

    @AfterEach
    void tearDown()
            throws IOException
    {
        deleteRecursively(directory, ALLOW_INSECURE);
    }

    private static boolean adminMayImpersonate(ReloadingRules rules, String user)
    {
        return rules.get().impersonation(RuleIdentity.ofUser("admin"), user).allowed();
    }

    @Test
    void testReloadSwapsValidContentAndKeepsLastGoodOtherwise()
            throws IOException
    {
        replace(file, ADMIN_ANYONE);
        ReloadingRules rules = new ReloadingRules(file, "");
        assertThat(adminMayImpersonate(rules, "alice@example.com")).isTrue();
        assertThat(rules.reload()).isFalse(); // unchanged content
        assertThat(rules.getLoadSuccesses()).isEqualTo(1);

        replace(file, ADMIN_COMPANY);
        assertThat(rules.reload()).isTrue();
        assertThat(adminMayImpersonate(rules, "alice@example.com")).isFalse();
        assertThat(adminMayImpersonate(rules, "alice@company.com")).isTrue();
        String goodHash = rules.getRulesHash();

        String[] badContents = {
                "{\"impersonation\": [{\"original_user\": \"admin\", \"new_user\": \".*\"}",  // half-written
                "{\"impersonations\": []}",                                                   // unknown section
                "{\"impersonation\": [{\"original_user\": \"(\", \"new_user\": \".*\"}]}",      // bad regex
                "",                                                                           // empty
                "garbage",                                                                    // not JSON
        };
        int failures = 0;
        for (String bad : badContents) {
            replace(file, bad);
            assertThat(rules.reload()).isFalse();
            failures++;
            assertThat(rules.getLoadFailures()).isEqualTo(failures);
            assertThat(rules.getLastError()).startsWith("Invalid access control rules file " + file);
            assertThat(rules.getRulesHash()).isEqualTo(goodHash);
            assertThat(adminMayImpersonate(rules, "alice@company.com")).isTrue();
            assertThat(adminMayImpersonate(rules, "alice@example.com")).isFalse();
        }
        assertThat(rules.getLastError()).contains("at line 1, column ").contains("garbage");

        Files.delete(file);
        assertThat(rules.reload()).isFalse();
        assertThat(rules.getLastError()).endsWith("the file does not exist");
        assertThat(adminMayImpersonate(rules, "alice@company.com")).isTrue();

        replace(file, ADMIN_ANYONE);
        assertThat(rules.reload()).isTrue();
        assertThat(rules.getLastError()).isNull();
        assertThat(adminMayImpersonate(rules, "alice@example.com")).isTrue();
        assertThat(rules.getLoadSuccesses()).isEqualTo(3);
    }

    @Test
    void testInvalidFileFailsStartup()
            throws IOException
    {
        replace(file, "{\n  \"catalogs\": [{\"allow\": \"sometimes\"}]\n}");
        assertThatThrownBy(() -> new ReloadingRules(file, ""))
                .isInstanceOf(RulesException.class)
                .hasMessage("Invalid access control rules file " + file + " at line 2, column 26: 'allow' in catalogs[0] must be one of \"all\", \"read-only\", \"none\", \"owner\", true or false, not \"sometimes\"");
        assertThatThrownBy(() -> new ReloadingRules(directory.resolve("missing.json"), ""))
                .hasMessage("Invalid access control rules file " + directory.resolve("missing.json") + ": the file does not exist");
    }

    /** A Kubernetes ConfigMap volume: rules.json -> ..data/rules.json, ..data -> ..<timestamp>, swapped atomically. */
    @Test
    void testConfigMapSymlinkSwap()
            throws IOException
    {
        Path configMap = directory.resolve("configmap");
        Files.createDirectories(configMap);
        Path rulesFile = publishConfigMap(configMap, "..2026_01_01", ADMIN_ANYONE, null);
        ReloadingRules rules = new ReloadingRules(rulesFile, "");
        try {
            rules.start(new Duration(1, HOURS), false);
            assertThat(adminMayImpersonate(rules, "alice@example.com")).isTrue();
            long modified = Files.getLastModifiedTime(rulesFile).toMillis();

            publishConfigMap(configMap, "..2026_01_02", ADMIN_COMPANY, modified);
            assertThat(rules.reload()).isTrue();
            assertThat(adminMayImpersonate(rules, "alice@example.com")).isFalse();

            publishConfigMap(configMap, "..2026_01_03", "{\"impersonation\": [", modified);
            assertThat(rules.reload()).isFalse();
            assertThat(adminMayImpersonate(rules, "alice@company.com")).isTrue();
        }
        finally {
            rules.stop();
        }
    }

    /** The watcher picks up a ConfigMap swap with no refresh period elapsing (the period is an hour). */
    @Test
    void testWatcherPicksUpConfigMapSwap()
            throws IOException, InterruptedException
    {
        Path configMap = directory.resolve("configmap");
        Files.createDirectories(configMap);
        Path rulesFile = publishConfigMap(configMap, "..2026_01_01", ADMIN_ANYONE, null);
        ReloadingRules rules = new ReloadingRules(rulesFile, "");
        try {
            rules.start(new Duration(1, HOURS), true);
            publishConfigMap(configMap, "..2026_01_02", ADMIN_COMPANY, null);
            assertEventually(() -> assertThat(adminMayImpersonate(rules, "alice@example.com")).isFalse());
            assertThat(rules.getLoadSuccesses()).isEqualTo(2);

            publishConfigMap(configMap, "..2026_01_03", "{\"impersonation\": []}", null);
            assertEventually(() -> assertThat(adminMayImpersonate(rules, "alice@company.com")).isFalse());
        }
        finally {
            rules.stop();
        }
    }

    @Test
    void testStatusMBean()
            throws Exception
    {
        replace(file, ADMIN_ANYONE);
        ReloadingRules rules = new ReloadingRules(file, "");
        rules.exportMBean();
        ObjectName name = rules.objectName();
        try {
            assertThat(ManagementFactory.getPlatformMBeanServer().getAttribute(name, "RulesHash")).isEqualTo(RuleSet.contentHash(Files.readAllBytes(file)));
            replace(file, "{");
            rules.reload();
            assertThat(ManagementFactory.getPlatformMBeanServer().getAttribute(name, "LoadFailures")).isEqualTo(1L);
            assertThat((String) ManagementFactory.getPlatformMBeanServer().getAttribute(name, "LastError")).contains(file.toString());
        }
        finally {
            rules.stop();
        }
        assertThat(ManagementFactory.getPlatformMBeanServer().isRegistered(name)).isFalse();
    }

    @Test
    void testStalenessIsVisibleInJmxAndDenials()
            throws Exception
    {
        replace(file, ADMIN_COMPANY);
        ReloadingRules rules = new ReloadingRules(file, "");
        rules.exportMBean();
        ObjectName name = rules.objectName();
        SystemAccessControl accessControl = new RulesSystemAccessControl(rules, ConfiguredGroups.none("no group source in this test"), false, rules::stop);
        try {
            assertThat(ManagementFactory.getPlatformMBeanServer().getAttribute(name, "Stale")).isEqualTo(false);
            assertThat(ManagementFactory.getPlatformMBeanServer().getAttribute(name, "StaleSince")).isNull();

            // an emergency edit that removes the grant, with a trailing comma
            replace(file, "{\"impersonation\": [{\"original_user\": \"admin\", \"new_user\": \"nobody\"},]}");
            assertThat(rules.reload()).isFalse();
            assertThat(ManagementFactory.getPlatformMBeanServer().getAttribute(name, "Stale")).isEqualTo(true);
            String staleSince = (String) ManagementFactory.getPlatformMBeanServer().getAttribute(name, "StaleSince");
            assertThat(Instant.parse(staleSince)).isBeforeOrEqualTo(Instant.now());
            // a second failed read keeps the first time
            rules.reload();
            assertThat(ManagementFactory.getPlatformMBeanServer().getAttribute(name, "StaleSince")).isEqualTo(staleSince);

            // the old rules still decide, and their denials say that the file is broken and where
            assertThatThrownBy(() -> accessControl.checkCanImpersonateUser(Identity.ofUser("admin"), "alice@example.com"))
                    .isInstanceOf(AccessDeniedException.class)
                    // where the error is and since when, never the path, the parser's text (it may quote the file) or the hash
                    .hasMessageMatching("\\QAccess Denied: User admin cannot impersonate user alice@example.com: no rule in 'impersonation' matched; the rules file rules.json:1:\\E\\d+"
                            + "\\Q is invalid since " + staleSince + "; the last good rules are still in force\\E");
            assertThat((String) ManagementFactory.getPlatformMBeanServer().getAttribute(name, "LastError")).startsWith("Invalid access control rules file " + file + " at line 1, column ");
            accessControl.checkCanImpersonateUser(Identity.ofUser("admin"), "carol@company.com");

            replace(file, ADMIN_COMPANY);
            rules.reload();
            assertThat(ManagementFactory.getPlatformMBeanServer().getAttribute(name, "Stale")).isEqualTo(false);
            assertThatThrownBy(() -> accessControl.checkCanImpersonateUser(Identity.ofUser("admin"), "alice@example.com"))
                    .hasMessage("Access Denied: User admin cannot impersonate user alice@example.com: no rule in 'impersonation' matched");
        }
        finally {
            accessControl.shutdown();
        }
    }

    @Test
    void testDenyAllWhileInvalid()
            throws Exception
    {
        replace(file, ADMIN_ANYONE);
        ReloadingRules rules = new ReloadingRules(file, "", InvalidRulesPolicy.DENY_ALL);
        SystemAccessControl accessControl = new RulesSystemAccessControl(rules, ConfiguredGroups.none("no group source in this test"), false, rules::stop);
        try {
            accessControl.checkCanImpersonateUser(Identity.ofUser("admin"), "alice@example.com");
            accessControl.checkCanExecuteQuery(Identity.ofUser("bob"), new QueryId("before"));

            replace(file, "{\"impersonation\": [],}");
            rules.reload();
            assertThatThrownBy(() -> accessControl.checkCanImpersonateUser(Identity.ofUser("admin"), "alice@example.com"))
                    .isInstanceOf(AccessDeniedException.class)
                    .hasMessageContaining("; the rules file rules.json:1:")
                    .hasMessageNotContaining(file.toString())
                    .hasMessageEndingWith("every check is denied until it is fixed (security.on-invalid-rules=deny-all)");
            assertThatThrownBy(() -> accessControl.checkCanExecuteQuery(Identity.ofUser("bob"), new QueryId("during")))
                    .isInstanceOf(AccessDeniedException.class)
                    .hasMessageStartingWith("Access Denied: Cannot execute query: no rule in 'queries' matched; the rules file rules.json:1:");
            SystemSecurityContext context = new SystemSecurityContext(Identity.ofUser("bob"), new QueryId("during"), Instant.EPOCH);
            assertThat(accessControl.filterCatalogs(context, Set.of("tpch", "hive"))).isEmpty();
            assertThat(accessControl.canAccessCatalog(context, "tpch")).isFalse();

            replace(file, ADMIN_ANYONE);
            rules.reload();
            accessControl.checkCanImpersonateUser(Identity.ofUser("admin"), "alice@example.com");
            accessControl.checkCanExecuteQuery(Identity.ofUser("bob"), new QueryId("after"));
        }
        finally {
            accessControl.shutdown();
        }
    }

    @Test
    void testWarnsEveryRefreshPeriodWhileInvalid()
            throws Exception
    {
        replace(file, ADMIN_ANYONE);
        ReloadingRules rules = new ReloadingRules(file, "");
        try (LogCapture log = new LogCapture(ReloadingRules.class.getName())) {
            Supplier<List<String>> warnings = () -> log.messages(Level.WARNING);
            rules.start(new Duration(20, java.util.concurrent.TimeUnit.MILLISECONDS), false);
            assertConsistently(new Duration(100, MILLISECONDS), new Duration(20, MILLISECONDS),
                    () -> assertThat(warnings.get()).as("no warning while the file is valid").isEmpty());
            replace(file, "{\"impersonation\": [],}");
            // one ERROR for the content, then a WARN per period, not just once
            assertEventually(() -> assertThat(warnings.get()).hasSizeGreaterThanOrEqualTo(3));
            assertThat(warnings.get().getFirst()).startsWith("Access control rules file " + file + ": the rules file has been invalid since ")
                    .contains("at line 1, column ")
                    .endsWith("are still in force");
            replace(file, ADMIN_ANYONE);
            assertEventually(() -> assertThat(rules.isStale()).isFalse());
        }
        finally {
            rules.stop();
        }
    }

    /** Replaces the file's content in one step, as editors and the kubelet do: a reload never sees it half written. */
    private static void replace(Path file, String content)
            throws IOException
    {
        Path next = Files.writeString(file.resolveSibling(file.getFileName() + ".next"), content);
        Files.move(next, file, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Writes a new data directory and swaps the ..data symlink to it atomically, as the kubelet does. */
    private static Path publishConfigMap(Path configMap, String version, String content, Long keepModifiedTime)
            throws IOException
    {
        Path data = configMap.resolve(version);
        Files.createDirectories(data);
        Files.writeString(data.resolve("rules.json"), content);
        if (keepModifiedTime != null) {
            // the swap must be detected by content, not by modification time
            Files.setLastModifiedTime(data.resolve("rules.json"), java.nio.file.attribute.FileTime.fromMillis(keepModifiedTime));
        }
        Path temporary = configMap.resolve("..data_tmp");
        Files.deleteIfExists(temporary);
        Files.createSymbolicLink(temporary, Path.of(version));
        Files.move(temporary, configMap.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Path link = configMap.resolve("rules.json");
        if (!Files.isSymbolicLink(link)) {
            Files.createSymbolicLink(link, Path.of("..data", "rules.json"));
        }
        return link;
    }

    @Test
    void testGetHonoursDenyAll()
            throws Exception
    {
        // get() is the only way to the rules: a caller that skips RuleSnapshots must not see the last good rules
        Files.writeString(file, ADMIN_ANYONE);
        ReloadingRules rules = new ReloadingRules(file, "", InvalidRulesPolicy.DENY_ALL);
        assertThat(adminMayImpersonate(rules, "alice@example.com")).isTrue();
        Files.writeString(file, "{\"impersonation\": [],}");
        assertThat(rules.reload()).isFalse();
        assertThat(adminMayImpersonate(rules, "alice@example.com")).isFalse();
        assertThat(rules.get().queryAccess(RuleIdentity.ofUser("admin"), null, dev.trinobundle.accesscontrol.rules.QueryAccess.EXECUTE).allowed()).isFalse();
        // JMX still shows which content was last good
        assertThat(rules.getRulesHash()).isEqualTo(RuleSet.contentHash(ADMIN_ANYONE.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        Files.writeString(file, ADMIN_ANYONE);
        rules.reload();
        assertThat(adminMayImpersonate(rules, "alice@example.com")).isTrue();
    }

    @Test
    void testDenialNoteNeverQuotesTheNewFile()
            throws Exception
    {
        Files.writeString(file, ADMIN_ANYONE);
        ReloadingRules rules = new ReloadingRules(file, "");
        // a parser error quotes the offending name; a denied user must not read the new file through it
        Files.writeString(file, "{\"impersonation\": [{\"original_user\": \"admin\", \"new_user\": \".*\", \"secret_field_name\": 1}]}");
        assertThat(rules.reload()).isFalse();
        assertThat(rules.getLastError()).contains("secret_field_name").contains(file.toString());
        assertThat(rules.staleNote())
                .startsWith("the rules file rules.json:1:")
                .doesNotContain("secret_field_name")
                .doesNotContain(file.toString())
                .doesNotContain(rules.getRulesHash());
    }

    @Test
    void testStaleNoteIsNeverTornByAConcurrentReload()
            throws Exception
    {
        Files.writeString(file, ADMIN_ANYONE);
        ReloadingRules rules = new ReloadingRules(file, "");
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.ConcurrentLinkedQueue<String> torn = new java.util.concurrent.ConcurrentLinkedQueue<>();
        Thread reader = new Thread(() -> {
            while (!done.get()) {
                String note = rules.staleNote();
                if (note != null && note.contains("null")) {
                    torn.add(note);
                }
            }
        });
        reader.start();
        try {
            // flip between broken and valid content; each flip races the reader between the status fields
            for (int i = 0; i < 2_000 && torn.isEmpty(); i++) {
                Files.writeString(file, i % 2 == 0 ? "{\"impersonation\": [],}" : ADMIN_ANYONE);
                rules.reload();
            }
        }
        finally {
            done.set(true);
            reader.join();
        }
        assertThat(torn).isEmpty();
    }
}
