package dev.trinobundle.eventlistener;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import dev.trinobundle.eventlistener.AuditFiles.LineReader;
import io.trino.spi.ErrorCode;
import io.trino.spi.ErrorType;
import io.trino.spi.eventlistener.QueryFailureInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import static dev.trinobundle.testing.QueryEvents.completed;
import static dev.trinobundle.testing.QueryEvents.context;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static java.nio.file.StandardOpenOption.APPEND;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What a hostile review of the redesigned listener found, one test per finding (each failed before its fix).
 */
final class TestAuditListenerUnderAttack
{
    private final Path directory;
    private final AuditRecordSerializer serializer = new AuditRecordSerializer(new AuditEventListenerConfig().setMaxQueryTextLength(1000));

    TestAuditListenerUnderAttack()
            throws IOException
    {
        directory = Files.createTempDirectory(Path.of("/dev/shm"), "audit-review");
    }

    @AfterEach
    void tearDown()
            throws IOException
    {
        MoreFiles.deleteRecursively(directory, RecursiveDeleteOption.ALLOW_INSECURE);
    }

    private byte[] body(String queryId)
    {
        return TestingAuditEvents.serialize(serializer, completed(queryId));
    }

    // F1: a symlink planted in the journal directory makes the listener truncate the checkpoint file at start
    @Test
    void testSymlinkInTheJournalDirectoryCannotWipeTheCheckpoints()
            throws Exception
    {
        Path journalDirectory = directory.resolve("journal");
        Path checkpointDirectory = directory.resolve("checkpoints");
        Path checkpointFile = checkpointDirectory.resolve(Checkpoints.FILE_NAME);
        // one record per file (a larger record gets a file of its own)
        try (AuditJournal journal = new AuditJournal(journalDirectory, 1, 100, FsyncPolicy.NONE, TestingAuditEvents.KEY)) {
            Checkpoints checkpoints = new Checkpoints(TestingAuditEvents.KEY, Optional.of(checkpointDirectory));
            for (int i = 1; i <= 10; i++) {
                journal.append(body("q" + i));
            }
            checkpoints.checkpoint(journal.force());
        }
        byte[] pinned = Files.readAllBytes(checkpointFile);

        // the attacker may write the journal directory only: deletes the files of records 8..10, plants a link
        for (int i = 8; i <= 10; i++) {
            Files.delete(journalDirectory.resolve("audit-%020d.jsonl".formatted(i)));
        }
        Path link = Files.createSymbolicLink(journalDirectory.resolve("audit-09000000000000000000.jsonl"), checkpointFile);

        // fail closed: before, recovery truncated the link's target, and the verifier then said OK
        assertThatThrownBy(() -> new AuditJournal(journalDirectory, 1, 100, FsyncPolicy.NONE, TestingAuditEvents.KEY))
                .hasMessageContaining(link.toString())
                .hasMessageContaining("not a regular file");
        assertThat(Files.readAllBytes(checkpointFile)).as("the checkpoints that pin the log").isEqualTo(pinned);
        // and the deletion shows against them
        Files.delete(link);
        TestingAuditEvents.Verification verification = TestingAuditEvents.verify(journalDirectory, TestingAuditEvents.KEY_FILE, checkpointFile);
        assertThat(verification.message()).contains("truncated tail");
    }

    @Test
    void testNoFileIsOpenedThroughALink()
            throws Exception
    {
        // the offset's temporary file, the dead letters and the checkpoints are opened through AuditFiles.open
        Path target = Files.writeString(directory.resolve("target"), "kept\n");
        Path link = Files.createSymbolicLink(directory.resolve("dead-letter-postgresql.jsonl"), target);
        assertThatThrownBy(() -> AuditFiles.appendLine(link, "{}\n".getBytes(UTF_8))).isInstanceOf(IOException.class);
        assertThat(Files.readString(target)).isEqualTo("kept\n");
    }

    // F2: the shipper's reader trusts any line's seq: one short line makes it skip every later record
    @Test
    void testLineAppendedByAnotherDoesNotStopDelivery()
            throws Exception
    {
        Path journalDirectory = directory.resolve("journal");
        List<Long> delivered = new ArrayList<>();
        try (AuditJournal journal = new AuditJournal(journalDirectory, 1 << 20, 100, FsyncPolicy.NONE, TestingAuditEvents.KEY);
                SinkShipper.JournalReader reader = new SinkShipper.JournalReader(journal, 1)) {
            for (int i = 1; i <= 3; i++) {
                journal.append(body("q" + i));
            }
            // appended right after record 3 (inotify), before the shipper's next poll (200 ms)
            Files.write(journalDirectory.resolve("audit-00000000000000000001.jsonl"), "{\"schemaVersion\":2,\"seq\":999999999999}\n".getBytes(US_ASCII), APPEND);
            reader.read(500).forEach(record -> delivered.add(record.sequence()));
            // the listener's next writes overwrite those bytes: the log shows no trace
            for (int i = 4; i <= 6; i++) {
                journal.append(body("q" + i));
            }
            reader.read(500).forEach(record -> delivered.add(record.sequence()));
        }
        assertThat(TestingAuditEvents.verify(journalDirectory).intact()).isTrue();
        assertThat(delivered).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
    }

    // F3: a reader that reads past the acknowledged end can join a failed write's bytes to the record written over them
    @Test
    void testReaderNeverJoinsAFailedWriteToTheRecordAfterIt()
            throws Exception
    {
        // the journal's protocol: a failed write leaves a prefix (no newline), is cut back, the next record goes there
        byte[] failed = ("{\"schemaVersion\":2,\"seq\":7," + "F".repeat(3000)).getBytes(US_ASCII);
        byte[] record = ("{\"schemaVersion\":2,\"seq\":7," + "R".repeat(6000) + "}\n").getBytes(US_ASCII);
        // before the bound, a mixed line came within about a second
        long deadline = System.nanoTime() + 5_000_000_000L;
        List<String> mixed = new ArrayList<>();
        for (int round = 0; mixed.isEmpty() && System.nanoTime() < deadline; round++) {
            Path file = directory.resolve("round-" + round + ".jsonl");
            Files.createFile(file);
            int records = 3000;
            AtomicBoolean done = new AtomicBoolean();
            AtomicLong acknowledged = new AtomicLong();
            Thread writer = new Thread(() -> {
                try (FileChannel channel = FileChannel.open(file, CREATE, WRITE)) {
                    long end = 0;
                    for (int i = 0; i < records; i++) {
                        channel.write(ByteBuffer.wrap(failed), end);
                        channel.truncate(end);
                        channel.write(ByteBuffer.wrap(record), end);
                        end += record.length;
                        acknowledged.set(end);
                    }
                }
                catch (IOException e) {
                    throw new RuntimeException(e);
                }
                finally {
                    done.set(true);
                }
            });
            writer.start();
            try (LineReader lines = new LineReader(file)) {
                int read = 0;
                while (read < records) {
                    // as the shipper reads: never past the end of the last acknowledged write
                    byte[] line = lines.next(acknowledged.get());
                    if (line == null) {
                        Thread.onSpinWait();
                        continue;
                    }
                    read++;
                    if (!Arrays.equals(line, record)) {
                        mixed.add("round %s line %s: %s bytes, %s F".formatted(round, read, line.length, new String(line, US_ASCII).chars().filter(c -> c == 'F').count()));
                    }
                }
            }
            writer.join();
            Files.delete(file);
        }
        assertThat(mixed).as("lines that are no record").isEmpty();
    }

    // F4: an interrupt that arrives during the write closes the channel; the record keeps its number, maybe unwritten
    @Test
    void testInterruptDuringAWriteLeavesAVerifiableChain()
            throws Exception
    {
        Path journalDirectory = directory.resolve("journal");
        byte[] body = ("{\"kind\":\"completed\",\"value\":\"" + "x".repeat(64 * 1024) + "\"}").getBytes(UTF_8);
        List<Long> sequences = new ArrayList<>();
        try (AuditJournal journal = new AuditJournal(journalDirectory, 1 << 30, 100, FsyncPolicy.NONE, TestingAuditEvents.KEY)) {
            Thread appender = new Thread(() -> {
                for (int i = 0; i < 500; i++) {
                    sequences.add(journal.append(body));
                }
            });
            appender.start();
            while (appender.isAlive()) {
                // a query cancelled while its completion event is written
                appender.interrupt();
                LockSupport.parkNanos(200_000);
            }
            appender.join();
            assertThat(journal.getLastWrittenSequence()).isPositive();
        }
        TestingAuditEvents.Verification verification = TestingAuditEvents.verify(journalDirectory);
        assertThat(verification.intact()).as(verification.message()).isTrue();
    }

    // F5: after an upgrade the old journal-*.jsonl (lower numbers) sort after audit-*.jsonl: "reordered" everywhere
    @Test
    void testVerifierReadsFilesOfBothNamesInSequenceOrder()
            throws Exception
    {
        Path journalDirectory = directory.resolve("journal");
        try (AuditJournal journal = new AuditJournal(journalDirectory, 1, 100, FsyncPolicy.NONE, TestingAuditEvents.KEY)) {
            for (int i = 1; i <= 4; i++) {
                journal.append(body("q" + i));
            }
        }
        // records 1 and 2 as the previous version left them in its journal
        for (int i = 1; i <= 2; i++) {
            Files.move(journalDirectory.resolve("audit-%020d.jsonl".formatted(i)), journalDirectory.resolve("journal-%020d.jsonl".formatted(i)));
        }
        // the listener itself reads them as one log
        try (AuditJournal journal = new AuditJournal(journalDirectory, 1, 100, FsyncPolicy.NONE, TestingAuditEvents.KEY)) {
            assertThat(journal.append(body("q5"))).isEqualTo(5);
        }
        TestingAuditEvents.Verification verification = TestingAuditEvents.verify(journalDirectory);
        assertThat(verification.intact()).as(verification.message()).isTrue();
    }

    // F6: a directory without audit files (wiped, or the wrong path) verifies with exit code 0
    @Test
    void testEmptyLogIsNotIntact()
            throws Exception
    {
        Path empty = Files.createDirectories(directory.resolve("wiped"));
        TestingAuditEvents.Verification verification = TestingAuditEvents.verify(empty);
        assertThat(verification.intact()).as(verification.message()).isFalse();
    }

    // F8: fields other than the query text are not bounded; a record PostgreSQL's binder cannot parse is dead-lettered
    @Test
    void testRecordWithALongErrorMessageCanBeBoundForPostgresql()
    {
        // e.g. "Cannot cast '<value>' to INT" for a 21 M character value the query built itself
        QueryFailureInfo failure = new QueryFailureInfo(new ErrorCode(9, "INVALID_CAST_ARGUMENT", ErrorType.USER_ERROR), Optional.empty(),
                Optional.of("Cannot cast '" + "a".repeat(21_000_000) + "' to INT"), Optional.empty(), Optional.empty(), "[]");
        byte[] body = serializer.write(completed("q1", context("admin", "alice", "alice"), "SELECT 1", Optional.of(failure)));
        // what PostgresqlAuditSink.bind does with the record (a failure there is SQLState 22000: a dead letter)
        assertThatCode(() -> new ObjectMapper().readTree(body)).doesNotThrowAnyException();
        assertThat(body.length).as("record size with audit.query-text.max-length=1000").isLessThan(1_000_000);
    }
}
