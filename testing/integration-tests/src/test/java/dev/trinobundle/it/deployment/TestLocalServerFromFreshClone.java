package dev.trinobundle.it.deployment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trinobundle.testing.AuditLogFiles;
import dev.trinobundle.testing.TrinoServer;
import io.airlift.units.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static io.trino.testing.assertions.Assert.assertEventually;
import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.MINUTES;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's first command as a newcomer runs it: a {@code git clone} of this repository at {@code HEAD} (so nothing
 * uncommitted or git-ignored is there), {@code ./deployment/run-local-server} in it, and every command line its banner
 * prints, run as printed. Then Ctrl-C (SIGINT to the foreground process group), and no process may be left.
 */
@Tag("server")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class TestLocalServerFromFreshClone
{
    private static final ObjectMapper MAPPER = new ObjectMapper();
    // A foreground job in a terminal has the default SIGINT action; a process started by a build may have inherited
    // "ignore" (a JVM then never sees Ctrl-C), so the launcher resets it, and starts a process group as a shell would.
    private static final String FOREGROUND_JOB = "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT}); os.setsid(); os.execvp(sys.argv[1], sys.argv[1:])";

    private Path workDir;
    private Path clone;
    private Path output;
    private Process server;
    private Map<String, String> banner;

    @BeforeAll
    void startFromFreshClone()
            throws Exception
    {
        Path repository = Path.of(run(Path.of("."), "git", "rev-parse", "--show-toplevel").strip());
        // the guard CI runs: a file the build reads but git ignores would be missing below
        run(repository, repository.resolve(".ci/check-git-ignored").toString());

        workDir = Files.createTempDirectory("fresh-clone");
        clone = workDir.resolve("trino-security-bundle");
        run(workDir, "git", "clone", "--quiet", repository.toString(), clone.toString());
        output = workDir.resolve("run-local-server.out");
        ProcessBuilder builder = new ProcessBuilder("python3", "-c", FOREGROUND_JOB, "./deployment/run-local-server")
                .directory(clone.toFile())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile());
        builder.environment().put("TRINO_HTTPS_PORT", String.valueOf(TrinoServer.freePort()));
        server = builder.start();
        // the build of the whole clone comes first, then the server starts
        assertEventually(new Duration(15, MINUTES), new Duration(1, SECONDS), () -> {
            String printed = Files.readString(output, UTF_8);
            assertThat(server.isAlive()).as("run-local-server exited early:%n%s", printed).isTrue();
            assertThat(printed).contains("Press Ctrl-C to stop.");
        });
        banner = bannerLines(Files.readString(output, UTF_8));
    }

    @AfterAll
    void stopAndClean()
            throws IOException
    {
        if (server != null && server.isAlive()) {
            ProcessHandle.allProcesses().filter(this::belongsToClone).forEach(ProcessHandle::destroyForcibly);
        }
        if (workDir != null) {
            try (Stream<Path> files = Files.walk(workDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    @Test
    void everyPrintedCommandWorksAndCtrlCLeavesNoProcess()
            throws Exception
    {
        assertThat(banner).containsKeys("Log in", "JDBC URL", "CLI", "curl", "Audit log", "Rules file");
        String password = match("^user admin, password ([0-9a-f]+) ", banner.get("Log in"));

        // JDBC URL, with the impersonation the banner describes
        String jdbcMarker = "jdbc-" + UUID.randomUUID();
        Properties properties = new Properties();
        properties.setProperty("user", "admin");
        properties.setProperty("password", password);
        properties.setProperty("sessionUser", "alice");
        try (Connection connection = DriverManager.getConnection(banner.get("JDBC URL"), properties);
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery("SELECT current_user, '%s'".formatted(jdbcMarker))) {
            assertThat(result.next()).isTrue();
            assertThat(result.getString(1)).isEqualTo("alice");
        }

        // the CLI line, pasted into a shell; TRINO_PASSWORD answers --password, statements come on stdin
        String cliMarker = "cli-" + UUID.randomUUID();
        String cliOutput = runShell(banner.get("CLI"), Map.of("TRINO_PASSWORD", password), "SELECT current_user, '%s';%n".formatted(cliMarker));
        assertThat(cliOutput).contains("\"alice\",\"%s\"".formatted(cliMarker));

        // the curl line: the README shows the same line with placeholders
        String curl = banner.get("curl");
        String certificate = match("--cacert (\\S+) ", curl);
        String port = match("https://localhost:(\\d+)/", curl);
        assertThat(Files.readString(clone.resolve("README.md"), UTF_8)).contains(curl
                .replace(certificate, "<server.pem>")
                .replace(password, "<password>")
                .replace("localhost:" + port, "localhost:8443"));
        JsonNode response = MAPPER.readTree(runShell(curl + " --silent --show-error", Map.of(), ""));
        String curlQueryId = response.get("id").asText();
        List<JsonNode> rows = new ArrayList<>();
        while (response.has("nextUri")) {
            // the client protocol: follow nextUri with the same credentials until the query is done
            response = MAPPER.readTree(runShell("curl --silent --show-error --cacert %s -u admin:%s -H 'X-Trino-User: alice' %s"
                    .formatted(certificate, password, response.get("nextUri").asText()), Map.of(), ""));
            response.path("data").forEach(rows::add);
        }
        assertThat(response.path("stats").path("state").asText()).isEqualTo("FINISHED");
        assertThat(rows).hasSize(1);
        assertThat(rows.getFirst().get(0).asInt()).isEqualTo(1);

        // the audit log the banner names has each query, run as alice by admin
        Path auditLog = Path.of(match("^(\\S+) ", banner.get("Audit log")));
        assertEventually(new Duration(30, SECONDS), () -> {
            List<JsonNode> completed = AuditLogFiles.records(auditLog).stream()
                    .filter(record -> record.get("kind").asText().equals("completed"))
                    .toList();
            for (String marker : List.of(jdbcMarker, cliMarker)) {
                assertThat(completed).filteredOn(record -> record.at("/query/sql").asText().contains(marker))
                        .singleElement()
                        .satisfies(record -> assertImpersonatedByAdmin(record));
            }
            assertThat(completed).filteredOn(record -> record.at("/query/id").asText().equals(curlQueryId))
                    .singleElement()
                    .satisfies(record -> assertImpersonatedByAdmin(record));
        });

        // Ctrl-C: the terminal sends SIGINT to the whole foreground process group
        run(clone, "kill", "-s", "INT", "--", "-" + server.pid());
        assertThat(server.waitFor(2, MINUTES)).as("run-local-server still running after Ctrl-C").isTrue();
        assertThat(Files.readString(output, UTF_8)).contains("Stopping Trino ...");
        assertEventually(new Duration(30, SECONDS), () ->
                assertThat(ProcessHandle.allProcesses().filter(this::belongsToClone).map(this::describe)).isEmpty());
    }

    private static void assertImpersonatedByAdmin(JsonNode record)
    {
        JsonNode identity = record.get("identity");
        String query = record.at("/query/sql").asText();
        assertThat(identity.get("user").asText()).as(query).isEqualTo("alice");
        assertThat(identity.get("impersonated").asBoolean()).as(query).isTrue();
        // who logged in; originalUser is what the client sent (the CLI sends its --session-user there too)
        assertThat(identity.get("principal").asText()).as(query).isEqualTo("admin");
    }

    /** "  Label  : value" lines of the banner; continuation lines (no label) are left out. */
    private static Map<String, String> bannerLines(String printed)
    {
        Map<String, String> lines = new LinkedHashMap<>();
        Matcher matcher = Pattern.compile("(?m)^  (\\S[^:]*?) +: (.+)$").matcher(printed.substring(printed.lastIndexOf("is running with the security bundle.")));
        while (matcher.find()) {
            lines.put(matcher.group(1).strip(), matcher.group(2).strip());
        }
        return lines;
    }

    private static String match(String regex, String text)
    {
        Matcher matcher = Pattern.compile(regex).matcher(text);
        assertThat(matcher.find()).as("%s in %s", regex, text).isTrue();
        return matcher.group(1);
    }

    private boolean belongsToClone(ProcessHandle process)
    {
        return process.pid() != ProcessHandle.current().pid()
                && process.info().commandLine().map(line -> line.contains(clone.toString())).orElse(false);
    }

    private String describe(ProcessHandle process)
    {
        return process.pid() + " " + process.info().commandLine().orElse("?");
    }

    private static String runShell(String commandLine, Map<String, String> environment, String input)
            throws IOException, InterruptedException
    {
        Path errors = Files.createTempFile("command", ".err");
        try {
            ProcessBuilder builder = new ProcessBuilder("bash", "-c", commandLine).redirectError(errors.toFile());
            builder.environment().putAll(environment);
            Process process = builder.start();
            process.getOutputStream().write(input.getBytes(UTF_8));
            process.getOutputStream().close();
            String stdout = new String(process.getInputStream().readAllBytes(), UTF_8);
            assertThat(process.waitFor()).as("%s%n%s", commandLine, Files.readString(errors, UTF_8)).isZero();
            return stdout;
        }
        finally {
            Files.delete(errors);
        }
    }

    private static String run(Path directory, String... command)
            throws IOException, InterruptedException
    {
        Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
        String printed = new String(process.getInputStream().readAllBytes(), UTF_8);
        assertThat(process.waitFor()).as("%s%n%s", String.join(" ", command), printed).isZero();
        return printed;
    }
}
