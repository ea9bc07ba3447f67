package dev.trinobundle.eventlistener;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.collect.ImmutableMap;
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
    private final Path fileDirectory;

    TestAuditEventListener()
            throws IOException
    {
        directory = Files.createTempDirectory("audit-listener-test");
        journalDirectory = directory.resolve("journal");
        fileDirectory = directory.resolve("files");
    }

    @AfterEach
    void tearDown()
            throws IOException
    {
        MoreFiles.deleteRecursively(directory, RecursiveDeleteOption.ALLOW_INSECURE);
    }

    @Test
    void testEventsReachTheFileSink()
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
        assertThat(TestingAuditEvents.verify(fileDirectory).message()).startsWith("OK: 2 records");
    }

    @Test
    void testJmxCounters()
            throws Exception
    {
        EventListener listener = create(Map.of());
        listener.queryCompleted(completed("q1"));
        ObjectName journal = new ObjectName("dev.trinobundle.eventlistener:type=AuditJournal,journal=" + ObjectName.quote(journalDirectory.toString()));
        ObjectName sink = new ObjectName("dev.trinobundle.eventlistener:type=AuditSink,sink=file,journal=" + ObjectName.quote(journalDirectory.toString()));
        var server = ManagementFactory.getPlatformMBeanServer();
        assertThat(server.getAttribute(journal, "RecordsWritten")).isEqualTo(1L);
        assertThat((Long) server.getAttribute(journal, "JournalSizeBytes")).isGreaterThan(100L);
        assertThat(server.getAttribute(sink, "FailedDeliveries")).isEqualTo(0L);
        assertThat(server.getAttribute(sink, "PendingRecords")).isIn(0L, 1L);
        listener.shutdown();
        assertThat(server.isRegistered(journal)).isFalse();
    }

    @Test
    void testJournalIsReplayedIntoSinksAtStart()
            throws Exception
    {
        // A server killed before the shipper ran: records are in the journal only.
        AuditJournal journal = new AuditJournal(journalDirectory, 1 << 20, FsyncPolicy.NONE, AuditKey.unkeyed());
        AuditRecordSerializer serializer = new AuditRecordSerializer(1000);
        for (int i = 0; i < 10; i++) {
            TestingAuditEvents.append(journal, TestingAuditEvents.serialize(serializer, completed("before-" + i)));
        }
        journal.close();

        EventListener listener = create(Map.of());
        listener.queryCompleted(completed("after"));
        listener.shutdown();

        List<JsonNode> records = fileRecords();
        assertThat(records).hasSize(11);
        assertThat(records.getFirst().get("query").get("id").asText()).isEqualTo("before-0");
        assertThat(records.getLast().get("query").get("id").asText()).isEqualTo("after");
        assertThat(TestingAuditEvents.verify(fileDirectory).message()).startsWith("OK: 11 records, seq 1..11");

        // and a second start delivers nothing twice
        create(Map.of()).shutdown();
        assertThat(fileRecords()).hasSize(11);
    }

    @Test
    void testJournalThatLostRecordsTheFileSinkHoldsDoesNotReuseTheirNumbers()
            throws Exception
    {
        EventListener listener = create(Map.of());
        for (int i = 1; i <= 10; i++) {
            listener.queryCompleted(completed("q" + i));
        }
        listener.shutdown();
        assertThat(fileRecords()).hasSize(10);

        // A machine crash without fsync: the journal lost records 6..10 (and the sink offsets), the audit file kept them.
        Path segment;
        try (var files = Files.list(journalDirectory)) {
            segment = files.filter(file -> file.getFileName().toString().startsWith("journal-")).sorted().toList().getLast();
        }
        List<String> lines = Files.readAllLines(segment, UTF_8);
        Files.writeString(segment, String.join("\n", lines.subList(0, 5)) + "\n");
        try (var files = Files.list(journalDirectory)) {
            for (Path offset : files.filter(file -> file.getFileName().toString().endsWith(".offset")).toList()) {
                Files.delete(offset);
            }
        }

        listener = create(Map.of());
        listener.queryCompleted(completed("after-crash"));
        listener.shutdown();

        // the new record is numbered after the ones the file holds, so it is delivered, not skipped as a duplicate
        List<JsonNode> records = fileRecords();
        assertThat(records).hasSize(11);
        assertThat(records.getLast().get("query").get("id").asText()).isEqualTo("after-crash");
        assertThat(records.getLast().get("seq").asLong()).isEqualTo(11);
        // and the chain shows where the journal lost records
        AuditLogVerifier.Result result = TestingAuditEvents.verify(fileDirectory);
        assertThat(result.intact()).isFalse();
        assertThat(result.message()).contains("record 11 does not chain to record 10");

        // review M3: that documented break does not hide tampering behind it
        Path file = fileNames(fileDirectory).getLast();
        List<String> fileLines = Files.readAllLines(file, UTF_8);
        fileLines.set(fileLines.size() - 1, fileLines.getLast().replace("after-crash", "innocent"));
        Files.write(file, fileLines, UTF_8);
        result = TestingAuditEvents.verify(fileDirectory);
        assertThat(result.message()).contains("record 11 does not chain to record 10", "record 11: its hash does not match its content");
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
        AuditLogVerifier.Result result = AuditLogVerifier.verify(fileDirectory, new AuditLogVerifier.Options(List.of(AuditKey.fromFile(keyFile)), List.of(checkpointFile), 1));
        assertThat(result.intact()).as(result.message()).isTrue();
        assertThat(result.message()).contains("last checkpoint record 2");
    }

    @Test
    void testOffsetFileFarAheadOfTheJournalFailsStartup()
            throws Exception
    {
        EventListener listener = create(Map.of());
        listener.queryCompleted(completed("q1"));
        listener.shutdown();
        // one line written by someone else must not renumber the log beyond what readers parse
        Path offset = journalDirectory.resolve("sink-file.offset");
        Files.writeString(offset, "999999999999999999");
        assertThatThrownBy(() -> create(Map.of()))
                .hasMessageContaining(offset.toString())
                .hasMessageContaining("Refusing to start: delete that file");
        Files.delete(offset);
        listener = create(Map.of());
        listener.queryCompleted(completed("q2"));
        listener.shutdown();
        assertThat(fileRecords()).extracting(record -> record.get("seq").asLong()).containsExactly(1L, 2L);
    }

    @Test
    void testAuditFileLineFarAheadOfTheJournalFailsStartup()
            throws Exception
    {
        EventListener listener = create(Map.of());
        listener.queryCompleted(completed("q1"));
        listener.shutdown();
        Path file;
        try (var files = Files.list(fileDirectory)) {
            file = files.sorted().toList().getLast();
        }
        Files.writeString(file, "{\"schemaVersion\":2,\"seq\":999999999999999999}\n", StandardOpenOption.APPEND);
        assertThatThrownBy(() -> create(Map.of()))
                .hasMessageContaining("the files of audit sink file")
                .hasMessageContaining("Refusing to start");
    }

    @Test
    void testSequenceNumbersBeyondEighteenDigitsParse()
    {
        byte[] line = "{\"schemaVersion\":2,\"seq\":1000000000000000000,\"x\":1}".getBytes(UTF_8);
        assertThat(AuditRecordFormat.sequence(line)).isEqualTo(1_000_000_000_000_000_000L);
        assertThat(AuditRecordFormat.sequence("{\"schemaVersion\":2,\"seq\":9999999999999999999}".getBytes(UTF_8))).isEqualTo(-1);
    }

    @Test
    void testFilesWithQueryTextsAreOwnerOnly()
            throws Exception
    {
        Path keyFile = Files.writeString(directory.resolve("audit.key"), "k".repeat(32));
        EventListener listener = create(Map.of(
                "audit.mac.key-file", keyFile.toString(),
                "audit.checkpoint.directory", directory.resolve("checkpoints").toString(),
                "audit.checkpoint.interval", "100ms"));
        listener.queryCompleted(completed("q1"));
        listener.shutdown();

        List<Path> created = new ArrayList<>();
        try (var paths = Files.walk(directory)) {
            paths.filter(path -> !path.equals(directory) && !path.equals(keyFile)).forEach(created::add);
        }
        assertThat(created).extracting(path -> directory.relativize(path).toString())
                .contains("journal", "files", "checkpoints", "checkpoints/checkpoints.jsonl", "journal/sink-file.offset");
        for (Path path : created) {
            String expected = Files.isDirectory(path) ? "rwx------" : "rw-------";
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(path))).as(path.toString()).isEqualTo(expected);
        }
    }

    @Test
    void testLooseDirectoryPermissionsAreWarnedAbout()
            throws Exception
    {
        Files.createDirectories(fileDirectory);
        Files.setPosixFilePermissions(fileDirectory, PosixFilePermissions.fromString("rwxr-xr-x"));
        List<String> warnings;
        try (LogCapture log = new LogCapture(AuditFiles.class.getName())) {
            create(Map.of()).shutdown();
            warnings = log.messages(Level.WARNING);
        }
        assertThat(warnings).anyMatch(warning -> warning.contains(fileDirectory.toString()) && warning.contains("rwxr-xr-x") && warning.contains("chmod 700"));
    }

    @Test
    void testFilesOthersMayReadAreWarnedAbout()
            throws Exception
    {
        // review L6: files an earlier version (or an operator) created with mode 0644 stayed so without a word
        EventListener listener = create(Map.of());
        listener.queryCompleted(completed("q1"));
        listener.shutdown();
        Path offset = journalDirectory.resolve("sink-file.offset");
        Files.setPosixFilePermissions(offset, PosixFilePermissions.fromString("rw-r--r--"));
        List<String> warnings;
        try (LogCapture log = new LogCapture(AuditFiles.class.getName())) {
            create(Map.of()).shutdown();
            warnings = log.messages(Level.WARNING);
        }
        assertThat(warnings).anyMatch(warning -> warning.contains(journalDirectory.toString()) && warning.contains("sink-file.offset") && warning.contains("chmod 600"));
    }

    @Test
    void testCheckpointDirectoryInsideTheAuditDirectoriesFailsStartup()
            throws IOException
    {
        // review L6: whoever may rewrite the audit files must not be able to rewrite the checkpoints that pin them
        Path keyFile = Files.writeString(directory.resolve("audit.key"), "k".repeat(32));
        for (Path inside : List.of(journalDirectory.resolve("checkpoints"), fileDirectory.resolve("checkpoints"), fileDirectory)) {
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
        assertThat(warnings).anyMatch(warning -> warning.contains("the signed checkpoints go nowhere") && warning.contains("truncated tail"));
    }

    @Test
    void testUnknownPropertyFailsStartup()
    {
        assertThatThrownBy(() -> create(Map.of("audit.no-such-property", "x")))
                .hasMessageContaining("audit.no-such-property");
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
        Map<String, String> config = ImmutableMap.<String, String>builder()
                .put("audit.journal.directory", journalDirectory.toString())
                .put("audit.file.directory", fileDirectory.toString())
                .put("audit.journal.fsync", "NONE")
                .put("bootstrap.quiet", "true")
                .putAll(extra)
                .buildOrThrow();
        return factory.create(config, TestingPluginContext.TRINO_476);
    }

    private static List<Path> fileNames(Path directory)
            throws IOException
    {
        try (var files = Files.list(directory)) {
            return files.sorted().toList();
        }
    }

    private List<JsonNode> fileRecords()
            throws IOException
    {
        List<JsonNode> records = new ArrayList<>();
        try (var files = Files.list(fileDirectory)) {
            for (Path file : files.sorted().toList()) {
                for (String line : Files.readAllLines(file, UTF_8)) {
                    records.add(MAPPER.readTree(line));
                }
            }
        }
        return records;
    }
}
