package dev.trinobundle.accesscontrol;

import dev.trinobundle.accesscontrol.groups.ConfiguredGroups;
import dev.trinobundle.accesscontrol.rules.RulesException;
import io.trino.spi.security.AccessDeniedException;
import io.trino.spi.security.Identity;
import io.trino.spi.security.SystemAccessControl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import static com.google.common.io.MoreFiles.deleteRecursively;
import static com.google.common.io.RecursiveDeleteOption.ALLOW_INSECURE;
import static dev.trinobundle.testing.TestingPluginContext.TRINO_476;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code original_group} on the identity Trino 476 really passes to {@code checkCanImpersonateUser}: the authenticated
 * user with no groups (trinodb/trino#19598). The real-server version is {@code TestGroupsOnTrino}.
 */
final class TestOriginalGroups
{
    // the reproduction: contractors may not impersonate anyone, everybody may become a report_ user
    static final String REPRODUCTION_RULES = """
            {"impersonation": [
              {"original_group": "contractors", "new_user": ".*", "allow": false},
              {"original_user": "admin", "new_user": ".*"},
              {"original_user": ".*", "new_user": "report_.*"}
            ]}
            """;

    private Path directory;
    private Path rules;
    private Path groupProvider;

    @BeforeEach
    void setUp()
            throws IOException
    {
        directory = Files.createTempDirectory("original-groups");
        rules = directory.resolve("rules.json");
        groupProvider = directory.resolve("group-provider.properties");
        Path groups = directory.resolve("groups.txt");
        Files.writeString(groups, "# Trino's file group provider format\ncontractors:carol\nanalysts:alice,carol\n");
        Files.writeString(groupProvider, "group-provider.name=file\nfile.group-file=" + groups + "\n");
    }

    @AfterEach
    void tearDown()
            throws IOException
    {
        deleteRecursively(directory, ALLOW_INSECURE);
    }

    private SystemAccessControl create(String json, Path groupProviderFile)
            throws IOException
    {
        Files.writeString(rules, json);
        return new RulesAccessControlFactory().create(Map.of(
                "security.config-file", rules.toString(),
                "security.group-provider.config-file", groupProviderFile.toString()), TRINO_476);
    }

    @Test
    void testDenyRuleOnOriginalGroupMatchesIdentityWithoutGroups()
            throws IOException
    {
        SystemAccessControl accessControl = create(REPRODUCTION_RULES, groupProvider);

        assertThatThrownBy(() -> accessControl.checkCanImpersonateUser(Identity.ofUser("carol"), "report_finance"))
                .isInstanceOf(AccessDeniedException.class)
                .hasMessage("Access Denied: User carol cannot impersonate user report_finance: denied by rule impersonation[0]");
        assertThatCode(() -> accessControl.checkCanImpersonateUser(Identity.ofUser("alice"), "report_finance")).doesNotThrowAnyException();
        assertThatCode(() -> accessControl.checkCanImpersonateUser(Identity.ofUser("admin"), "carol")).doesNotThrowAnyException();
    }

    @Test
    void testGroupsTheIdentityCarriesAreKept()
            throws IOException
    {
        SystemAccessControl accessControl = create(REPRODUCTION_RULES, groupProvider);

        // an identity that already has groups (SET SESSION AUTHORIZATION, Trino 478) is decided by them, as Trino does
        assertThatCode(() -> accessControl.checkCanImpersonateUser(Identity.forUser("carol").withGroups(Set.of("staff")).build(), "report_finance"))
                .doesNotThrowAnyException();
    }

    @Test
    void testOriginalGroupWithoutGroupSourceFailsToLoad()
            throws IOException
    {
        Path missing = directory.resolve("absent/group-provider.properties");
        assertThatThrownBy(() -> create(REPRODUCTION_RULES, missing))
                .isInstanceOf(RulesException.class)
                .hasMessageContaining("Invalid access control rules file " + rules)
                .hasMessageContaining("impersonation rules match original_group")
                .hasMessageContaining(missing + " does not exist")
                .hasMessageContaining("group-provider.name=file (file.group-file=...) or group-provider.name=keycloak");

        // rules without original_group need no group source
        assertThatCode(() -> create("{\"impersonation\": [{\"original_user\": \"admin\", \"new_user\": \".*\"}]}", missing)).doesNotThrowAnyException();
    }

    @Test
    void testUnreadableGroupProviderFailsToLoad()
            throws IOException
    {
        Files.writeString(groupProvider, "group-provider.name=ldap\nldap.url=ldaps://example\n");
        assertThatThrownBy(() -> create(REPRODUCTION_RULES, groupProvider))
                .isInstanceOf(RulesException.class)
                .hasMessageContaining("sets group-provider.name=ldap, which access-control.name=rules cannot read");
    }

    @Test
    void testMalformedGroupFileNamesLine()
            throws IOException
    {
        Path groups = directory.resolve("groups.txt");
        Files.writeString(groups, "contractors:carol\nno colon here\n");
        assertThatThrownBy(() -> create(REPRODUCTION_RULES, groupProvider))
                .hasStackTraceContaining("Group file " + groups + " line 2: expected group:user1,user2");
    }

    @Test
    void testUnknownGroupsDenyRatherThanSkipTheDenyRule()
            throws IOException
    {
        Files.writeString(rules, REPRODUCTION_RULES);
        ReloadingRules reloadingRules = new ReloadingRules(rules, "", InvalidRulesPolicy.KEEP_LAST);
        SystemAccessControl accessControl = new RulesSystemAccessControl(reloadingRules, ConfiguredGroups.of(_ -> {
            throw new IllegalStateException("Keycloak did not answer within 2s");
        }), false, reloadingRules::stop);

        assertThatThrownBy(() -> accessControl.checkCanImpersonateUser(Identity.ofUser("alice"), "report_finance"))
                .isInstanceOf(AccessDeniedException.class)
                .hasMessage("Access Denied: User alice cannot impersonate user report_finance: the groups of the original user are unknown: Keycloak did not answer within 2s");
    }
}
