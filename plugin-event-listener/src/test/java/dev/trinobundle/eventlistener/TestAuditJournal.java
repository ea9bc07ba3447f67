package dev.trinobundle.eventlistener;

import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

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
        try (AuditJournal journal = new AuditJournal(directory, 1 << 20, FsyncPolicy.NONE, 100)) {
            assertThat(journal.append(body("a"))).isEqualTo(1);
            assertThat(journal.append(body("b"))).isEqualTo(2);
            assertThat(journal.getLastWrittenSequence()).isEqualTo(2);
            assertThat(journal.getRecordsWritten()).isEqualTo(2);

            try (JournalReader reader = new JournalReader(journal, 1)) {
                List<JournalRecord> records = reader.read(10);
                assertThat(records).extracting(JournalRecord::sequence).containsExactly(1L, 2L);
                assertThat(new String(records.get(0).line(), UTF_8)).contains("\"value\":\"a\"").endsWith("\"}\n");
                assertThat(reader.read(10)).isEmpty();
                journal.append(body("c"));
                assertThat(reader.read(10)).extracting(JournalRecord::sequence).containsExactly(3L);
            }
        }
        assertThat(AuditLogVerifier.verify(directory).intact()).isTrue();
    }

    @Test
    void testReopenContinuesSequenceAndChain()
            throws IOException
    {
        String headHash;
        // Not closed: simulates a process killed after its writes returned (the data is in the page cache).
        AuditJournal killed = new AuditJournal(directory, 1 << 20, FsyncPolicy.NONE, 100);
        killed.append(body("a"));
        killed.append(body("b"));
        headHash = killed.previousHash();
        killed.abandon();

        try (AuditJournal journal = new AuditJournal(directory, 1 << 20, FsyncPolicy.NONE, 100)) {
            assertThat(journal.getLastWrittenSequence()).isEqualTo(2);
            assertThat(journal.previousHash()).isEqualTo(headHash);
            assertThat(journal.append(body("c"))).isEqualTo(3);
            try (JournalReader reader = new JournalReader(journal, 1)) {
                assertThat(reader.read(10)).extracting(JournalRecord::sequence).containsExactly(1L, 2L, 3L);
            }
        }
        assertThat(AuditLogVerifier.verify(directory).intact()).isTrue();
    }

    @Test
    void testTornLastLineIsDiscardedOnRecovery()
            throws IOException
    {
        try (AuditJournal journal = new AuditJournal(directory, 1 << 20, FsyncPolicy.NONE, 100)) {
            journal.append(body("a"));
        }
        Path segment = onlySegment();
        Files.write(segment, "{\"schemaVersion\":1,\"seq\":2,\"prev".getBytes(UTF_8), StandardOpenOption.APPEND);

        try (AuditJournal journal = new AuditJournal(directory, 1 << 20, FsyncPolicy.NONE, 100)) {
            assertThat(journal.getLastWrittenSequence()).isEqualTo(1);
            assertThat(journal.append(body("b"))).isEqualTo(2);
        }
        assertThat(AuditLogVerifier.verify(directory).intact()).isTrue();
    }

    @Test
    void testSegmentsRollAndDeliveredOnesAreDeleted()
            throws IOException
    {
        try (AuditJournal journal = new AuditJournal(directory, 1024, FsyncPolicy.INTERVAL, 100)) {
            for (int i = 0; i < 30; i++) {
                journal.append(body("record-" + i));
            }
            int segments = journal.segments().size();
            assertThat(segments).isGreaterThan(3);
            try (JournalReader reader = new JournalReader(journal, 1)) {
                assertThat(reader.read(100)).extracting(JournalRecord::sequence).hasSize(30).startsWith(1L).endsWith(30L);
            }
            assertThat(AuditLogVerifier.verify(directory).intact()).isTrue();

            journal.deleteDeliveredSegments(10);
            assertThat(journal.segments().firstKey()).isLessThanOrEqualTo(11L);
            assertThat(journal.segments().size()).isLessThan(segments);
            try (JournalReader reader = new JournalReader(journal, 11)) {
                assertThat(reader.read(100)).extracting(JournalRecord::sequence).hasSize(20).startsWith(11L);
            }

            journal.deleteDeliveredSegments(30);
            // the newest segment always stays: it carries the head of the chain across restarts
            assertThat(journal.segments()).hasSize(1);
        }
        try (AuditJournal journal = new AuditJournal(directory, 1024, FsyncPolicy.NONE, 100)) {
            assertThat(journal.append(body("after"))).isEqualTo(31);
        }
    }

    @Test
    void testSecondWriterOnTheSameDirectoryIsRefused()
    {
        try (AuditJournal journal = new AuditJournal(directory, 1024, FsyncPolicy.NONE, 100)) {
            assertThatThrownBy(() -> new AuditJournal(directory, 1024, FsyncPolicy.NONE, 100))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(directory.toString())
                    .hasMessageContaining("in use by another audit event listener");
            assertThat(journal.append(body("still works"))).isEqualTo(1);
        }
        // released on close
        new AuditJournal(directory, 1024, FsyncPolicy.NONE, 100).close();
    }

    @Test
    void testUnwritableDirectoryFailsStartupNamingThePath()
            throws IOException
    {
        // Running as root defeats permission bits; a regular file where a directory is needed fails for anyone.
        Path file = Files.writeString(directory.resolve("not-a-directory"), "x");
        Path journalDirectory = file.resolve("journal");

        assertThatThrownBy(() -> new AuditJournal(journalDirectory, 1024, FsyncPolicy.NONE, 100))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(journalDirectory.toString())
                .hasMessageContaining("audit.journal.directory")
                .hasMessageContaining("not a writable directory");
    }

    @Test
    void testWriteFailureKeepsRecordsInMemoryAndWritesThemLater()
            throws IOException
    {
        Path journalDirectory = directory.resolve("journal");
        try (AuditJournal journal = new AuditJournal(journalDirectory, 1024, FsyncPolicy.NONE, 3)) {
            journal.append(body("before"));
            // The directory disappears under us and a file takes its place: the next segment cannot be created.
            Path moved = directory.resolve("moved");
            Files.move(journalDirectory, moved);
            Files.writeString(journalDirectory, "in the way");

            List<Long> sequences = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                sequences.add(journal.append(body("during-" + i)));
            }
            // small segments: a roll happens quickly, then every write fails; 3 records wait in memory, the rest are dropped
            assertThat(journal.getWriteFailures()).isGreaterThan(0);
            assertThat(journal.getUnwrittenRecords()).isEqualTo(3);
            assertThat(journal.getRecordsDropped()).isGreaterThan(0);
            assertThat(sequences).contains(-1L);
            long lastWrittenWhileBroken = journal.getLastWrittenSequence();

            Files.delete(journalDirectory);
            Files.move(moved, journalDirectory);
            journal.writeUnwritten();

            assertThat(journal.getUnwrittenRecords()).isZero();
            assertThat(journal.getLastWrittenSequence()).isEqualTo(lastWrittenWhileBroken + 3);
            // dropped records never got a sequence number: the chain has no gap
            assertThat(journal.append(body("after"))).isEqualTo(lastWrittenWhileBroken + 4);
        }
        assertThat(AuditLogVerifier.verify(journalDirectory).intact()).isTrue();
    }

    @Test
    void testLiveSegmentIsPreallocatedAndReadersStopAtItsUnwrittenSpace()
            throws IOException, InterruptedException
    {
        try (AuditJournal journal = new AuditJournal(directory, 1 << 20, FsyncPolicy.NONE, 100)) {
            // as on a server, where the first query comes seconds after the start: the first segment is prepared
            journal.awaitPreparedSegment();
            journal.append(body("a"));
            journal.append(body("b"));
            Path segment = onlySegment();
            // the whole capacity exists, the unwritten part reads as NUL bytes
            assertThat(Files.size(segment)).isEqualTo(1 << 20);
            byte[] content = Files.readAllBytes(segment);
            assertThat(content[content.length - 1]).isZero();

            // a reader and the verifier see exactly the two records, while the journal is open
            try (JournalReader reader = new JournalReader(journal, 1)) {
                assertThat(reader.read(10)).extracting(JournalRecord::sequence).containsExactly(1L, 2L);
            }
            AuditLogVerifier.Result live = AuditLogVerifier.verify(directory);
            assertThat(live.intact()).as(live.message()).isTrue();
            assertThat(live.message()).contains("2 records");
        }
        // closing cuts the segment to its records
        assertThat(Files.readAllLines(onlySegment(), UTF_8)).hasSize(2);
    }

    @Test
    void testKilledWithPreallocatedSegmentsRecoversEveryRecord()
            throws IOException
    {
        // several rolls, then a kill: no segment has been cut to size, and the prepared next segment is left behind
        AuditJournal killed = new AuditJournal(directory, 4096, FsyncPolicy.NONE, 100);
        for (int i = 1; i <= 60; i++) {
            killed.append(body("record-" + i));
        }
        String headHash = killed.previousHash();
        killed.abandon();

        try (AuditJournal journal = new AuditJournal(directory, 4096, FsyncPolicy.NONE, 100)) {
            assertThat(journal.getLastWrittenSequence()).isEqualTo(60);
            assertThat(journal.previousHash()).isEqualTo(headHash);
            assertThat(journal.append(body("after"))).isEqualTo(61);
            try (JournalReader reader = new JournalReader(journal, 1)) {
                assertThat(reader.read(100)).extracting(JournalRecord::sequence)
                        .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, 61).boxed().toList());
            }
        }
        assertThat(directory.resolve(AuditJournal.PREPARED_SEGMENT_NAME)).doesNotExist();
        try (var files = Files.list(directory)) {
            for (Path file : files.filter(file -> file.getFileName().toString().startsWith("journal-")).toList()) {
                byte[] content = Files.readAllBytes(file);
                assertThat(content).as(file.toString()).isNotEmpty().doesNotContain((byte) 0);
                assertThat(content[content.length - 1]).isEqualTo((byte) '\n');
            }
        }
        AuditLogVerifier.Result result = AuditLogVerifier.verify(directory);
        assertThat(result.intact()).as(result.message()).isTrue();
        assertThat(result.message()).contains("61 records");
    }

    @Test
    void testRecordsAreSealedInTheBackgroundAndSinksOnlySeeSealedOnes()
            throws IOException
    {
        try (AuditJournal journal = new AuditJournal(directory, 1 << 20, FsyncPolicy.NONE, 100)) {
            journal.append(body("a"));
            journal.append(body("b"));
            // written (durable) but not hash-chained yet: the calling thread does no hashing
            assertThat(journal.getLastWrittenSequence()).isEqualTo(2);
            assertThat(journal.getSealedSequence()).isZero();
            String live = Files.readString(onlySegment(), UTF_8).replace("\0", "");
            assertThat(live).contains("\"hash\":\"" + "-".repeat(64) + "\"}");
            AuditLogVerifier.Result unsealed = AuditLogVerifier.verify(directory);
            assertThat(unsealed.intact()).as(unsealed.message()).isTrue();
            assertThat(unsealed.message()).contains("2 newest journal records not sealed yet");

            // a sink's read seals first, and gets sealed lines only
            try (JournalReader reader = new JournalReader(journal, 1)) {
                List<JournalRecord> records = reader.read(10);
                assertThat(records).extracting(JournalRecord::sequence).containsExactly(1L, 2L);
                for (JournalRecord record : records) {
                    assertThat(AuditRecordFormat.isSealed(record.line(), 0, record.line().length)).isTrue();
                }
            }
            assertThat(journal.getSealedSequence()).isEqualTo(2);
            AuditLogVerifier.Result sealed = AuditLogVerifier.verify(directory);
            assertThat(sealed.intact()).as(sealed.message()).isTrue();
            assertThat(sealed.message()).contains("2 records").doesNotContain("not sealed");
        }
    }

    @Test
    void testRecordsLeftUnsealedByAKilledProcessAreSealedAtTheNextStart()
            throws IOException
    {
        AuditJournal killed = new AuditJournal(directory, 4096, FsyncPolicy.NONE, 100);
        for (int i = 1; i <= 10; i++) {
            killed.append(body("sealed-" + i));
        }
        killed.seal();
        for (int i = 11; i <= 40; i++) {
            // several segments of records no sink has seen and nobody sealed
            killed.append(body("unsealed-" + i));
        }
        assertThat(killed.getSealedSequence()).isEqualTo(10);
        killed.abandon();

        try (AuditJournal journal = new AuditJournal(directory, 4096, FsyncPolicy.NONE, 100)) {
            assertThat(journal.getSealedSequence()).isEqualTo(40);
            assertThat(journal.append(body("after"))).isEqualTo(41);
        }
        AuditLogVerifier.Result result = AuditLogVerifier.verify(directory);
        assertThat(result.intact()).as(result.message()).isTrue();
        assertThat(result.message()).contains("41 records").doesNotContain("not sealed");
    }

    @Test
    void testSealingInterruptedAtAnyPointLeavesAnIntactChain()
            throws Exception
    {
        // Trino's shutdown interrupts the background threads, which closes the file channel a seal is using.
        try (AuditJournal journal = new AuditJournal(directory, 64 * 1024, FsyncPolicy.NONE, 100)) {
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            Thread sealer = new Thread(() -> {
                while (!stop.get()) {
                    journal.seal();
                    Thread.interrupted();
                }
            });
            sealer.start();
            java.util.Random random = new java.util.Random(1);
            for (int i = 0; i < 3000; i++) {
                journal.append(body("record-" + i + "-" + "x".repeat(random.nextInt(500))));
                if (i % 10 == 0) {
                    sealer.interrupt();
                }
            }
            stop.set(true);
            sealer.join();
            assertThat(journal.getSealFailures()).as("the interrupts hit the sealer").isPositive();

            assertThat(journal.seal()).isEqualTo(3000);
        }
        AuditLogVerifier.Result result = AuditLogVerifier.verify(directory);
        assertThat(result.intact()).as(result.message()).isTrue();
        assertThat(result.message()).contains("3000 records");
    }

    @Test
    void testRecordsInAPreparedSegmentWhoseRenameWasLostAreKept()
            throws IOException
    {
        try (AuditJournal journal = new AuditJournal(directory, 1 << 20, FsyncPolicy.NONE, 100)) {
            journal.append(body("a"));
            journal.append(body("b"));
        }
        // as if a machine crash kept the data of a new segment but not its rename
        Path segment = onlySegment();
        Files.move(segment, directory.resolve(AuditJournal.PREPARED_SEGMENT_NAME));

        try (AuditJournal journal = new AuditJournal(directory, 1 << 20, FsyncPolicy.NONE, 100)) {
            assertThat(journal.getLastWrittenSequence()).isEqualTo(2);
            assertThat(journal.append(body("c"))).isEqualTo(3);
        }
        assertThat(segment).exists();
        AuditLogVerifier.Result result = AuditLogVerifier.verify(directory);
        assertThat(result.intact()).as(result.message()).isTrue();
        assertThat(result.message()).contains("3 records");
    }

    @Test
    void testRecordLargerThanASegmentGetsASegmentOfItsOwn()
            throws IOException
    {
        try (AuditJournal journal = new AuditJournal(directory, 1024, FsyncPolicy.INTERVAL, 100)) {
            journal.append(body("small"));
            journal.append(body("x".repeat(5000)));
            journal.append(body("small again"));
            journal.force();
            try (JournalReader reader = new JournalReader(journal, 1)) {
                List<JournalRecord> records = reader.read(10);
                assertThat(records).extracting(JournalRecord::sequence).containsExactly(1L, 2L, 3L);
                assertThat(new String(records.get(1).line(), UTF_8)).contains("x".repeat(5000));
            }
        }
        AuditLogVerifier.Result result = AuditLogVerifier.verify(directory);
        assertThat(result.intact()).as(result.message()).isTrue();
    }

    @Test
    void testEveryRecordFsyncPolicy()
            throws IOException
    {
        try (AuditJournal journal = new AuditJournal(directory, 4096, FsyncPolicy.EVERY_RECORD, 100)) {
            for (int i = 0; i < 20; i++) {
                journal.append(body("record-" + i));
            }
            assertThat(journal.getFsyncFailures()).isZero();
            assertThat(journal.getLastWrittenSequence()).isEqualTo(20);
        }
        assertThat(AuditLogVerifier.verify(directory).intact()).isTrue();
    }

    private Path onlySegment()
            throws IOException
    {
        try (var files = Files.list(directory)) {
            return files.filter(file -> file.getFileName().toString().startsWith("journal-")).findFirst().orElseThrow();
        }
    }

    static byte[] body(String value)
    {
        return ("{\"kind\":\"completed\",\"value\":\"" + value + "\"}").getBytes(UTF_8);
    }
}
