package dev.trinobundle.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Reads the audit listener's file sink (JSON Lines, {@code *.jsonl}) as tests see it: while it is being written. */
public final class AuditLogFiles
{
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private AuditLogFiles() {}

    /** Every complete record in the directory's files, in file order; nothing if the directory does not exist yet. */
    public static List<JsonNode> records(Path directory)
    {
        List<JsonNode> records = new ArrayList<>();
        if (!Files.isDirectory(directory)) {
            return records;
        }
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.filter(path -> path.toString().endsWith(".jsonl")).sorted().toList()) {
                // the sink may be mid-write: only newline-terminated lines are records
                String content = Files.readString(file);
                for (String line : content.substring(0, content.lastIndexOf('\n') + 1).lines().toList()) {
                    records.add(MAPPER.readTree(line));
                }
            }
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return records;
    }
}
