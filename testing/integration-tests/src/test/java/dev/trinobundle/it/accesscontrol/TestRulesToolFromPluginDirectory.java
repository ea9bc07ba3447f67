package dev.trinobundle.it.accesscontrol;

import dev.trinobundle.testing.TrinoServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every {@code RulesTool} subcommand, run exactly as documented from an installation: a separate JVM in the installation
 * directory with {@code -cp 'plugin/rules-access-control/*'}, the plugin directory as the build packages it (no Trino
 * SPI, no test class path), on the shipped example rules and their test file.
 */
@Tag("plugin-directories")
final class TestRulesToolFromPluginDirectory
{
    private static final Path DEPLOYMENT = Path.of("").toAbsolutePath().resolve("../../deployment").normalize();

    @TempDir
    static Path installation;

    private record Result(int exitCode, String out, String err) {}

    @BeforeAll
    static void install()
            throws IOException
    {
        Path plugin = Files.createDirectories(installation.resolve("plugin/rules-access-control"));
        try (Stream<Path> jars = Files.list(Path.of(System.getProperty(TrinoServer.BUNDLE_PLUGINS_DIR_PROPERTY)).resolve("rules-access-control"))) {
            for (Path jar : jars.toList()) {
                Files.copy(jar, plugin.resolve(jar.getFileName()));
            }
        }
        Files.copy(DEPLOYMENT.resolve("etc/rules.json"), installation.resolve("rules.json"));
        Files.copy(DEPLOYMENT.resolve("etc/rules-tests.yaml"), installation.resolve("rules-tests.yaml"));
        Path catalogs = Files.createDirectories(installation.resolve("etc/catalog"));
        try (Stream<Path> files = Files.list(DEPLOYMENT.resolve("etc/catalog"))) {
            for (Path file : files.toList()) {
                Files.copy(file, catalogs.resolve(file.getFileName()));
            }
        }
        String rules = Files.readString(installation.resolve("rules.json"));
        Files.writeString(installation.resolve("rules-new.json"), rules.replace("\"new_user\": \".*\"", "\"new_user\": \".*@company\\\\.com\""));
    }

    @Test
    void testPluginDirectoryHoldsTheYamlParserAndNoSpi()
            throws IOException
    {
        try (Stream<Path> jars = Files.list(installation.resolve("plugin/rules-access-control"))) {
            assertThat(jars.map(jar -> jar.getFileName().toString()).toList())
                    .anyMatch(name -> name.startsWith("jackson-dataformat-yaml-"))
                    .anyMatch(name -> name.startsWith("snakeyaml-"))
                    .noneMatch(name -> name.startsWith("trino-spi"))
                    .noneMatch(name -> name.startsWith("jackson-annotations"));
        }
    }

    @Test
    void testCheck()
            throws Exception
    {
        Result result = rulesTool("check", "rules.json", "--catalogs", "etc/catalog", "--strict");
        assertThat(result.out()).startsWith("OK: rules.json is a valid rules file (sha256 ").doesNotContain("Warning");
        assertThat(result.exitCode()).as(result.err()).isZero();

        Files.writeString(installation.resolve("lint.json"), "{\"catalogs\": [{\"catalog\": \"hvie\", \"allow\": \"all\"}, {\"catalog\": \"hvie\", \"allow\": \"none\"}]}");
        Result warnings = rulesTool("check", "lint.json", "--catalogs", "etc/catalog", "--strict");
        assertThat(warnings.exitCode()).isEqualTo(1);
        assertThat(warnings.out()).contains("Warning: lint.json at line 1, column 27: catalogs[0] names catalog 'hvie', which etc/catalog does not have")
                .contains("Warning: lint.json at line 1, column 52: catalogs[1] can never match: catalogs[0]");
    }

    @Test
    void testTestOnTheShippedRules()
            throws Exception
    {
        Result passing = rulesTool("test", "rules.json", "rules-tests.yaml");
        assertThat(passing.out()).isEqualTo("22 passed, 0 failed\n");
        assertThat(passing.exitCode()).as(passing.err()).isZero();

        Result failing = rulesTool("test", "rules-new.json", "rules-tests.yaml");
        assertThat(failing.out()).isEqualTo("FAIL rules-tests.yaml:14:5 \"the BI service user runs queries as any user name, with or without a domain\": bob: "
                + "ImpersonateUser by admin: expected ALLOW by impersonation[0], the rules decided DENY (no rule in 'impersonation' matched)\n21 passed, 1 failed\n");
        assertThat(failing.exitCode()).isEqualTo(1);

        Files.writeString(installation.resolve("bad-tests.yaml"), "tests:\n  - {user: a, operation: ExecuteQuery, expcet: allow}\n");
        Result invalid = rulesTool("test", "rules.json", "bad-tests.yaml");
        assertThat(invalid.exitCode()).isEqualTo(2);
        assertThat(invalid.err()).startsWith("Invalid test file bad-tests.yaml at line 2, column 40: unknown field 'expcet' in tests[0]");
    }

    @Test
    void testDiff()
            throws Exception
    {
        // every operation of every derived identity and object, through the plugin's decision code
        Result narrowed = rulesTool("diff", "rules.json", "rules-new.json");
        assertThat(narrowed.out()).isEqualTo("""
                someone: ImpersonateUser by admin: ALLOW (impersonation[0], line 8) → DENY (no rule in 'impersonation' matched)
                1 of 462 decisions differ (3 identities derived from both files, objects derived from both files)
                """);
        assertThat(narrowed.exitCode()).as(narrowed.err()).isEqualTo(1);

        Result same = rulesTool("diff", "rules.json", "rules.json");
        assertThat(same.out()).startsWith("No decision differs among the names compared (");
        assertThat(same.exitCode()).as(same.err()).isZero();
    }

    @Test
    void testExplain()
            throws Exception
    {
        Result result = rulesTool("explain", "rules.json", "admin", "impersonate", "alice@example.com");
        assertThat(result.out()).isEqualTo("ALLOW: admin impersonate alice@example.com\ndecided by rule impersonation[0]: {\n      \"original_user\": \"admin\",\n      \"new_user\": \".*\"\n    }\n");
        assertThat(result.exitCode()).as(result.err()).isZero();
    }

    /** {@code java -cp 'plugin/rules-access-control/*' dev.trinobundle.accesscontrol.RulesTool ...} in the installation directory. */
    private static Result rulesTool(String... args)
            throws Exception
    {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", "plugin/rules-access-control/*", "dev.trinobundle.accesscontrol.RulesTool"));
        command.addAll(List.of(args));
        Path err = Files.createTempFile(installation, "stderr", ".txt");
        ProcessBuilder builder = new ProcessBuilder(command).directory(installation.toFile()).redirectError(err.toFile());
        // nothing of this JVM's class path may reach the tool
        builder.environment().remove("CLASSPATH");
        builder.environment().remove("JAVA_TOOL_OPTIONS");
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("RulesTool " + String.join(" ", args) + " did not finish");
        }
        return new Result(process.exitValue(), out, Files.readString(err));
    }
}
