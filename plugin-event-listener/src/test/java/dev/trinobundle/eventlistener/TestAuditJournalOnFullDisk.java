package dev.trinobundle.eventlistener;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A really full file system, not a simulated one: a 4 MB tmpfs mounted for the test (the build runs as root, as the
 * README says). The journal must turn ENOSPC into a logged, counted write failure, leave no partial record behind,
 * keep the record in memory, and write it once space is back, with no gap in the chain.
 */
@Tag("root")
final class TestAuditJournalOnFullDisk
{
    private Path mountPoint;

    @BeforeEach
    void mountSmallFileSystem()
            throws IOException, InterruptedException
    {
        mountPoint = Files.createTempDirectory("audit-full-disk");
        run("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mountPoint.toString());
    }

    @AfterEach
    void unmount()
            throws IOException, InterruptedException
    {
        run("umount", mountPoint.toString());
        Files.delete(mountPoint);
    }

    @Test
    void testFullDiskDropsAndCountsRecordsAndWritesAgainWhenSpaceIsBack()
            throws IOException
    {
        // compiled code first, as on a server that has run for a while
        Path warmUp = Files.createTempDirectory("audit-warm-up");
        try (AuditJournal journal = new AuditJournal(warmUp, 1 << 20, 1000, FsyncPolicy.NONE, TestingAuditEvents.KEY)) {
            for (int i = 0; i < 30_000; i++) {
                TestingAuditEvents.append(journal, ("{\"kind\":\"completed\",\"value\":" + i + "}").getBytes(UTF_8));
            }
        }
        finally {
            com.google.common.io.MoreFiles.deleteRecursively(warmUp, com.google.common.io.RecursiveDeleteOption.ALLOW_INSECURE);
        }

        Path filler = Files.write(mountPoint.resolve("filler"), new byte[2_500_000]);
        Path journalDirectory = mountPoint.resolve("journal");
        byte[] body = ("{\"kind\":\"completed\",\"value\":\"" + "x".repeat(2000) + "\"}").getBytes(UTF_8);

        try (AuditJournal journal = new AuditJournal(journalDirectory, 1 << 20, 1000, FsyncPolicy.NONE, TestingAuditEvents.KEY)) {
            List<Long> sequences = new java.util.ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                // never throws into Trino's thread, whatever the disk does
                sequences.add(TestingAuditEvents.append(journal, body));
            }
            long written = journal.getLastWrittenSequence();
            assertThat(written).isBetween(100L, 999L);
            assertThat(journal.getRecordsDropped()).isEqualTo(1000 - written);
            assertThat(sequences).contains(-1L);
            // what reached the disk is a complete, intact chain
            TestingAuditEvents.Verification onFullDisk = TestingAuditEvents.verify(journalDirectory);
            assertThat(onFullDisk.intact()).as(onFullDisk.message()).isTrue();

            Files.delete(filler);

            assertThat(TestingAuditEvents.append(journal, body)).isEqualTo(written + 1);
            assertThat(journal.getRecordsWritten()).isEqualTo(written + 1);
        }
        TestingAuditEvents.Verification result = TestingAuditEvents.verify(journalDirectory);
        assertThat(result.intact()).as(result.message()).isTrue();
        assertThat(result.message()).contains("seq 1..");
    }

    @Test
    void testFailedAppendIsCutBack()
            throws IOException
    {
        // review M2: a checkpoint (or dead letter) that did not fit left part of its line, which the next one continued
        Path file = Files.writeString(mountPoint.resolve("checkpoints.jsonl"), "{\"checkpoint\":1}\n");
        try (var filler = Files.newOutputStream(mountPoint.resolve("filler"))) {
            byte[] block = new byte[64 * 1024];
            while (true) {
                filler.write(block);
            }
        }
        catch (IOException e) {
            // the file system is full; the file's first page still has room for part of a line
        }
        byte[] line = ("{\"checkpoint\":2,\"x\":\"" + "x".repeat(20_000) + "\"}\n").getBytes(UTF_8);
        assertThatThrownBy(() -> AuditFiles.appendLine(file, line)).isInstanceOf(IOException.class);
        assertThat(Files.readString(file)).isEqualTo("{\"checkpoint\":1}\n");
    }

    private static void run(String... command)
            throws IOException, InterruptedException
    {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), UTF_8);
        if (process.waitFor() != 0) {
            throw new IOException("%s failed (this test needs root to mount a small tmpfs): %s".formatted(String.join(" ", command), output));
        }
    }
}
