package dev.trinobundle.accesscontrol.tool;

import dev.trinobundle.accesscontrol.rules.RuleSet;
import dev.trinobundle.accesscontrol.rules.RulesException;
import dev.trinobundle.accesscontrol.rules.RulesParser;
import dev.trinobundle.accesscontrol.tool.Arguments.UsageException;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * {@code RulesTool test RULES TESTS}: runs every case of the test file against the rules with the plugin's own
 * decisions, prints one line per failing case (where it is, what it expected, what the rules decided and which rule
 * decided) and {@code N passed, M failed}. Exit code 0 when all pass, 1 when one fails, 2 when the files cannot be used.
 */
public final class TestRunner
{
    public static final String USAGE = "RulesTool test <rules.json> <tests.yaml|tests.json> [--json-pointer <pointer>]";

    private TestRunner() {}

    public static int run(List<String> args, PrintStream out, PrintStream err)
    {
        Arguments arguments = Arguments.parse(args, Set.of("--json-pointer"));
        if (arguments.positional().size() != 2) {
            throw new UsageException("test takes the rules file and the test file");
        }
        RuleSet rules;
        List<TestCase> cases;
        try {
            rules = RulesParser.parse(Path.of(arguments.positional().get(0)), arguments.option("--json-pointer", ""));
            cases = TestFile.read(Path.of(arguments.positional().get(1)));
        }
        catch (RulesException | InputFileException e) {
            err.println(e.getMessage());
            return 2;
        }
        if (cases.isEmpty()) {
            err.println("The test file " + arguments.positional().get(1) + " has no cases: add some under 'tests'");
            return 2;
        }
        int failed = 0;
        for (TestCase testCase : cases) {
            Answer answer = testCase.question().ask(rules, testCase.identity());
            if (!testCase.expectation().matches(answer)) {
                failed++;
                out.println("FAIL " + testCase.location() + (testCase.name() == null ? "" : " \"" + testCase.name() + "\"") + ": " + testCase.describe()
                        + ": expected " + testCase.expectation().render() + ", the rules decided " + answer.render());
            }
        }
        out.println((cases.size() - failed) + " passed, " + failed + " failed");
        return failed == 0 ? 0 : 1;
    }
}
