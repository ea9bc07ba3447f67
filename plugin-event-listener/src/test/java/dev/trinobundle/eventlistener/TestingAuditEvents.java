package dev.trinobundle.eventlistener;

import io.trino.spi.eventlistener.QueryCompletedEvent;
import io.trino.spi.eventlistener.QueryCreatedEvent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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
        try {
            return AuditKey.fromFile(file);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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

    static AuditLogVerifier.Result verify(Path path)
            throws IOException
    {
        return AuditLogVerifier.verify(path, new AuditLogVerifier.Options(List.of(KEY), List.of(), 1));
    }
}
