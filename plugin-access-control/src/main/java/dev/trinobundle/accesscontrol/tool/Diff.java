package dev.trinobundle.accesscontrol.tool;

import dev.trinobundle.accesscontrol.rules.JsonTree;
import dev.trinobundle.accesscontrol.rules.JsonTree.ObjectNode;
import dev.trinobundle.accesscontrol.rules.RuleIdentity;
import dev.trinobundle.accesscontrol.rules.RuleSet;
import dev.trinobundle.accesscontrol.rules.RulesException;
import dev.trinobundle.accesscontrol.rules.RulesParser;
import dev.trinobundle.accesscontrol.tool.Arguments.UsageException;
import dev.trinobundle.accesscontrol.tool.DiffQuestions.Asked;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code RulesTool diff OLD NEW}: every decision of the plugin that differs between two rules files, for every identity
 * and object (given, or derived from both files, see {@link Universe}), with what decided it on each side:
 * {@code someone: ImpersonateUser by admin: ALLOW (impersonation[0], line 9) → DENY (no rule in 'impersonation' matched)}.
 * Checks of the same identity and object that change the same way share a line. A decision that stays the same while
 * another rule decides it (rules renumbered by an insertion) is no difference. Exit code 0 when nothing differs, 1 when
 * something does, 2 when a file cannot be used.
 */
public final class Diff
{
    public static final String USAGE = "RulesTool diff <old-rules.json> <new-rules.json> [--identities <file>] [--objects <file>] [--json-pointer <pointer>]";

    // far beyond any hand-written rules file; a generated one should come with --identities/--objects
    private static final long MAX_DECISIONS = 20_000_000;

    private Diff() {}

    public static int run(List<String> args, PrintStream out, PrintStream err)
    {
        Arguments arguments = Arguments.parse(args, Set.of("--identities", "--objects", "--json-pointer"));
        if (arguments.positional().size() != 2) {
            throw new UsageException("diff takes the old and the new rules file");
        }
        String pointer = arguments.option("--json-pointer", "");
        RuleSet oldRules;
        RuleSet newRules;
        Universe universe;
        try {
            Path oldFile = Path.of(arguments.positional().get(0));
            Path newFile = Path.of(arguments.positional().get(1));
            byte[] oldContent = RulesParser.read(oldFile);
            byte[] newContent = RulesParser.read(newFile);
            oldRules = RulesParser.parse(oldFile.toString(), oldContent, pointer);
            newRules = RulesParser.parse(newFile.toString(), newContent, pointer);
            universe = Universe.derive(List.of(tree(oldFile, oldContent, pointer), tree(newFile, newContent, pointer)));
            if (arguments.options().containsKey("--identities")) {
                universe = universe.withIdentities(DiffFiles.identities(Path.of(arguments.option("--identities", null))));
            }
            if (arguments.options().containsKey("--objects")) {
                universe = universe.withObjects(DiffFiles.objects(Path.of(arguments.option("--objects", null))));
            }
        }
        catch (RulesException | InputFileException e) {
            err.println(e.getMessage());
            return 2;
        }

        long expected = (long) universe.identities().size() * DiffQuestions.of(universe, universe.identities().getFirst()).size();
        if (expected > MAX_DECISIONS) {
            err.println("About " + expected + " decisions to compare (" + universe.identities().size() + " identities): too many; "
                    + "choose the identities and objects that matter with --identities and --objects");
            return 2;
        }

        // (who, by, object, old, new) -> the checks that changed that way, in the order they were asked
        Map<List<String>, List<String>> changes = new LinkedHashMap<>();
        long compared = 0;
        int differing = 0;
        for (RuleIdentity identity : universe.identities()) {
            for (Asked asked : DiffQuestions.of(universe, identity)) {
                Answer before = asked.question().ask(oldRules, asked.identity());
                Answer after = asked.question().ask(newRules, asked.identity());
                compared++;
                if (!before.outcome().equals(after.outcome())) {
                    differing++;
                    List<String> key = List.of(asked.who(), asked.by() == null ? "" : asked.by(), asked.question().object(), before.render(), after.render());
                    changes.computeIfAbsent(key, ignored -> new ArrayList<>()).add(asked.question().checkName());
                }
            }
        }
        // identities whose decisions change the same way share a line too
        Map<List<String>, List<String>> lines = new LinkedHashMap<>();
        changes.forEach((key, checks) -> lines.computeIfAbsent(List.of(String.join(", ", checks), key.get(1), key.get(2), key.get(3), key.get(4)), ignored -> new ArrayList<>()).add(key.get(0)));
        lines.forEach((key, who) -> out.println(String.join(", ", who) + ": " + key.get(0)
                + (key.get(2).isEmpty() ? "" : " " + key.get(2))
                + (key.get(1).isEmpty() ? "" : " by " + key.get(1))
                + ": " + key.get(3) + " → " + key.get(4)));
        String inputs = universe.identities().size() + " identities " + (arguments.options().containsKey("--identities") ? "given" : "derived from both files")
                + ", objects " + (arguments.options().containsKey("--objects") ? "given" : "derived from both files");
        out.println(differing == 0
                ? "No decision differs among the names compared (" + compared + " compared; " + inputs + "; a changed regex may still decide other names differently)"
                : differing + " of " + compared + " decisions differ (" + inputs + ")");
        return differing == 0 ? 0 : 1;
    }

    /** The parsed file's tree (the content is valid: {@link RulesParser} read it first). */
    private static ObjectNode tree(Path file, byte[] content, String pointer)
    {
        return (ObjectNode) JsonTree.parseRules(new String(content, StandardCharsets.UTF_8), pointer, file.toString());
    }
}
