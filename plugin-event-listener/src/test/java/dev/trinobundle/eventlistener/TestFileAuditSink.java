package dev.trinobundle.eventlistener;

import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import static dev.trinobundle.eventlistener.TestAuditJournal.body;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

final class TestFileAuditSink
{
    private final Path directory;
    private final MutableClock clock = new MutableClock();
    private final Path journalDirectory;
    private final AuditJournal journal;
    private final JournalReader reader;

    TestFileAuditSink()
            throws IOException
    {
        directory = Files.createTempDirectory("audit-file-sink-test");
        // the records come from a real journal, as in the listener
        journalDirectory = Files.createTempDirectory("audit-file-sink-journal");
        journal = new AuditJournal(journalDirectory, 1 << 20, FsyncPolicy.NONE, AuditKey.unkeyed());
        reader = new JournalReader(journal, 1);
    }

    @AfterEach
    void tearDown()
            throws IOException
    {
        reader.close();
        journal.close();
        MoreFiles.deleteRecursively(directory, RecursiveDeleteOption.ALLOW_INSECURE);
        MoreFiles.deleteRecursively(journalDirectory, RecursiveDeleteOption.ALLOW_INSECURE);
    }

    @Test
    void testRotationBySize()
            throws IOException
    {
        FileAuditSink sink = new FileAuditSink(directory, 1024, 3_600_000, 100, false, clock);
        List<JournalRecord> records = records(20);
        sink.deliver(records);
        sink.close();

        List<Path> files = sink.listFiles();
        assertThat(files.size()).isGreaterThan(3);
        for (Path file : files) {
            // a file exceeds the limit only by a single record that did not fit in an empty file
            assertThat(Files.size(file)).isLessThanOrEqualTo(1024);
        }
        assertThat(files.getFirst().getFileName().toString()).isEqualTo("audit-00000000000000000001.jsonl");
        assertThat(allLines()).hasSize(20);
        assertThat(TestingAuditEvents.verify(directory).message()).startsWith("OK: 20 records, seq 1..20");
    }

    @Test
    void testRotationByTime()
            throws IOException
    {
        FileAuditSink sink = new FileAuditSink(directory, 1 << 20, 60_000, 100, false, clock);
        sink.deliver(records(2));
        clock.advance(59_000);
        sink.deliver(records(1));
        assertThat(sink.listFiles()).hasSize(1);
        clock.advance(1_000);
        sink.deliver(records(1));
        sink.close();

        assertThat(sink.listFiles()).extracting(file -> file.getFileName().toString())
                .containsExactly("audit-00000000000000000001.jsonl", "audit-00000000000000000004.jsonl");
        assertThat(TestingAuditEvents.verify(directory).intact()).isTrue();
    }

    @Test
    void testRetentionKeepsNewestFiles()
            throws IOException
    {
        FileAuditSink sink = new FileAuditSink(directory, 1024, 3_600_000, 3, false, clock);
        sink.deliver(records(40));
        sink.close();

        List<Path> files = sink.listFiles();
        assertThat(files).hasSize(3);
        assertThat(allLines().getLast()).contains("\"seq\":40,");
        // without being told, the verifier cannot tell retention from a deleted head
        AuditLogVerifier.Result result = TestingAuditEvents.verify(directory);
        assertThat(result.finding()).isEqualTo(AuditLogVerifier.Finding.DELETED_HEAD);
        long first = AuditRecordFormat.sequence(Files.readAllBytes(files.getFirst()));
        result = AuditLogVerifier.verify(directory, new AuditLogVerifier.Options(List.of(), List.of(), first));
        assertThat(result.intact()).as(result.message()).isTrue();
    }

    @Test
    void testRedeliveryAfterRestartWritesNoDuplicates()
            throws IOException
    {
        List<JournalRecord> records = records(5);
        FileAuditSink sink = new FileAuditSink(directory, 1 << 20, 3_600_000, 100, false, clock);
        sink.deliver(records.subList(0, 3));
        sink.close();

        // the committed offset lagged behind: the journal delivers 2..5 again to a new sink instance
        FileAuditSink restarted = new FileAuditSink(directory, 1 << 20, 3_600_000, 100, false, clock);
        assertThat(restarted.lastStoredSequence()).hasValue(3);
        restarted.deliver(records.subList(1, 5));
        restarted.close();

        assertThat(allLines()).hasSize(5);
        assertThat(TestingAuditEvents.verify(directory).message()).startsWith("OK: 5 records, seq 1..5");
    }

    @Test
    void testUnwritableDirectoryFailsNamingThePath()
            throws IOException
    {
        Path file = Files.writeString(directory.resolve("file"), "x");
        assertThatThrownBy(() -> new FileAuditSink(file.resolve("audit"), 1024, 1000, 1, false, clock))
                .hasMessageContaining(file.resolve("audit").toString())
                .hasMessageContaining("audit.file.directory");
    }

    private List<String> allLines()
            throws IOException
    {
        List<String> lines = new ArrayList<>();
        try (var files = Files.list(directory)) {
            for (Path file : files.sorted().toList()) {
                lines.addAll(Files.readAllLines(file, UTF_8));
            }
        }
        return lines;
    }

    private List<JournalRecord> records(int count)
            throws IOException
    {
        long first = journal.getLastWrittenSequence() + 1;
        for (int i = 0; i < count; i++) {
            TestingAuditEvents.append(journal, body("record-" + (first + i)));
        }
        return reader.read(count);
    }

    private static final class MutableClock
            extends Clock
    {
        private long millis = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();

        void advance(long delta)
        {
            millis += delta;
        }

        @Override
        public long millis()
        {
            return millis;
        }

        @Override
        public Instant instant()
        {
            return Instant.ofEpochMilli(millis);
        }

        @Override
        public ZoneId getZone()
        {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone)
        {
            return this;
        }
    }
}
