package dev.trinobundle.accesscontrol;

import dev.trinobundle.accesscontrol.tool.Arguments;
import dev.trinobundle.accesscontrol.tool.Check;
import dev.trinobundle.accesscontrol.tool.Diff;
import dev.trinobundle.accesscontrol.tool.Explain;
import dev.trinobundle.accesscontrol.tool.TestRunner;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

/**
 * Operator tools that use the plugin's own parser and decisions, and need no Trino classes on the class path:
 * <pre>
 * java -cp 'plugin/rules-access-control/*' dev.trinobundle.accesscontrol.RulesTool check rules.json [--catalogs etc/catalog]
 * java -cp 'plugin/rules-access-control/*' dev.trinobundle.accesscontrol.RulesTool explain rules.json admin impersonate alice@example.com
 * java -cp 'plugin/rules-access-control/*' dev.trinobundle.accesscontrol.RulesTool test rules.json rules-tests.yaml
 * java -cp 'plugin/rules-access-control/*' dev.trinobundle.accesscontrol.RulesTool diff old-rules.json rules.json
 * </pre>
 * Each subcommand is its own class in {@code dev.trinobundle.accesscontrol.tool}.
 */
public final class RulesTool
{
    static final int USAGE = 2;

    private static final String USAGE_TEXT = String.join("\n",
            "usage: " + Check.USAGE,
            "       " + TestRunner.USAGE,
            "       " + Diff.USAGE,
            "       " + Explain.USAGE,
            "exit code: check 0 valid / 1 invalid (warnings do not change it; --strict: 1 with warnings);",
            "           explain 0 allowed / 1 denied or invalid; test 0 all pass / 1 a case fails; diff 0 no change / 1 changes;",
            "           2 usage error, and for test and diff a file that cannot be used");

    private RulesTool() {}

    public static void main(String[] args)
    {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err)
    {
        if (args.length == 0) {
            err.println(USAGE_TEXT);
            return USAGE;
        }
        List<String> rest = Arrays.asList(args).subList(1, args.length);
        try {
            return switch (args[0]) {
                case "check" -> Check.run(rest, out, err);
                case "explain" -> Explain.run(rest, out, err);
                case "test" -> TestRunner.run(rest, out, err);
                case "diff" -> Diff.run(rest, out, err);
                default -> throw new Arguments.UsageException("unknown command " + args[0]);
            };
        }
        catch (Arguments.UsageException e) {
            err.println(e.getMessage() + "\n" + USAGE_TEXT);
            return USAGE;
        }
    }
}
