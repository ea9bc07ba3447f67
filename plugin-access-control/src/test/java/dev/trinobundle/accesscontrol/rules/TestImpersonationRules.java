package dev.trinobundle.accesscontrol.rules;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The impersonation extensions: each case is one where Trino 476 behaves differently (documented in the README). */
final class TestImpersonationRules
{
    private static RuleSet rules(String impersonationRules)
    {
        return RulesParser.parse("rules.json", ("{\"impersonation\": [" + impersonationRules + "]}").getBytes(StandardCharsets.UTF_8), "");
    }

    private static boolean allowed(RuleSet rules, String original, String newUser)
    {
        return rules.impersonation(RuleIdentity.ofUser(original), newUser).allowed();
    }

    @Test
    void testBackReference()
    {
        RuleSet rules = rules("{\"original_user\": \"team_(.*)\", \"new_user\": \"team_$1_sandbox\"}");
        assertThat(allowed(rules, "team_backend", "team_backend_sandbox")).isTrue();
        assertThat(allowed(rules, "team_backend", "team_frontend_sandbox")).isFalse();
    }

    @Test
    void testCapturedTextIsQuoted()
    {
        // Trino: the pattern becomes john.doe_svc, which also matches johnXdoe_svc
        RuleSet rules = rules("{\"original_user\": \"(.*)@corp\", \"new_user\": \"$1_svc\"}");
        assertThat(allowed(rules, "john.doe@corp", "john.doe_svc")).isTrue();
        assertThat(allowed(rules, "john.doe@corp", "johnXdoe_svc")).isFalse();
        // a captured ".*" must not widen the rule to everyone
        assertThat(allowed(rules, ".*@corp", "admin_svc")).isFalse();
        assertThat(allowed(rules, ".*@corp", ".*_svc")).isTrue();
    }

    @Test
    void testBackslashAndDollarKeepTheirMeaning()
    {
        // Trino: user\d+ becomes userd+ once original_user matched
        RuleSet rules = rules("{\"original_user\": \"admin\", \"new_user\": \"user\\\\d+\"}");
        assertThat(allowed(rules, "admin", "user42")).isTrue();
        assertThat(allowed(rules, "admin", "userddd")).isFalse();

        // Trino: "Illegal group reference" at check time (an internal error)
        RuleSet anchored = rules("{\"original_user\": \"admin\", \"new_user\": \"a.*$\"}");
        assertThat(allowed(anchored, "admin", "alice")).isTrue();
        assertThat(allowed(anchored, "admin", "bob")).isFalse();

        RuleSet literalDollar = rules("{\"original_user\": \"(admin)\", \"new_user\": \"\\\\$1\"}");
        assertThat(allowed(literalDollar, "admin", "$1")).isTrue();
        assertThat(allowed(literalDollar, "admin", "admin")).isFalse();
    }

    @Test
    void testNamedGroups()
    {
        // Trino: "${team}" fails the load ("Illegal repetition")
        RuleSet rules = rules("{\"original_user\": \"(?<team>[a-z]+)_admin\", \"new_user\": \"${team}_.*\"}");
        assertThat(allowed(rules, "sales_admin", "sales_bob")).isTrue();
        assertThat(allowed(rules, "sales_admin", "hr_bob")).isFalse();
    }

    @Test
    void testGroupReferencesValidatedAtLoad()
    {
        assertThatThrownBy(() -> rules("{\"original_user\": \"(a)\", \"new_user\": \"$2\"}"))
                .isInstanceOfSatisfying(RulesException.class, e -> {
                    assertThat(e.getLine()).isEqualTo(1);
                    assertThat(e.getColumn()).isEqualTo(57);
                    assertThat(e.getProblem()).isEqualTo("new_user refers to group $2 but original_user '(a)' has 1 capturing group(s) (impersonation[0])");
                });
        assertThatThrownBy(() -> rules("{\"original_user\": \"(?<a>x)\", \"new_user\": \"${b}\"}"))
                .hasMessageContaining("new_user refers to group ${b} but original_user '(?<a>x)' has no group named 'b'");
        assertThatThrownBy(() -> rules("{\"new_user\": \"$1\"}"))
                .hasMessageContaining("the rule has no original_user");
        assertThatThrownBy(() -> rules("{\"original_user\": \"(a)\", \"new_user\": \"$1(\"}"))
                .hasMessageContaining("new_user is not a valid regular expression");
    }

    @Test
    void testOriginalGroup()
    {
        RuleSet rules = rules("{\"original_group\": \"bi_tools\", \"new_user\": \".*@example\\\\.com\"}");
        assertThat(rules.impersonation(new RuleIdentity("tableau", Set.of(), Set.of("bi_tools")), "alice@example.com").allowed()).isTrue();
        assertThat(rules.impersonation(new RuleIdentity("tableau", Set.of(), Set.of("other")), "alice@example.com").allowed()).isFalse();
    }

    @Test
    void testFirstMatchingRuleDecides()
    {
        RuleSet rules = rules("{\"original_user\": \"admin\", \"new_user\": \"root\", \"allow\": false}, {\"original_user\": \"admin\", \"new_user\": \".*\"}");
        Decision denied = rules.impersonation(RuleIdentity.ofUser("admin"), "root");
        assertThat(denied.allowed()).isFalse();
        assertThat(denied.denialInfo()).isEqualTo("denied by rule impersonation[0]");
        assertThat(allowed(rules, "admin", "alice")).isTrue();
        assertThat(rules.impersonation(RuleIdentity.ofUser("bob"), "alice").denialInfo()).isEqualTo("no rule in 'impersonation' matched");
    }

    @Test
    void testResolvedPatternsAreReused()
    {
        NewUserTemplate template = NewUserTemplate.parse("$1_svc", java.util.regex.Pattern.compile("(.*)"));
        java.util.regex.Matcher first = java.util.regex.Pattern.compile("(.*)").matcher("alice");
        assertThat(first.matches()).isTrue();
        java.util.regex.Matcher second = java.util.regex.Pattern.compile("(.*)").matcher("alice");
        assertThat(second.matches()).isTrue();
        assertThat(template.resolve(first)).isSameAs(template.resolve(second));
        assertThat(NewUserTemplate.parse(".*", null).hasReferences()).isFalse();
    }
}
