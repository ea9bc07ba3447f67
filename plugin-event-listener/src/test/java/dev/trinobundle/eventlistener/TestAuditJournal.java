package dev.trinobundle.eventlistener;

import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import dev.trinobundle.eventlistener.SinkShipper.JournalReader;
import dev.trinobundle.testing.LogCapture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

final class TestAuditJournal
{
    private final Path directory;

    TestAuditJournal()
            throws IOException
    {
        directory = Files.createTempDirectory("audit-journal-test");
    }

    @AfterEach
    void tearDown()
            throws IOException
    {
        MoreFiles.deleteRecursively(directory, RecursiveDeleteOption.ALLOW_INSECURE);
    }

    @Test
    void testAppendAndReadBack()
            throws IOException
    {
        try (AuditJournal journal = new AuditJournal(directory, 1 << 20, 1000, FsyncPolicy.NONE, TestingAuditEvents.KEY)) {
            assertThat(TestingAuditEvents.append(journal, body("a"))).isEqualTo(1);
            assertThat(TestingAuditEvents.append(journal, body("b"))).isEqualTo(2);
            assertThat(journal.getLastWrittenSequence()).isEqualTo(2);
            assertThat(journal.getRecordsWritten()).isEqualTo(2);

            try (JournalReader reader = new JournalReader(journal, 1)) {
                List<AuditFiles.Line> records = reader.read(10);
                assertThat(records).extracting(AuditFiles.Line::sequence).containsExactly(1L, 2L);
                assertThat(new String(records.get(0).line(), UTF_8)).contains("\"value\":\"a\"").endsWith("\"}\n");
                assertThat(reader.read(10)).isEmpty();
                TestingAuditEvents.append(journal, body("c"));
                assertThat(reader.read(10)).extracting(AuditFiles.Line::sequence).containsExactly(3L);
            }
        }
        assertThat(TestingAuditEvents.verify(directory).intact()).isTrue();
    }

    @Test
    void testReopenContinuesSequenceAndChain()
            throws IOException
    {
        String headHash;
        // Not closed: simulates a process killed after its writes returned (the data is in the page cache).
        AuditJournal killed = new AuditJournal(directory, 1 << 20, 1000, FsyncPolicy.NONE, TestingAuditEvents.KEY);
        TestingAuditEvents.append(killed, body("a"));
        TestingAuditEvents.append(killed, body("b"));
        headHash = killed.force().hash();
        killed.close();

        try (AuditJournal journal = new AuditJournal(directory, 1 << 20, 1000, FsyncPolicy.NONE, TestingAuditEvents.KEY)) {
            assertThat(journal.getLastWrittenSequence()).isEqualTo(2);
            assertThat(journal.force().hash()).isEqualTo(headHash);
            assertThat(TestingAuditEvents.append(journal, body("c"))).isEqualTo(3);
            try (JournalReader reader = new JournalReader(journal, 1)) {
                assertThat(reader.read(10)).extracting(AuditFiles.Line::sequence).containsExactly(1L, 2L, 3L);
            }
        }
        assertThat(TestingAuditEvents.verify(directory).intact()).isTrue();
    }

    @Test
    void testTornLastLineIsDiscardedOnRecovery()
            throws IOException
    {
        try (AuditJournal journal = new AuditJournal(directory, 1 << 20, 1000, FsyncPolicy.NONE, TestingAuditEvents.KEY)) {
            TestingAuditEvents.append(journal, body("a"));
        }
        Path segment = onlySegment();
        Files.write(segment, "{\"schemaVersion\":1,\"seq\":2,\"prev".getBytes(UTF_8), StandardOpenOption.APPEND);

        try (AuditJournal journal = new AuditJournal(directory, 1 << 20, 1000, FsyncPolicy.NONE, TestingAuditEvents.KEY)) {
            assertThat(journal.getLastWrittenSequence()).isEqualTo(1);
            assertThat(TestingAuditEvents.append(journal, body("b"))).isEqualTo(2);
        }
        assertThat(TestingAuditEvents.verify(directory).intact()).isTrue();
    }

    @Test
    void testLineThatIsNotARecordIsReportedNotSkippedSilently()
            throws IOException
    {
        try (AuditJournal journal = new AuditJournal(directory, 1 << 20, 1000, FsyncPolicy.NONE, TestingAuditEvents.KEY)) {
            TestingAuditEvents.append(journal, body("a"));
            TestingAuditEvents.append(journal, body("b"));
        }
        List<String> lines = Files.readAllLines(onlySegment(), UTF_8);
        Files.write(onlySegment(), List.of(lines.get(0), "{\"planted\":1}", lines.get(1)), UTF_8);
        try (AuditJournal journal = new AuditJournal(directory, 1 << 20, 1000, FsyncPolicy.NONE, TestingAuditEvents.KEY);
                LogCapture log = new LogCapture(SinkShipper.class.getName())) {
            try (JournalReader reader = new JournalReader(journal, 1)) {
                assertThat(reader.read(10)).extracting(AuditFiles.Line::sequence).containsExactly(1L, 2L);
            }
            assertThat(log.messages(Level.SEVERE)).singleElement().asString().contains("is not a record MACed with the listener's key");
        }
    }

    @Test
    void testRecordOfAnInterruptedThreadIsWrittenAndTheFlagKept()
            throws IOException
    {
        try (AuditJournal journal = new AuditJournal(directory, 1 << 20, 1000, FsyncPolicy.EVERY_RECORD, TestingAuditEvents.KEY)) {
            // a Trino thread whose query was cancelled: an interruptible channel would close on the write
            Thread.currentThread().interrupt();
            long first = TestingAuditEvents.append(journal, body("a"));
            assertThat(Thread.interrupted()).isTrue();
            assertThat(first).isEqualTo(1);
            assertThat(TestingAuditEvents.append(journal, body("b"))).isEqualTo(2);
            assertThat(journal.getRecordsDropped()).isZero();
            try (JournalReader reader = new JournalReader(journal, 1)) {
                assertThat(reader.read(10)).extracting(AuditFiles.Line::sequence).containsExactly(1L, 2L);
            }
        }
        assertThat(TestingAuditEvents.verify(directory).intact()).isTrue();
    }

    @Test
    void testGapInsideAFileIsReadOverAndReportedByTheVerifier()
            throws IOException
    {
        try (AuditJournal journal = new AuditJournal(directory, 1 << 20, 1000, FsyncPolicy.NONE, TestingAuditEvents.KEY)) {
            for (String value : List.of("a", "b", "c", "d")) {
                TestingAuditEvents.append(journal, body(value));
            }
        }
        List<String> lines = Files.readAllLines(onlySegment(), UTF_8);
        Files.write(onlySegment(), List.of(lines.get(0), lines.get(3)), UTF_8);
        try (AuditJournal journal = new AuditJournal(directory, 1 << 20, 1000, FsyncPolicy.NONE, TestingAuditEvents.KEY);
                JournalReader reader = new JournalReader(journal, 1)) {
            assertThat(reader.read(10)).extracting(AuditFiles.Line::sequence).containsExactly(1L, 4L);
        }
        assertThat(TestingAuditEvents.verify(directory).message()).contains("records 2..3 are missing");
    }

    @Test
    void testFilesRollAndRetentionKeepsWhatPostgresqlHasNotDelivered()
            throws IOException
    {
        try (AuditJournal journal = new AuditJournal(directory, 1024, 2, FsyncPolicy.INTERVAL, TestingAuditEvents.KEY)) {
            for (int i = 0; i < 30; i++) {
                TestingAuditEvents.append(journal, body("record-" + i));
            }
            int segments = journal.segments().size();
            assertThat(segments).isGreaterThan(3);
            try (JournalReader reader = new JournalReader(journal, 1)) {
                assertThat(reader.read(100)).extracting(AuditFiles.Line::sequence).hasSize(30).startsWith(1L).endsWith(30L);
            }
            assertThat(TestingAuditEvents.verify(directory).intact()).isTrue();

            // beyond audit.journal.max-files, but PostgreSQL has only records 1..10: their files alone go
            journal.deleteOldSegments(10);
            assertThat(journal.segments().firstKey()).isLessThanOrEqualTo(11L);
            assertThat(journal.segments().size()).isLessThan(segments).isGreaterThan(2);
            try (JournalReader reader = new JournalReader(journal, 11)) {
                assertThat(reader.read(100)).extracting(AuditFiles.Line::sequence).hasSize(20).startsWith(11L);
            }

            // without PostgreSQL (or once it has everything): the newest max-files stay
            journal.deleteOldSegments(Long.MAX_VALUE);
            assertThat(journal.segments().size()).isEqualTo(2);
            assertThat(TestingAuditEvents.verify(directory).message()).contains("deleted head");
        }
        try (AuditJournal journal = new AuditJournal(directory, 1024, 1, FsyncPolicy.NONE, TestingAuditEvents.KEY)) {
            assertThat(TestingAuditEvents.append(journal, body("after"))).isEqualTo(31);
            journal.deleteOldSegments(Long.MAX_VALUE);
            // the newest file always stays: the chain continues from it across restarts
            assertThat(journal.segments().size()).isEqualTo(1);
        }
    }

    @Test
    void testSecondWriterOnTheSameDirectoryIsRefused()
    {
        try (AuditJournal journal = new AuditJournal(directory, 1024, 1000, FsyncPolicy.NONE, TestingAuditEvents.KEY)) {
            assertThatThrownBy(() -> new AuditJournal(directory, 1024, 1000, FsyncPolicy.NONE, TestingAuditEvents.KEY))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(directory.toString())
                    .hasMessageContaining("in use by another audit event listener");
            assertThat(TestingAuditEvents.append(journal, body("still works"))).isEqualTo(1);
        }
        // released on close
        new AuditJournal(directory, 1024, 1000, FsyncPolicy.NONE, TestingAuditEvents.KEY).close();
    }

    @Test
    void testUnwritableDirectoryFailsStartupNamingThePath()
            throws IOException
    {
        // Running as root defeats permission bits; a regular file where a directory is needed fails for anyone.
        Path file = Files.writeString(directory.resolve("not-a-directory"), "x");
        Path journalDirectory = file.resolve("journal");

        assertThatThrownBy(() -> new AuditJournal(journalDirectory, 1024, 1000, FsyncPolicy.NONE, TestingAuditEvents.KEY))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(journalDirectory.toString())
                .hasMessageContaining("audit.journal.directory")
                .hasMessageContaining("not a writable directory");
    }

    @Test
    void testRecordsThatCannotBeWrittenAreDroppedCountedAndTakeNoNumber()
            throws IOException
    {
        Path journalDirectory = directory.resolve("journal");
        try (AuditJournal journal = new AuditJournal(journalDirectory, 1024, 1000, FsyncPolicy.NONE, TestingAuditEvents.KEY)) {
            TestingAuditEvents.append(journal, body("before"));
            // The directory disappears under us and a file takes its place: the next segment cannot be created.
            Path moved = directory.resolve("moved");
            Files.move(journalDirectory, moved);
            Files.writeString(journalDirectory, "in the way");

            List<Long> sequences = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                sequences.add(TestingAuditEvents.append(journal, body("during-" + i)));
            }
            // small segments: a roll happens quickly, then every write fails and its record is dropped
            assertThat(journal.getRecordsDropped()).isPositive();
            assertThat(journal.getRecordsWritten() + journal.getRecordsDropped()).isEqualTo(41);
            assertThat(sequences).contains(-1L);
            long lastWrittenWhileBroken = journal.getLastWrittenSequence();
            assertThat(sequences.stream().filter(sequence -> sequence > 0)).allMatch(sequence -> sequence <= lastWrittenWhileBroken);

            Files.delete(journalDirectory);
            Files.move(moved, journalDirectory);

            // dropped records never got a sequence number: the chain has no gap
            assertThat(TestingAuditEvents.append(journal, body("after"))).isEqualTo(lastWrittenWhileBroken + 1);
        }
        assertThat(TestingAuditEvents.verify(journalDirectory).intact()).isTrue();
    }

    @Test
    void testKilledAfterSeveralSegmentsRecoversEveryRecord()
            throws IOException
    {
        // several rolls, then a kill
        AuditJournal killed = new AuditJournal(directory, 4096, 1000, FsyncPolicy.NONE, TestingAuditEvents.KEY);
        for (int i = 1; i <= 60; i++) {
            TestingAuditEvents.append(killed, body("record-" + i));
        }
        String headHash = killed.force().hash();
        killed.close();

        try (AuditJournal journal = new AuditJournal(directory, 4096, 1000, FsyncPolicy.NONE, TestingAuditEvents.KEY)) {
            assertThat(journal.getLastWrittenSequence()).isEqualTo(60);
            assertThat(journal.force().hash()).isEqualTo(headHash);
            assertThat(TestingAuditEvents.append(journal, body("after"))).isEqualTo(61);
            try (JournalReader reader = new JournalReader(journal, 1)) {
                assertThat(reader.read(100)).extracting(AuditFiles.Line::sequence)
                        .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, 61).boxed().toList());
            }
        }
        try (var files = Files.list(directory)) {
            for (Path file : files.filter(file -> file.getFileName().toString().startsWith("audit-")).toList()) {
                byte[] content = Files.readAllBytes(file);
                assertThat(content).as(file.toString()).isNotEmpty().doesNotContain((byte) 0);
                assertThat(content[content.length - 1]).isEqualTo((byte) '\n');
            }
        }
        TestingAuditEvents.Verification result = TestingAuditEvents.verify(directory);
        assertThat(result.intact()).as(result.message()).isTrue();
        assertThat(result.message()).contains("61 records");
    }

    @Test
    void testRecordLargerThanASegmentGetsASegmentOfItsOwn()
            throws IOException
    {
        try (AuditJournal journal = new AuditJournal(directory, 1024, 1000, FsyncPolicy.INTERVAL, TestingAuditEvents.KEY)) {
            TestingAuditEvents.append(journal, body("small"));
            TestingAuditEvents.append(journal, body("x".repeat(5000)));
            TestingAuditEvents.append(journal, body("small again"));
            journal.force();
            try (JournalReader reader = new JournalReader(journal, 1)) {
                List<AuditFiles.Line> records = reader.read(10);
                assertThat(records).extracting(AuditFiles.Line::sequence).containsExactly(1L, 2L, 3L);
                assertThat(new String(records.get(1).line(), UTF_8)).contains("x".repeat(5000));
            }
        }
        TestingAuditEvents.Verification result = TestingAuditEvents.verify(directory);
        assertThat(result.intact()).as(result.message()).isTrue();
    }

    @Test
    void testEveryRecordFsyncPolicy()
            throws IOException
    {
        try (AuditJournal journal = new AuditJournal(directory, 4096, 1000, FsyncPolicy.EVERY_RECORD, TestingAuditEvents.KEY)) {
            for (int i = 0; i < 20; i++) {
                TestingAuditEvents.append(journal, body("record-" + i));
            }
            assertThat(journal.getFsyncFailures()).isZero();
            assertThat(journal.getLastWrittenSequence()).isEqualTo(20);
        }
        assertThat(TestingAuditEvents.verify(directory).intact()).isTrue();
    }

    private Path onlySegment()
            throws IOException
    {
        try (var files = Files.list(directory)) {
            return files.filter(file -> file.getFileName().toString().startsWith("audit-")).findFirst().orElseThrow();
        }
    }

    static byte[] body(String value)
    {
        return ("{\"kind\":\"completed\",\"value\":\"" + value + "\"}").getBytes(UTF_8);
    }
}
