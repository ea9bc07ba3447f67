package dev.trinobundle.eventlistener;

import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import io.airlift.units.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static dev.trinobundle.eventlistener.TestAuditJournal.body;
import static io.trino.testing.assertions.Assert.assertEventually;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

final class TestSinkShipper
{
    private final Path directory;

    TestSinkShipper()
            throws IOException
    {
        directory = Files.createTempDirectory("audit-shipper-test");
    }

    @AfterEach
    void tearDown()
            throws IOException
    {
        MoreFiles.deleteRecursively(directory, RecursiveDeleteOption.ALLOW_INSECURE);
    }

    @Test
    void testOffsetIsCommittedOnlyForWhatTheSinkMadeDurable()
    {
        // review M4: the journal deletes the segments every sink committed, and the file sink's copy was fsynced only
        // when its interval had passed at the end of a batch: a machine crash could lose records from both
        AuditJournal journal = new AuditJournal(directory, 1024, FsyncPolicy.INTERVAL, AuditKey.unkeyed());
        DurabilitySink sink = new DurabilitySink(directory.resolve("sink-durability.offset"));
        AuditDelivery delivery = new AuditDelivery(journal, List.of(sink), new Checkpoints(AuditKey.unkeyed(), Optional.empty()), 60_000, FsyncPolicy.INTERVAL, 10);
        delivery.start();
        for (int i = 0; i < 30; i++) {
            TestingAuditEvents.append(journal, body("record-" + i));
        }
        SinkShipper shipper = delivery.shippers().getFirst();
        assertEventually(new Duration(60, SECONDS), () -> assertThat(shipper.getCommittedSequence()).isEqualTo(30));
        delivery.stop(5_000);
        journal.close();
        assertThat(sink.committedBeyondDurable).isFalse();
        assertThat(sink.durable).isEqualTo(30);
    }

    @Test
    void testOffsetFileThatCannotBeWrittenIsNamedInTheError()
            throws IOException
    {
        // a full journal disk fails the shipper's own offset write; the PostgreSQL sink describes an IOException by its
        // class name only (its messages may quote a row), so the error said "java.io.IOException" and nothing else
        Path offsetFile = directory.resolve("sink-durability.offset");
        Files.createDirectories(offsetFile.resolve("in-the-way"));
        AuditJournal journal = new AuditJournal(directory, 1024, FsyncPolicy.INTERVAL, AuditKey.unkeyed());
        AuditSink sink = new AuditSink()
        {
            @Override
            public String name()
            {
                return "durability";
            }

            @Override
            public void deliver(List<JournalRecord> records) {}

            @Override
            public String describe(Throwable failure)
            {
                return failure.getClass().getName();
            }

            @Override
            public void close() {}
        };
        AuditDelivery delivery = new AuditDelivery(journal, List.of(sink), new Checkpoints(AuditKey.unkeyed(), Optional.empty()), 60_000, FsyncPolicy.INTERVAL, 10);
        delivery.start();
        try {
            TestingAuditEvents.append(journal, body("record-1"));
            SinkShipper shipper = delivery.shippers().getFirst();
            assertEventually(new Duration(60, SECONDS), () -> assertThat(shipper.getLastError())
                    .startsWith("cannot write the offset file " + offsetFile + " ("));
        }
        finally {
            delivery.stop(1_000);
            journal.close();
        }
    }

    /**
     * Delivers nowhere, and notes whether the shipper ever committed an offset beyond what {@link #flush} made durable.
     */
    private static final class DurabilitySink
            implements AuditSink
    {
        private final Path offsetFile;
        private long delivered;
        private volatile long durable;
        private volatile boolean committedBeyondDurable;

        DurabilitySink(Path offsetFile)
        {
            this.offsetFile = offsetFile;
        }

        @Override
        public String name()
        {
            return "durability";
        }

        @Override
        public void deliver(List<JournalRecord> records)
                throws IOException
        {
            checkOffset();
            delivered = records.getLast().sequence();
        }

        @Override
        public void flush()
                throws IOException
        {
            checkOffset();
            durable = delivered;
        }

        private void checkOffset()
                throws IOException
        {
            if (Files.exists(offsetFile) && Long.parseLong(Files.readString(offsetFile)) > durable) {
                committedBeyondDurable = true;
            }
        }

        @Override
        public void close()
        {
            try {
                checkOffset();
            }
            catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }
}
