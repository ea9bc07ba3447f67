package dev.trinobundle.accesscontrol;

import dev.trinobundle.accesscontrol.RulesToolRunner.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.trinobundle.accesscontrol.RulesToolRunner.run;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The example rules ({@code deployment/etc/rules.json}) pass their test file ({@code deployment/etc/rules-tests.yaml})
 * and {@code check --strict}; the README's test and diff outputs are what the tools print.
 */
final class TestShippedRulesTests
{
    // the module's tests run in plugin-access-control/
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final Path RULES = ROOT.resolve("deployment/etc/rules.json");
    private static final Path TESTS = ROOT.resolve("deployment/etc/rules-tests.yaml");
    private static final Path README = ROOT.resolve("plugin-access-control/README.md");
    private static final String TOOL = "java -cp 'plugin/rules-access-control/*' dev.trinobundle.accesscontrol.RulesTool ";

    @TempDir
    Path directory;

    @Test
    void testExampleTestsPassOnTheShippedRules()
    {
        Result result = run("test", RULES.toString(), TESTS.toString());
        assertThat(result.err()).isEmpty();
        assertThat(result.out()).isEqualTo("22 passed, 0 failed\n");
        assertThat(result.exitCode()).isZero();
    }

    @Test
    void testShippedRulesHaveNoWarnings()
    {
        Result result = run("check", RULES.toString(), "--catalogs", ROOT.resolve("deployment/etc/catalog").toString(), "--strict");
        assertThat(result.out()).startsWith("OK: ").doesNotContain("Warning");
        assertThat(result.exitCode()).isZero();
    }

    @Test
    void testExampleTestsCatchTheNarrowedImpersonation()
            throws IOException
    {
        Result result = run("test", narrowed().toString(), TESTS.toString());
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.out()).isEqualTo("FAIL " + TESTS + ":14:5 \"the BI service user runs queries as any user name, with or without a domain\": bob: ImpersonateUser by admin: "
                + "expected ALLOW by impersonation[0], the rules decided DENY (no rule in 'impersonation' matched)\n21 passed, 1 failed\n");
        assertThat(Files.readString(README)).contains(result.out().replace(TESTS.toString(), "rules-tests.yaml"));
    }

    @Test
    void testReadmeShowsTheRealDiffOutput()
            throws IOException
    {
        String readme = Files.readString(README);
        Files.writeString(directory.resolve("identities.yaml"), yamlBlock(readme, "# identities.yaml"));
        Files.writeString(directory.resolve("objects.yaml"), yamlBlock(readme, "# objects.yaml"));
        Path narrowed = narrowed();

        Result derived = run("diff", RULES.toString(), narrowed.toString());
        assertThat(derived.exitCode()).isEqualTo(1);
        assertThat(derived.out()).startsWith("someone: ImpersonateUser by admin: ALLOW (impersonation[0], line 8) → DENY");
        assertThat(readme).contains("$ " + TOOL + "diff rules.json rules-new.json\n" + derived.out());

        Result given = run("diff", RULES.toString(), narrowed.toString(),
                "--identities", directory.resolve("identities.yaml").toString(), "--objects", directory.resolve("objects.yaml").toString());
        assertThat(given.exitCode()).isEqualTo(1);
        assertThat(given.out()).startsWith("bob@gmail.com: ImpersonateUser by admin: ALLOW (impersonation[0], line 8) → DENY");
        assertThat(readme).contains("$ " + TOOL + "diff rules.json rules-new.json --identities identities.yaml --objects objects.yaml\n" + given.out());
    }

    /** The shipped rules with the edit the README discusses: new_user narrowed from .* to .*@company\.com. */
    private Path narrowed()
            throws IOException
    {
        String rules = Files.readString(RULES);
        String edited = rules.replace("\"new_user\": \".*\"", "\"new_user\": \".*@company\\\\.com\"");
        assertThat(edited).isNotEqualTo(rules);
        return Files.writeString(directory.resolve("rules-new.json"), edited);
    }

    /** The README's ```yaml block whose first line is {@code firstLine}. */
    private static String yamlBlock(String readme, String firstLine)
    {
        Matcher block = Pattern.compile("```yaml\n(" + Pattern.quote(firstLine) + "[^\n]*\n.*?)```", Pattern.DOTALL).matcher(readme);
        assertThat(block.find()).as("README block starting with %s", firstLine).isTrue();
        return block.group(1);
    }
}
