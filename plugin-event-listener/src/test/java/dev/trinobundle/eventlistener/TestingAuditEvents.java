package dev.trinobundle.eventlistener;

import io.trino.spi.eventlistener.QueryCompletedEvent;
import io.trino.spi.eventlistener.QueryCreatedEvent;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The audit listener's test helpers; the events themselves come from {@link dev.trinobundle.testing.QueryEvents}.
 */
final class TestingAuditEvents
{
    // the MAC key of the tests' journals, in a file as the listener and the verifier take it
    static final Path KEY_FILE = keyFile();
    static final AuditKey KEY = key(KEY_FILE);

    private TestingAuditEvents() {}

    private static Path keyFile()
    {
        try {
            Path file = Files.createTempFile("audit-test", ".key");
            file.toFile().deleteOnExit();
            return Files.writeString(file, "t".repeat(64));
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static AuditKey key(Path file)
    {
        return AuditKey.fromFile(file);
    }

    static long append(AuditJournal journal, byte[] body)
    {
        return journal.append(body);
    }

    static byte[] serialize(AuditRecordSerializer serializer, QueryCompletedEvent event)
    {
        return serializer.write(event);
    }

    static byte[] serialize(AuditRecordSerializer serializer, QueryCreatedEvent event)
    {
        return serializer.write(event);
    }

    // the verifier as an auditor runs it: intact is exit code 0, the message what it prints
    record Verification(boolean intact, String message) {}

    static Verification verify(Path path)
    {
        return verify(path, KEY_FILE);
    }

    static Verification verify(Path path, Path keyFile, Path... checkpoints)
    {
        List<String> args = new ArrayList<>(List.of("--key", keyFile.toString()));
        for (Path checkpoint : checkpoints) {
            args.addAll(List.of("--checkpoints", checkpoint.toString()));
        }
        args.add(path.toString());
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        PrintStream stream = new PrintStream(output, true, UTF_8);
        int code = AuditLogVerifier.run(args.toArray(String[]::new), stream, stream);
        // exit code 2 is an error (an unreadable file), not a verdict
        assertThat(code).as(output.toString(UTF_8)).isIn(0, 1);
        return new Verification(code == 0, output.toString(UTF_8).stripTrailing());
    }
}
