package dev.trinobundle.eventlistener;

import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static dev.trinobundle.eventlistener.TestAuditJournal.body;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

final class TestAuditLogVerifier
{
    private final Path directory;
    private final Path file;

    TestAuditLogVerifier()
            throws IOException
    {
        directory = Files.createTempDirectory("audit-verify-test");
        file = directory.resolve("audit-00000000000000000001.jsonl");
        var digest = AuditRecordFormat.newDigest();
        String previousHash = AuditRecordFormat.GENESIS_HASH;
        StringBuilder content = new StringBuilder();
        for (int sequence = 1; sequence <= 5; sequence++) {
            byte[] line = AuditRecordFormat.encodeLine(sequence, previousHash, body("r" + sequence), digest);
            previousHash = AuditRecordFormat.split(line, 0, line.length - 1).orElseThrow().hash();
            content.append(new String(line, UTF_8));
        }
        Files.writeString(file, content);
    }

    @AfterEach
    void tearDown()
            throws IOException
    {
        MoreFiles.deleteRecursively(directory, RecursiveDeleteOption.ALLOW_INSECURE);
    }

    @Test
    void testHashOfEncodedLineIsTheStoredHash()
    {
        byte[] line = AuditRecordFormat.encodeLine(7, AuditRecordFormat.GENESIS_HASH, body("x"), AuditRecordFormat.newDigest());
        AuditRecordFormat.SplitLine split = AuditRecordFormat.split(line, 0, line.length - 1).orElseThrow();
        assertThat(AuditRecordFormat.hashOfEncodedLine(line)).isEqualTo(split.hash());
        assertThat(split.hash()).isEqualTo(AuditRecordFormat.computeHash(AuditRecordFormat.GENESIS_HASH, split.canonical(), AuditRecordFormat.newDigest()));
    }

    @Test
    void testIntactChain()
            throws IOException
    {
        AuditLogVerifier.Result result = AuditLogVerifier.verify(file);
        assertThat(result.intact()).isTrue();
        assertThat(result.message()).startsWith("OK: 5 records, seq 1..5");
        assertThat(run(directory)).isZero();
    }

    @Test
    void testUnsealedRecordsCountOnlyAtTheEndOfAJournal()
            throws IOException
    {
        Path journalDirectory = Files.createDirectory(directory.resolve("journal"));
        Path segment = journalDirectory.resolve("journal-00000000000000000001.jsonl");
        String sealed = Files.readString(file);
        byte[] unsealed = unsealedLine(6, "r6");

        // the newest records of a running listener's journal may not be sealed yet
        Files.write(segment, (sealed + new String(unsealed, UTF_8)).getBytes(UTF_8));
        AuditLogVerifier.Result live = AuditLogVerifier.verify(journalDirectory);
        assertThat(live.intact()).as(live.message()).isTrue();
        assertThat(live.message()).contains("5 records", "1 newest journal records not sealed yet");

        // but a placeholder hash before a sealed record is tampering (or corruption), not a record in progress
        List<String> lines = new ArrayList<>(sealed.lines().toList());
        lines.add(2, new String(unsealed, UTF_8).strip());
        Files.writeString(segment, String.join("\n", lines) + "\n");
        AuditLogVerifier.Result broken = AuditLogVerifier.verify(journalDirectory);
        assertThat(broken.intact()).isFalse();
        assertThat(broken.message()).contains("a sealed record follows 1 unsealed journal records");

        // and outside the journal, in the files sinks write, an unsealed record is never valid
        Files.write(file, unsealed, java.nio.file.StandardOpenOption.APPEND);
        assertThat(AuditLogVerifier.verify(file).intact()).isFalse();
    }

    private static byte[] unsealedLine(long sequence, String value)
    {
        byte[] body = body(value);
        byte[] buffer = new byte[AuditJsonWriter.HEADER_RESERVE + body.length + AuditJsonWriter.TRAILER_RESERVE];
        System.arraycopy(body, 0, buffer, AuditJsonWriter.HEADER_RESERVE, body.length);
        int bodyEnd = AuditJsonWriter.HEADER_RESERVE + body.length;
        int start = AuditRecordFormat.encodeUnsealedInPlace(buffer, AuditJsonWriter.HEADER_RESERVE, bodyEnd, sequence);
        return java.util.Arrays.copyOfRange(buffer, start, AuditRecordFormat.lineEnd(bodyEnd));
    }

    @Test
    void testEditedRecord()
            throws IOException
    {
        List<String> lines = lines();
        lines.set(2, lines.get(2).replace("\"r3\"", "\"rX\""));
        write(lines);

        AuditLogVerifier.Result result = AuditLogVerifier.verify(file);
        assertThat(result.intact()).isFalse();
        assertThat(result.message()).isEqualTo(file + ":3: seq 3: hash does not match the record's content (record edited)");
        assertThat(run(file)).isEqualTo(1);
    }

    @Test
    void testEditedRecordWithRecomputedHashBreaksTheNextLink()
            throws IOException
    {
        // An attacker who recomputes the edited record's own hash still breaks the link to the next record.
        List<String> lines = lines();
        String edited = lines.get(2).replace("\"r3\"", "\"rX\"");
        byte[] bytes = edited.getBytes(UTF_8);
        byte[] canonical = AuditRecordFormat.split(bytes, 0, bytes.length).orElseThrow().canonical();
        String previousHash = edited.substring(edited.indexOf("\"prevHash\":\"") + 12, edited.indexOf("\"prevHash\":\"") + 76);
        String rehashed = AuditRecordFormat.computeHash(previousHash, canonical, AuditRecordFormat.newDigest());
        lines.set(2, edited.substring(0, edited.length() - 66) + rehashed + "\"}");
        write(lines);

        AuditLogVerifier.Result result = AuditLogVerifier.verify(file);
        assertThat(result.intact()).isFalse();
        assertThat(result.message()).isEqualTo(file + ":4: seq 4: prevHash does not match the hash of record 3 (a record before it was replaced)");
    }

    @Test
    void testDeletedRecord()
            throws IOException
    {
        List<String> lines = lines();
        lines.remove(1);
        write(lines);

        AuditLogVerifier.Result result = AuditLogVerifier.verify(file);
        assertThat(result.intact()).isFalse();
        assertThat(result.message()).isEqualTo(file + ":2: expected seq 2 after 1 but found 3: records 2..2 are missing here (deleted or moved)");
    }

    @Test
    void testReorderedRecords()
            throws IOException
    {
        List<String> lines = lines();
        Collections.swap(lines, 3, 4);
        write(lines);

        AuditLogVerifier.Result result = AuditLogVerifier.verify(file);
        assertThat(result.intact()).isFalse();
        assertThat(result.message()).isEqualTo(file + ":4: expected seq 4 after 3 but found 5: records 4..4 are missing here (deleted or moved)");
    }

    @Test
    void testTruncatedLastLine()
            throws IOException
    {
        List<String> lines = lines();
        lines.set(4, lines.get(4).substring(0, 40));
        write(lines);

        AuditLogVerifier.Result result = AuditLogVerifier.verify(file);
        assertThat(result.intact()).isFalse();
        assertThat(result.message()).startsWith(file + ":5: line does not end with a \"hash\" field");
    }

    @Test
    void testChainAcrossFilesAndRetention()
            throws IOException
    {
        List<String> lines = lines();
        write(lines.subList(0, 2));
        Path second = directory.resolve("audit-00000000000000000003.jsonl");
        Files.writeString(second, String.join("\n", lines.subList(2, 5)) + "\n");
        assertThat(AuditLogVerifier.verify(directory).message()).startsWith("OK: 5 records, seq 1..5");

        // retention deleted the oldest file: the chain is checked from the first record present
        Files.delete(file);
        AuditLogVerifier.Result result = AuditLogVerifier.verify(directory);
        assertThat(result.intact()).isTrue();
        assertThat(result.message()).startsWith("OK: 3 records, seq 3..5, chain intact (starts at seq 3");
    }

    private List<String> lines()
            throws IOException
    {
        return new ArrayList<>(Files.readAllLines(file, UTF_8));
    }

    private void write(List<String> lines)
            throws IOException
    {
        Files.writeString(file, String.join("\n", lines) + "\n");
    }

    private static int run(Path path)
    {
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        PrintStream stream = new PrintStream(output, true, UTF_8);
        return AuditLogVerifier.run(path, stream, stream);
    }
}
