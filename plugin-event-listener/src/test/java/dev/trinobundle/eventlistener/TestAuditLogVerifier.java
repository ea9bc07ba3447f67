package dev.trinobundle.eventlistener;

import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import dev.trinobundle.testing.TestingPluginContext;
import io.trino.spi.eventlistener.EventListener;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static com.google.common.collect.Iterables.getOnlyElement;
import static dev.trinobundle.testing.QueryEvents.completed;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The attacker can write the audit files but reads neither the key nor the checkpoints kept elsewhere: every rewrite,
 * deletion and truncation must fail {@code verify} with the key, and the untouched log must pass.
 */
final class TestAuditLogVerifier
{
    private final Path directory;
    private final Path fileDirectory;
    private final Path checkpoints;
    private final Path keyFile;

    TestAuditLogVerifier()
            throws IOException
    {
        directory = Files.createTempDirectory("audit-verify-test");
        fileDirectory = directory.resolve("journal");
        keyFile = directory.resolve("audit.key");
        Files.writeString(keyFile, HexFormat.of().formatHex(new java.security.SecureRandom().generateSeed(32)) + "\n");
        Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("r--------"));
        EventListener listener = getOnlyElement(new AuditEventListenerPlugin().getEventListenerFactories()).create(Map.of(
                "audit.journal.directory", fileDirectory.toString(),
                "audit.mac.key-file", keyFile.toString(),
                "audit.checkpoint.directory", directory.resolve("checkpoints").toString(),
                "bootstrap.quiet", "true"), TestingPluginContext.TRINO_476);
        for (int i = 1; i <= 10; i++) {
            listener.queryCompleted(completed("q" + i));
        }
        // shutdown delivers everything and writes the last checkpoint
        listener.shutdown();
        checkpoints = directory.resolve("checkpoints").resolve(Checkpoints.FILE_NAME);
    }

    @AfterEach
    void tearDown()
            throws IOException
    {
        MoreFiles.deleteRecursively(directory, RecursiveDeleteOption.ALLOW_INSECURE);
    }

    @Test
    void testUntouchedLogPasses()
    {
        assertThat(verify()).isZero();
        assertThat(output).startsWith("OK: 10 records, seq 1..10, MAC chain intact, last checkpoint record 10");
    }

    @Test
    void testEditedRecordFails()
            throws IOException
    {
        List<String> lines = lines();
        lines.set(3, lines.get(3).replace("\"user\":\"alice\"", "\"user\":\"carol\""));
        write(lines);
        assertThat(verify()).isEqualTo(1);
        assertThat(errors).contains("BROKEN (rewritten)", "record 4: its hash does not match its content");
    }

    @Test
    void testRewrittenAndRehashedWithoutTheKeyFails()
            throws IOException
    {
        // the script: drop a record, edit one, renumber and re-hash the whole chain; without the key the
        // attacker can only compute a chain with a key of their own, named or not
        Path otherKey = directory.resolve("other.key");
        Files.writeString(otherKey, "x".repeat(64));
        List<String> lines = lines();
        lines.remove(2);
        lines.set(4, lines.get(4).replace("\"user\":\"alice\"", "\"user\":\"carol\""));
        write(rehash(lines, AuditKey.fromFile(otherKey), null));
        assertThat(verify()).isEqualTo(1);
        assertThat(errors).contains("BROKEN (rewritten)", "record 1 carries no key id: written without the key");

        write(rehash(lines(), AuditKey.fromFile(otherKey), AuditKey.fromFile(otherKey).keyId()));
        assertThat(verify()).isEqualTo(1);
        assertThat(errors).contains("BROKEN (rewritten)", "record 1 is MACed with key %s, none of the given keys".formatted(AuditKey.fromFile(otherKey).keyId()));
    }

    @Test
    void testTruncatedTailFailsAgainstTheCheckpoint()
            throws IOException
    {
        List<String> lines = lines();
        write(lines.subList(0, 7));
        assertThat(verify()).isEqualTo(1);
        assertThat(errors).contains("BROKEN (truncated tail)", "the log ends at record 7", "names record 10");
    }

    @Test
    void testDeletedHeadFails()
            throws IOException
    {
        List<String> lines = lines();
        write(lines.subList(3, lines.size()));
        assertThat(verify()).isEqualTo(1);
        assertThat(errors).contains("BROKEN (deleted head)", "the log starts at record 4: records 1..3 are missing");
        // retention may remove old files: the auditor says from where on the log must be complete
        assertThat(verify("--from", "4")).isZero();
    }

    @Test
    void testDeletedAndReorderedRecordsFail()
            throws IOException
    {
        List<String> lines = lines();
        List<String> deleted = new ArrayList<>(lines);
        deleted.remove(5);
        write(deleted);
        assertThat(verify()).isEqualTo(1);
        assertThat(errors).contains("BROKEN (deleted)", "records 6..6 are missing");

        List<String> reordered = new ArrayList<>(lines);
        reordered.set(4, lines.get(5));
        reordered.set(5, lines.get(4));
        write(reordered);
        assertThat(verify()).isEqualTo(1);
        // a swap: record 5 is there, one line late
        assertThat(errors).contains("BROKEN (reordered)", "record 5 after record 6 (reordered)").doesNotContain("BROKEN (deleted)");

        List<String> duplicated = new ArrayList<>(lines);
        duplicated.add(3, lines.get(2));
        write(duplicated);
        assertThat(verify()).isEqualTo(1);
        assertThat(errors).contains("BROKEN (reordered)", "record 3 after record 3");
    }

    @Test
    void testForgedCheckpointFails()
            throws IOException
    {
        List<String> lines = lines();
        write(lines.subList(0, 7));
        // the attacker also rewrites the checkpoint to match the truncated log
        String checkpoint = Files.readAllLines(checkpoints).getLast();
        Files.writeString(checkpoints, checkpoint.replace("\"seq\":10", "\"seq\":7") + "\n");
        assertThat(verify()).isEqualTo(1);
        assertThat(errors).contains("BROKEN (rewritten)", "checkpoint signature does not match");
    }

    @Test
    void testTornLastLineIsReportedNotFailed()
            throws IOException
    {
        List<String> lines = lines();
        Path file = onlyFile();
        Files.writeString(file, String.join("\n", lines) + "\n" + lines.getLast().substring(0, 40));
        assertThat(verify()).isZero();
        assertThat(output).contains("an incomplete last line is ignored");
    }

    @Test
    void testEveryFindingIsReported()
            throws IOException
    {
        // review M3: the verifier stopped at the first finding, so an edit early in the log hid a deletion behind it
        List<String> lines = lines();
        List<String> tampered = new ArrayList<>(lines);
        tampered.set(2, lines.get(2).replace("\"user\":\"alice\"", "\"user\":\"carol\""));
        tampered.remove(6);
        write(tampered);
        assertThat(verify()).isEqualTo(1);
        assertThat(errors).contains("BROKEN (rewritten)", "record 3: its hash does not match its content")
                .contains("BROKEN (deleted)", "records 7..7 are missing")
                .contains("2 findings");
    }

    @Test
    void testCheckpointIsNotAcceptedAsARecord()
            throws IOException
    {
        // review L1: the MAC of a checkpoint must never pass for a record's, whatever its members are renamed to
        String checkpoint = Files.readAllLines(checkpoints).getLast();
        Path forged = directory.resolve("forged");
        Files.createDirectories(forged);
        Files.writeString(forged.resolve("audit-00000000000000000010.jsonl"), checkpoint.replace("\"mac\":", "\"hash\":") + "\n");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = AuditLogVerifier.run(new String[] {"--key", keyFile.toString(), "--from", "10", forged.toString()}, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, UTF_8));
        assertThat(code).isEqualTo(1);
        assertThat(err.toString(UTF_8)).contains("BROKEN (malformed)");
    }

    @Test
    void testTornLastCheckpointLineIsIgnored()
            throws IOException
    {
        // review M2: a checkpoint being appended (or torn by a crash) made every later verification fail
        String last = Files.readAllLines(checkpoints).getLast();
        Files.writeString(checkpoints, last.substring(0, 30), java.nio.file.StandardOpenOption.APPEND);
        assertThat(verify()).isZero();
        assertThat(output).contains("last checkpoint record 10", "an incomplete last line of " + checkpoints + " is ignored");
    }

    @Test
    void testVerifyingWithoutTheKeyIsAUsageError()
    {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertThat(AuditLogVerifier.run(new String[] {fileDirectory.toString()}, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, UTF_8))).isEqualTo(2);
        assertThat(err.toString(UTF_8)).contains("no key given", "--key");
    }

    @Test
    void testUsageErrors()
    {
        assertThat(AuditLogVerifier.run(new String[] {}, new PrintStream(new ByteArrayOutputStream()), new PrintStream(new ByteArrayOutputStream()))).isEqualTo(2);
        assertThat(AuditLogVerifier.run(new String[] {"--key", directory.resolve("missing").toString(), fileDirectory.toString()},
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(new ByteArrayOutputStream()))).isEqualTo(2);
    }

    private String output;
    private String errors;

    private int verify(String... extra)
    {
        List<String> args = new ArrayList<>(List.of("--key", keyFile.toString(), "--checkpoints", checkpoints.toString()));
        args.addAll(List.of(extra));
        args.add(fileDirectory.toString());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = AuditLogVerifier.run(args.toArray(String[]::new), new PrintStream(out, true, UTF_8), new PrintStream(err, true, UTF_8));
        output = out.toString(UTF_8);
        errors = err.toString(UTF_8);
        return code;
    }

    /**
     * Renumbers the records from 1 and recomputes the chain with the given key, naming the key id given (or none), as
     * an attacker's script would.
     */
    private static List<String> rehash(List<String> lines, AuditKey key, String keyId)
    {
        List<String> rehashed = new ArrayList<>();
        String previous = AuditFiles.GENESIS_HASH;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            String members = line.substring(line.indexOf(",\"kind\""), line.lastIndexOf(",\"hash\""));
            byte[] header = AuditFiles.header(i + 1, keyId, previous);
            byte[] canonical = (new String(header, UTF_8) + members.substring(1) + "}").getBytes(UTF_8);
            previous = key.macHex(canonical);
            rehashed.add(new String(canonical, 0, canonical.length - 1, UTF_8) + ",\"hash\":\"" + previous + "\"}");
        }
        return rehashed;
    }

    private List<String> lines()
            throws IOException
    {
        return new ArrayList<>(Files.readAllLines(onlyFile(), UTF_8));
    }

    private void write(List<String> lines)
            throws IOException
    {
        Files.writeString(onlyFile(), String.join("\n", lines) + "\n");
    }

    private Path onlyFile()
            throws IOException
    {
        try (var files = Files.list(fileDirectory)) {
            return getOnlyElement(files.filter(file -> file.getFileName().toString().startsWith("audit-")).toList());
        }
    }
}
