package dev.trinobundle.eventlistener;

import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import dev.trinobundle.eventlistener.SinkShipper.JournalReader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;

import static dev.trinobundle.eventlistener.TestAuditJournal.body;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Lines planted in, or bytes added to, the audit files by someone who may write the journal directory but has no key:
 * recovery must not overwrite or hide the records, delivery must go on, and the lines are recognised exactly.
 */
final class TestAuditLinesUnderAttack
{
    private static final String END = ",\"hash\":\"" + "a".repeat(64) + "\"}\n";

    private final Path directory;

    TestAuditLinesUnderAttack()
            throws IOException
    {
        directory = Files.createTempDirectory("audit-lines-attack");
    }

    @AfterEach
    void tearDown()
            throws IOException
    {
        MoreFiles.deleteRecursively(directory, RecursiveDeleteOption.ALLOW_INSECURE);
    }

    @Test
    void testPlantedHeadAtTheLastSequenceNumberFailsTheStartAndKeepsTheFile()
            throws IOException
    {
        // the next number would overflow to -2^63: a file name no reader knows, truncated again at every start
        try (AuditJournal journal = open(1 << 20)) {
            TestingAuditEvents.append(journal, body("before"));
        }
        plantHead(segment(1), Long.MAX_VALUE);
        byte[] planted = Files.readAllBytes(segment(1));
        assertThatThrownBy(() -> open(1 << 20))
                .hasMessageContaining("The last record of audit file " + segment(1) + " has sequence number " + Long.MAX_VALUE)
                .hasMessageContaining("edited or planted");
        assertThat(Files.readAllBytes(segment(1))).isEqualTo(planted);
        assertThat(directory.toFile().list()).containsExactlyInAnyOrder("audit-00000000000000000001.jsonl", "journal.lock");
    }

    @Test
    void testPlantedHeadBelowItsFileFailsTheStartInsteadOfOverwritingTheFile()
            throws IOException
    {
        // the next file would be named like the newest one, which a roll opens with TRUNCATE_EXISTING
        try (AuditJournal journal = open(1)) {
            for (String value : List.of("a", "b", "c")) {
                TestingAuditEvents.append(journal, body(value));
            }
        }
        plantHead(segment(3), 2);
        byte[] newest = Files.readAllBytes(segment(3));
        assertThatThrownBy(() -> open(1))
                .hasMessageContaining("The last record of audit file " + segment(3) + " has sequence number 2");
        assertThat(Files.readAllBytes(segment(3))).isEqualTo(newest);
        assertThat(new String(newest, UTF_8)).contains("\"value\":\"c\"");
    }

    @Test
    void testPlantedHugeTailOfAFinishedFileDoesNotStopDelivery()
            throws IOException
    {
        // a hole of 1 GiB + 1 (zeros, no newline, e.g. truncate -s +1G) after the last record of a finished file: the
        // reader doubled its buffer until the int size overflowed, at every retry
        try (AuditJournal journal = open(1)) {
            TestingAuditEvents.append(journal, body("a"));
            TestingAuditEvents.append(journal, body("b"));
        }
        try (RandomAccessFile file = new RandomAccessFile(segment(1).toFile(), "rw")) {
            // sparse: no disk space
            file.setLength(file.length() + (1L << 30) + 1);
        }
        try (AuditJournal journal = open(1);
                JournalReader reader = new JournalReader(journal, 1)) {
            assertThat(reader.read(10)).extracting(AuditFiles.Line::sequence).containsExactly(1L, 2L);
        }
    }

    @Test
    void testRecordBeyondWhatReadersTakeIsDroppedAndTheChainGoesOn()
            throws IOException
    {
        try (AuditJournal journal = open(1 << 20)) {
            byte[] huge = new byte[AuditFiles.MAX_LINE];
            Arrays.fill(huge, (byte) ' ');
            huge[0] = '{';
            huge[huge.length - 1] = '}';
            assertThat(journal.append(huge)).isEqualTo(-1);
            assertThat(journal.getRecordsDropped()).isEqualTo(1);
            assertThat(TestingAuditEvents.append(journal, body("after"))).isEqualTo(1);
        }
        assertThat(TestingAuditEvents.verify(directory).intact()).isTrue();
    }

    @Test
    void testCrashZerosAfterARecordStartDoNotStopRecovery()
            throws IOException
    {
        // a page never written back before a crash (later ones were) may put zeros right after {"schemaVersion":
        try (AuditJournal journal = open(1 << 20)) {
            for (String value : List.of("a", "b", "c", "d")) {
                TestingAuditEvents.append(journal, body(value));
            }
        }
        byte[] bytes = Files.readAllBytes(segment(1));
        List<String> lines = Files.readAllLines(segment(1), UTF_8);
        int secondStart = lines.get(0).length() + 1;
        int thirdStart = secondStart + lines.get(1).length() + 1;
        Arrays.fill(bytes, secondStart + "{\"schemaVersion\":".length(), thirdStart + lines.get(2).length() / 2, (byte) 0);
        Files.write(segment(1), bytes);
        try (AuditJournal journal = open(1 << 20)) {
            assertThat(journal.getLastWrittenSequence()).isEqualTo(4);
            assertThat(TestingAuditEvents.append(journal, body("e"))).isEqualTo(5);
        }
    }

    @Test
    void testRecordsOfAnotherSchemaVersionFailTheStart()
            throws IOException
    {
        // cut as not-records, they would be deleted
        try (AuditJournal journal = open(1 << 20)) {
            TestingAuditEvents.append(journal, body("a"));
        }
        Files.writeString(segment(1), "{\"schemaVersion\":3,\"seq\":2}\n", StandardOpenOption.APPEND);
        assertThatThrownBy(() -> open(1 << 20)).hasMessageContaining("holds records of another schema version");
    }

    @Test
    void testFifoIsNotRead()
            throws Exception
    {
        // opened for reading, a FIFO blocks until a writer comes: it would hang the shipper or the verifier
        Path fifo = directory.resolve("audit-00000000000000000001.jsonl");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        assertThatThrownBy(() -> new AuditFiles.LineReader(fifo).close())
                .hasMessageContaining("is not a regular file");
    }

    @Test
    void testShortAndDegenerateLinesAreNotRecords()
    {
        String header = new String(AuditFiles.header(1, "0123456789abcdef", AuditFiles.GENESIS_HASH), US_ASCII);
        for (String line : new String[] {"", "\n", "x".repeat(75) + "\n", END, END.substring(1), header + END, header.substring(0, header.length() - 1) + END, "{\"checkpoint\":1}\n"}) {
            assertThat(AuditFiles.parseRecord(line.getBytes(US_ASCII))).as(line).isNull();
            assertThat(AuditFiles.parseCheckpoint(line.getBytes(US_ASCII))).as(line).isNull();
        }
        // the shortest body the start accepts: one byte after the header
        assertThat(AuditFiles.parseRecord((header + "\"" + END).getBytes(US_ASCII))).isNotNull();
    }

    @Test
    void testLegacyRecordWithoutKeyIdAndTheLastSequenceNumberParse()
    {
        AuditFiles.Line legacy = AuditFiles.parseRecord((new String(AuditFiles.header(Long.MAX_VALUE, null, AuditFiles.GENESIS_HASH), US_ASCII) + "\"x\":1" + END).getBytes(US_ASCII));
        assertThat(legacy.sequence()).isEqualTo(Long.MAX_VALUE);
        assertThat(legacy.keyId()).isNull();
        assertThat(TestingAuditEvents.KEY.signed(legacy)).isFalse();
        String checkpoint = AuditFiles.checkpointStart("0123456789abcdef", Long.MAX_VALUE, "b".repeat(64), "+10000-01-01T00:00:00.123456789Z") + ",\"mac\":\"" + "c".repeat(64) + "\"}\n";
        assertThat(AuditFiles.parseCheckpoint(checkpoint.getBytes(US_ASCII)).sequence()).isEqualTo(Long.MAX_VALUE);
        // a record is never a checkpoint, nor the reverse
        assertThat(AuditFiles.parseRecord(checkpoint.getBytes(US_ASCII))).isNull();
        assertThat(AuditFiles.parseCheckpoint(checkpoint.replace("\"}\n", "\"} ".repeat(60) + "\n").getBytes(US_ASCII))).isNull();
    }

    @Test
    void testNonAsciiBodyIsDeliveredAndVerifies()
            throws IOException
    {
        String value = "ü€😀" + "\u00ff".repeat(300);
        try (AuditJournal journal = open(1 << 20);
                JournalReader reader = new JournalReader(journal, 1)) {
            TestingAuditEvents.append(journal, body(value));
            assertThat(reader.read(10)).singleElement().satisfies(line -> assertThat(new String(line.line(), UTF_8)).contains(value));
        }
        assertThat(TestingAuditEvents.verify(directory).intact()).isTrue();
    }

    private AuditJournal open(long segmentSize)
    {
        return new AuditJournal(directory, segmentSize, 1000, FsyncPolicy.NONE, TestingAuditEvents.KEY);
    }

    private Path segment(long first)
    {
        return directory.resolve("audit-%020d.jsonl".formatted(first));
    }

    // shaped like a record of the listener's key id, with a made-up hash: no key needed
    private static void plantHead(Path file, long sequence)
            throws IOException
    {
        String planted = new String(AuditFiles.header(sequence, TestingAuditEvents.KEY.keyId(), AuditFiles.GENESIS_HASH), US_ASCII)
                + "\"kind\":\"planted\",\"hash\":\"" + "f".repeat(64) + "\"}\n";
        Files.writeString(file, planted, US_ASCII, StandardOpenOption.APPEND);
    }
}
