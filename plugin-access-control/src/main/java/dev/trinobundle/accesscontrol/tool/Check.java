package dev.trinobundle.accesscontrol.tool;

import dev.trinobundle.accesscontrol.rules.JsonTree;
import dev.trinobundle.accesscontrol.rules.JsonTree.ObjectNode;
import dev.trinobundle.accesscontrol.rules.RuleSet;
import dev.trinobundle.accesscontrol.rules.RulesException;
import dev.trinobundle.accesscontrol.rules.RulesParser;
import dev.trinobundle.accesscontrol.tool.Arguments.UsageException;
import dev.trinobundle.accesscontrol.tool.Lint.Warning;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * {@code RulesTool check}: parses the rules with the plugin's own parser (exit 1 with line and column when invalid),
 * then prints the {@link Lint} warnings, each with file, line and column. Warnings leave the exit code at 0 unless
 * {@code --strict} is given; {@code --catalogs DIR} (Trino's {@code etc/catalog}) adds the check that every catalog the
 * rules name exists.
 */
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
        String pointer = arguments.option("--json-pointer", "");
        Set<String> catalogs = null;
        String catalogDirectory = arguments.option("--catalogs", null);
        if (catalogDirectory != null) {
            catalogs = catalogs(Path.of(catalogDirectory));
            if (catalogs == null) {
                err.println("--catalogs " + catalogDirectory + " is not a directory: give Trino's etc/catalog directory (one <catalog>.properties per catalog)");
                return 2;
            }
        }
        RuleSet rules;
        byte[] content;
        try {
            content = RulesParser.read(Path.of(file));
            rules = RulesParser.parse(file, content, pointer);
        }
        catch (RulesException e) {
            err.println(e.getMessage());
            return 1;
        }
        String source = new String(content, StandardCharsets.UTF_8);
        ObjectNode tree = (ObjectNode) JsonTree.parseRules(source, pointer, file);
        List<Warning> warnings = Lint.lint(tree, source, catalogs, catalogDirectory);
        out.println("OK: " + file + " is a valid rules file (sha256 " + rules.contentHash() + ")"
                + (warnings.isEmpty() ? "" : ", with " + warnings.size() + (warnings.size() == 1 ? " warning" : " warnings")));
        for (Warning warning : warnings) {
            out.println("Warning: " + file + " at line " + warning.position().line() + ", column " + warning.position().column() + ": " + warning.message());
        }
        return arguments.flag("--strict") && !warnings.isEmpty() ? 1 : 0;
    }

    /** The catalogs of an {@code etc/catalog} directory (file names without {@code .properties}) and {@code system}; null if it is no directory. */
    static Set<String> catalogs(Path directory)
    {
        if (!Files.isDirectory(directory)) {
            return null;
        }
        Set<String> catalogs = new TreeSet<>(Set.of("system"));
        try (Stream<Path> files = Files.list(directory)) {
            files.map(path -> path.getFileName().toString())
                    .filter(name -> name.endsWith(".properties"))
                    .forEach(name -> catalogs.add(name.substring(0, name.length() - ".properties".length())));
        }
        catch (IOException e) {
            return null;
        }
        return catalogs;
    }
}
