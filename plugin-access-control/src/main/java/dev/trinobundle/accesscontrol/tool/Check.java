package dev.trinobundle.accesscontrol.tool;

import dev.trinobundle.accesscontrol.rules.RuleSet;
import dev.trinobundle.accesscontrol.rules.RulesException;
import dev.trinobundle.accesscontrol.rules.RulesParser;
import dev.trinobundle.accesscontrol.tool.Arguments.UsageException;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** {@code RulesTool check}: parses the rules with the plugin's own parser, then lints them. */
public final class Check
{
    public static final String USAGE = "RulesTool check <rules.json> [--json-pointer <pointer>] [--catalogs <etc/catalog directory>] [--strict]";

    private Check() {}

    public static int run(List<String> args, PrintStream out, PrintStream err)
    {
        Arguments arguments = Arguments.parse(args, Set.of("--json-pointer", "--catalogs"), Set.of("--strict"));
        if (arguments.positional().size() != 1) {
            throw new UsageException("check takes one rules file");
        }
        String file = arguments.positional().getFirst();
        RuleSet rules;
        try {
            rules = RulesParser.parse(Path.of(file), arguments.option("--json-pointer", ""));
        }
        catch (RulesException e) {
            err.println(e.getMessage());
            return 1;
        }
        out.println("OK: " + file + " is a valid rules file (sha256 " + rules.contentHash() + ")");
        return 0;
    }
}
