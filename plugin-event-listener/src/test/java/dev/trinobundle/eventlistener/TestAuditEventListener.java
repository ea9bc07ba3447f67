package dev.trinobundle.eventlistener;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import dev.trinobundle.testing.LogCapture;
import dev.trinobundle.testing.TestingPluginContext;
import io.trino.spi.eventlistener.EventListener;
import io.trino.spi.eventlistener.EventListenerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import javax.management.ObjectName;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;

import static com.google.common.collect.Iterables.getOnlyElement;
import static dev.trinobundle.testing.QueryEvents.completed;
import static dev.trinobundle.testing.QueryEvents.created;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

final class TestAuditEventListener
{
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final Path directory;
    private final Path journalDirectory;

    TestAuditEventListener()
            throws IOException
    {
        directory = Files.createTempDirectory("audit-listener-test");
        journalDirectory = directory.resolve("journal");
    }

    @AfterEach
    void tearDown()
            throws IOException
    {
        MoreFiles.deleteRecursively(directory, RecursiveDeleteOption.ALLOW_INSECURE);
    }

    @Test
    void testEventsReachTheAuditLog()
            throws Exception
    {
        EventListener listener = create(Map.of());
        listener.queryCreated(created("q1"));
        listener.queryCompleted(completed("q1"));
        listener.shutdown();

        List<JsonNode> records = fileRecords();
        assertThat(records).extracting(record -> record.get("kind").asText()).containsExactly("created", "completed");
        assertThat(records).extracting(record -> record.get("seq").asLong()).containsExactly(1L, 2L);
        assertThat(records.get(1).get("identity").get("principal").asText()).isEqualTo("admin");
        assertThat(records.get(1).get("schemaVersion").asInt()).isEqualTo(2);
        assertThat(TestingAuditEvents.verify(journalDirectory).message()).startsWith("OK: 2 records");
    }

    @Test
    void testJmxCounters()
            throws Exception
    {
        EventListener listener = create(Map.of());
        listener.queryCompleted(completed("q1"));
        ObjectName journal = new ObjectName("dev.trinobundle.eventlistener:type=AuditJournal,journal=" + ObjectName.quote(journalDirectory.toString()));
        var server = ManagementFactory.getPlatformMBeanServer();
        assertThat(server.getAttribute(journal, "RecordsWritten")).isEqualTo(1L);
        assertThat(server.getAttribute(journal, "LastWrittenSequence")).isEqualTo(1L);
        assertThat(server.getAttribute(journal, "RecordsDropped")).isEqualTo(0L);
        listener.shutdown();
        assertThat(server.isRegistered(journal)).isFalse();
    }

    @Test
    void testTornCheckpointLineIsCutBeforeTheNextCheckpoint()
            throws Exception
    {
        // review M2: a process killed while appending a checkpoint left a partial line that the next checkpoint was
        // appended to, and verification failed from then on
        Path keyFile = Files.writeString(directory.resolve("audit.key"), "k".repeat(32));
        Path checkpointFile = directory.resolve("checkpoints").resolve(Checkpoints.FILE_NAME);
        Map<String, String> keyed = Map.of("audit.mac.key-file", keyFile.toString(), "audit.checkpoint.directory", checkpointFile.getParent().toString());
        EventListener listener = create(keyed);
        listener.queryCompleted(completed("q1"));
        listener.shutdown();
        String checkpoint = Files.readAllLines(checkpointFile, UTF_8).getLast();
        Files.writeString(checkpointFile, checkpoint.substring(0, 40), StandardOpenOption.APPEND);

        listener = create(keyed);
        listener.queryCompleted(completed("q2"));
        listener.shutdown();
        assertThat(Files.readAllLines(checkpointFile, UTF_8)).hasSize(2).allMatch(line -> line.startsWith("{\"checkpoint\":1,") && line.endsWith("\"}"));
        TestingAuditEvents.Verification result = TestingAuditEvents.verify(journalDirectory, keyFile, checkpointFile);
        assertThat(result.intact()).as(result.message()).isTrue();
        assertThat(result.message()).contains("last checkpoint record 2");
    }

    @Test
    void testSequenceNumbersBeyondEighteenDigitsParse()
    {
        String end = ",\"hash\":\"" + "a".repeat(64) + "\"}\n";
        String record = new String(AuditFiles.header(1_000_000_000_000_000_000L, "0123456789abcdef", AuditFiles.GENESIS_HASH), UTF_8) + "\"x\":1" + end;
        assertThat(AuditFiles.parseRecord(record.getBytes(UTF_8)).sequence()).isEqualTo(1_000_000_000_000_000_000L);
        // beyond a long, and a number with a leading zero, are not records of the listener
        assertThat(AuditFiles.parseRecord(record.replace("1000000000000000000", "9999999999999999999").getBytes(UTF_8))).isNull();
        String seven = new String(AuditFiles.header(7, "0123456789abcdef", AuditFiles.GENESIS_HASH), UTF_8) + "\"x\":1" + end;
        assertThat(AuditFiles.parseRecord(seven.getBytes(UTF_8)).sequence()).isEqualTo(7);
        assertThat(AuditFiles.parseRecord(seven.replace("\"seq\":7", "\"seq\":07").getBytes(UTF_8))).isNull();
        assertThat(AuditFiles.parseRecord(record.replace(end, end.substring(1)).getBytes(UTF_8))).isNull();
    }

    @Test
    void testFilesWithQueryTextsAreOwnerOnly()
            throws Exception
    {
        Path keyFile = Files.writeString(directory.resolve("audit.key"), "k".repeat(32));
        EventListener listener = create(Map.of(
                "audit.mac.key-file", keyFile.toString(),
                "audit.checkpoint.directory", directory.resolve("checkpoints").toString()));
        listener.queryCompleted(completed("q1"));
        listener.shutdown();

        List<Path> created = new ArrayList<>();
        try (var paths = Files.walk(directory)) {
            paths.filter(path -> !path.equals(directory) && !path.equals(keyFile)).forEach(created::add);
        }
        assertThat(created).extracting(path -> directory.relativize(path).toString())
                .contains("journal", "journal/audit-00000000000000000001.jsonl", "journal/journal.lock", "checkpoints", "checkpoints/checkpoints.jsonl");
        for (Path path : created) {
            String expected = Files.isDirectory(path) ? "rwx------" : "rw-------";
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(path))).as(path.toString()).isEqualTo(expected);
        }
    }

    @Test
    void testLooseDirectoryPermissionsAreWarnedAbout()
            throws Exception
    {
        Files.createDirectories(journalDirectory);
        Files.setPosixFilePermissions(journalDirectory, PosixFilePermissions.fromString("rwxr-xr-x"));
        List<String> warnings;
        try (LogCapture log = new LogCapture(AuditFiles.class.getName())) {
            create(Map.of()).shutdown();
            warnings = log.messages(Level.WARNING);
        }
        assertThat(warnings).anyMatch(warning -> warning.contains(journalDirectory.toString()) && warning.contains("rwxr-xr-x") && warning.contains("chmod 700"));
    }

    @Test
    void testFilesOthersMayReadAreWarnedAbout()
            throws Exception
    {
        // review L6: files an earlier version (or an operator) created with mode 0644 stayed so without a word
        EventListener listener = create(Map.of());
        listener.queryCompleted(completed("q1"));
        listener.shutdown();
        Path auditFile = journalDirectory.resolve("audit-00000000000000000001.jsonl");
        Files.setPosixFilePermissions(auditFile, PosixFilePermissions.fromString("rw-r--r--"));
        List<String> warnings;
        try (LogCapture log = new LogCapture(AuditFiles.class.getName())) {
            create(Map.of()).shutdown();
            warnings = log.messages(Level.WARNING);
        }
        assertThat(warnings).anyMatch(warning -> warning.contains(journalDirectory.toString()) && warning.contains("audit-00000000000000000001.jsonl") && warning.contains("chmod 600"));
    }

    @Test
    void testCheckpointDirectoryInsideTheAuditDirectoriesFailsStartup()
            throws IOException
    {
        // review L6: whoever may rewrite the audit files must not be able to rewrite the checkpoints that pin them
        Path keyFile = Files.writeString(directory.resolve("audit.key"), "k".repeat(32));
        for (Path inside : List.of(journalDirectory.resolve("checkpoints"), journalDirectory, directory)) {
            assertThatThrownBy(() -> create(Map.of("audit.mac.key-file", keyFile.toString(), "audit.checkpoint.directory", inside.toString())))
                    .hasMessageContaining("audit.checkpoint.directory " + inside.toAbsolutePath().normalize() + " must be apart from");
        }
    }

    @Test
    void testKeyWithoutAnyPlaceForCheckpointsIsWarnedAbout()
            throws Exception
    {
        // review L6: with a key but neither a checkpoint directory nor a PostgreSQL sink, a truncated tail goes unnoticed
        Path keyFile = Files.writeString(directory.resolve("audit.key"), "k".repeat(32));
        List<String> warnings;
        try (LogCapture log = new LogCapture(AuditEventListenerModule.class.getName())) {
            create(Map.of("audit.mac.key-file", keyFile.toString())).shutdown();
            warnings = log.messages(Level.WARNING);
        }
        assertThat(warnings).anyMatch(warning -> warning.contains("signed checkpoints go nowhere") && warning.contains("truncated tail"));
    }

    @Test
    void testMissingKeyFailsStartup()
    {
        // no key, no tamper evidence: the start fails rather than writing a chain anyone can recompute
        assertThatThrownBy(() -> create(Map.of("audit.mac.key-file", "")))
                .hasMessageContaining("audit.mac.key-file")
                .hasMessageContaining("openssl rand -hex 32");
    }

    @Test
    void testUnknownPropertyFailsStartup()
    {
        assertThatThrownBy(() -> create(Map.of("audit.no-such-property", "x")))
                .hasMessageContaining("audit.no-such-property");
    }

    @Test
    void testRemovedPropertiesFailStartupNamingThem()
    {
        // fixed since the journal became the audit log: fsync and checkpoints every second
        for (String removed : List.of("audit.journal.fsync-interval", "audit.checkpoint.interval", "audit.file.directory")) {
            assertThatThrownBy(() -> create(Map.of(removed, "1s")))
                    .hasMessageContaining("Defunct property '%s'", removed);
        }
    }

    @Test
    void testPostgresqlPropertiesRequireThePostgresqlSink()
    {
        // a misspelled or forgotten audit.postgresql.enabled must not silently ignore the database settings
        assertThatThrownBy(() -> create(Map.of("audit.postgresql.url", "jdbc:postgresql://localhost/audit")))
                .hasMessageContaining("audit.postgresql.url");
    }

    private EventListener create(Map<String, String> extra)
    {
        EventListenerFactory factory = getOnlyElement(new AuditEventListenerPlugin().getEventListenerFactories());
        assertThat(factory.getName()).isEqualTo("audit");
        Map<String, String> config = new java.util.HashMap<>(Map.of(
                "audit.journal.directory", journalDirectory.toString(),
                "audit.journal.fsync", "NONE",
                "audit.mac.key-file", TestingAuditEvents.KEY_FILE.toString(),
                "bootstrap.quiet", "true"));
        config.putAll(extra);
        config.values().removeIf(String::isEmpty);
        return factory.create(config, TestingPluginContext.TRINO_476);
    }

    private List<JsonNode> fileRecords()
            throws IOException
    {
        List<JsonNode> records = new ArrayList<>();
        try (var files = Files.list(journalDirectory)) {
            for (Path file : files.filter(file -> file.getFileName().toString().startsWith("audit-")).sorted().toList()) {
                for (String line : Files.readAllLines(file, UTF_8)) {
                    records.add(MAPPER.readTree(line));
                }
            }
        }
        return records;
    }
}
