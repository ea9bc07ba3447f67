package dev.trinobundle.accesscontrol.tool;

import dev.trinobundle.accesscontrol.rules.MatchBudget;
import dev.trinobundle.accesscontrol.rules.MatchBudgetExceededException;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.regex.Pattern;

import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

final class TestRegexLint
{
    // each regex the lint reports, with a value it is slow on: more reads than a decision's budget (MatchBudget)
    private static final Map<String, String> SLOW = Map.ofEntries(
            entry(".*\\..*\\..*@example\\.com", ".".repeat(300)),
            entry("\\d+\\d+x", "1".repeat(3000)),
            entry("[a-z]*[a-z]*[a-z]*[a-z]*1", "a".repeat(300)),
            entry(".*a.*a.*a.*b", "a".repeat(300)),
            entry("(x+x+)+y", "x".repeat(300)),
            entry("(a+)+?b", "a".repeat(300)),
            entry("((a+)+)+b", "a".repeat(300)),
            entry("(a+)+b\\1", "a".repeat(300)),
            entry("(a+){1,100}b", "a".repeat(300)),
            entry("(a{1,50}){1,50}b", "a".repeat(300)),
            entry("(?i)\\D+\\D+x", "A".repeat(3000)),
            // nested but greedy and unbounded: the engine remembers where the group failed (JDK 9+), still quadratic
            entry("(a+)+b", "a".repeat(3000)),
            entry("(\\w+\\s?)*x", "a".repeat(3000)),
            entry("(.*)*x", "a".repeat(3000)));

    // repeated groups with alternatives: the engine recurses once per repetition
    private static final Map<String, String> STACK = Map.ofEntries(
            entry("(a|b)*c", "ab".repeat(20000)),
            entry("(\\w|-)+", "a-".repeat(20000)),
            entry("(a|aa)+b", "a".repeat(50000)));

    // regexes it leaves alone, with a value that would hurt if they were slow (mostly one they do not match): within the budget
    private static final Map<String, String> FAST = Map.ofEntries(
            entry("admin", "a".repeat(3000)),
            entry(".*", "a".repeat(3000)),
            entry(".*@company\\.com", "a".repeat(3000)),
            entry("[^@]+@company\\.com", "a".repeat(3000)),
            entry("team_(.*)_admin", "team_".repeat(600)),
            entry("(.*)@(.*)", "a".repeat(3000)),
            // a final .* completes any match (on values without line breaks, which only quoted identifiers can have)
            entry(".*_.*", "a".repeat(3000)),
            entry("alice|bob|carol", "a".repeat(3000)),
            entry("[a-z]+@[a-z]+\\.com", "a@".repeat(1500)),
            entry("report_[a-z0-9_]{1,40}_[a-z]{1,40}x", "report_" + "a".repeat(2000)),
            entry("\\d{1,3}\\.\\d{1,3}", "1".repeat(3000)),
            entry("a++a", "a".repeat(3000)),
            entry("(?>a+)+b", "a".repeat(3000)),
            entry("(ab)*c", "ab".repeat(20000)),
            entry("(a|b)*+c", "ab".repeat(20000)),
            entry("(a|b){0,100}c", "ab".repeat(20000)),
            entry("[ab]*c", "ab".repeat(20000)));

    @Test
    void testReportsWhatIsSlow()
    {
        SLOW.forEach((regex, value) -> {
            assertThat(RegexLint.check(regex)).as(regex).isPresent();
            assertThatThrownBy(() -> MatchBudget.forDecision().matches(Pattern.compile(regex), value)).as(regex)
                    .isInstanceOf(MatchBudgetExceededException.class);
        });
    }

    @Test
    void testReportsWhatOverflowsTheStack()
    {
        STACK.forEach((regex, value) -> {
            assertThat(RegexLint.check(regex).orElseThrow().problem()).as(regex).startsWith("java.util.regex recurses once per repetition");
            // the plugin denies such a match as one that gave up (it was a StackOverflowError out of the access control)
            assertThatThrownBy(() -> MatchBudget.forDecision().matches(Pattern.compile(regex), value)).as(regex)
                    .isInstanceOf(MatchBudgetExceededException.class)
                    .hasMessageContaining("overflowed the stack; denied");
        });
    }

    @Test
    void testLeavesWhatIsFastAlone()
    {
        FAST.forEach((regex, value) -> {
            assertThat(RegexLint.check(regex)).as(regex).isEmpty();
            assertThatCode(() -> MatchBudget.forDecision().matches(Pattern.compile(regex), value)).as(regex).doesNotThrowAnyException();
        });
    }

    @Test
    void testFindingNamesThePartAndTheFix()
    {
        RegexLint.Finding finding = RegexLint.check("user_\\d+\\d+x").orElseThrow();
        assertThat(finding.index()).isEqualTo(5);
        assertThat(finding.problem()).startsWith("'\\d+' and the later '\\d+' can take the same characters").contains("possessive quantifier");
        assertThat(RegexLint.check("x(a+)+?").orElseThrow().problem()).startsWith("the repeated group '(a+)+?' holds another unbounded quantifier: with a lazy");
        assertThat(RegexLint.check("x(a+)+").orElseThrow().problem()).startsWith("the repeated group '(a+)+' holds another unbounded quantifier: a value that almost matches takes time quadratic");
        assertThat(RegexLint.check("x(a+)+?").orElseThrow().index()).isEqualTo(1);
    }

    @Test
    void testUnreadableOrDeepPatternsAreSkippedCheaply()
    {
        // lookaround, Unicode classes: not analysed, no finding
        assertThat(RegexLint.check("(?=a)a+a+x")).isEmpty();
        assertThat(RegexLint.check("\\p{Lu}+\\p{Lu}+x")).isEmpty();
        // deeper nesting than the analysis follows: no stack overflow, no finding
        assertThat(RegexLint.check("(".repeat(5000) + "a" + ")".repeat(5000))).isEmpty();
        // a long pattern is one pass
        assertThat(RegexLint.check("a".repeat(100_000) + ".*x.*y")).isPresent();
    }
}
