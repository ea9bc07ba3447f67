package dev.trinobundle.eventlistener;

import io.airlift.log.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static java.lang.String.format;
import static java.nio.file.StandardOpenOption.TRUNCATE_EXISTING;

/**
 * The journal's segment files {@code journal-<first sequence, 20 digits>.jsonl}, by first sequence number.
 */
final class JournalSegments
{
    private static final Logger log = Logger.get(JournalSegments.class);
    private static final Pattern SEGMENT_NAME = Pattern.compile("journal-(\\d{20})\\.jsonl");

    private final Path directory;
    private final NavigableMap<Long, Path> segments = new ConcurrentSkipListMap<>();

    JournalSegments(Path directory)
    {
        this.directory = directory;
    }

    /**
     * Finds the segments and returns the last complete record line, or null. A torn last line (the process died
     * during a write; never acknowledged to Trino) is cut off, in every segment; a segment without records is deleted.
     */
    byte[] recover()
    {
        try (Stream<Path> files = Files.list(directory)) {
            files.forEach(file -> {
                Matcher matcher = SEGMENT_NAME.matcher(file.getFileName().toString());
                if (matcher.matches()) {
                    segments.put(Long.parseLong(matcher.group(1)), file);
                }
            });
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot list audit journal directory " + directory, e);
        }
        byte[] last = null;
        for (Map.Entry<Long, Path> segment : List.copyOf(segments.entrySet())) {
            try {
                byte[] line = AuditFiles.cutAfterLastRecord(segment.getValue(), this::isRecord);
                if (line == null) {
                    Files.delete(segment.getValue());
                    segments.remove(segment.getKey());
                }
                else {
                    last = line;
                }
            }
            catch (IOException e) {
                throw new UncheckedIOException("Cannot recover audit journal segment " + segment.getValue(), e);
            }
        }
        return last;
    }

    private boolean isRecord(byte[] line)
    {
        long[] start = AuditRecordFormat.versionAndSequence(line);
        if (start != null && start[0] != AuditRecordFormat.SCHEMA_VERSION) {
            throw new IllegalStateException(format("Audit journal %s (audit.journal.directory) holds records of schema version %s, written by another version of the listener. " +
                    "Let that version deliver them (a clean shutdown with the sinks up), or move the directory away", directory, start[0]));
        }
        return AuditRecordFormat.parseRecord(line) != null;
    }

    /**
     * Creates the segment that starts with {@code sequence}. A file of that name holds at most a failed attempt at
     * this very record.
     */
    FileChannel create(long sequence)
            throws IOException
    {
        Path path = directory.resolve("journal-%020d.jsonl".formatted(sequence));
        FileChannel channel = AuditFiles.open(path, TRUNCATE_EXISTING);
        segments.put(sequence, path);
        return channel;
    }

    /**
     * Deletes segments whose records every sink has. The newest segment always stays: the chain continues from it.
     */
    void deleteDelivered(long deliveredUpToSequence, long lastWrittenSequence)
    {
        while (true) {
            Map.Entry<Long, Path> oldest = segments.firstEntry();
            Map.Entry<Long, Path> next = oldest == null ? null : segments.higherEntry(oldest.getKey());
            // every record of "oldest" is below next's first sequence
            if (next == null || next.getKey() - 1 > deliveredUpToSequence || next.getKey() > lastWrittenSequence) {
                return;
            }
            try {
                Files.deleteIfExists(oldest.getValue());
                segments.remove(oldest.getKey());
            }
            catch (IOException e) {
                log.error("Cannot delete delivered audit journal segment %s: %s", oldest.getValue(), e);
                return;
            }
        }
    }

    long sizeBytes()
    {
        long size = 0;
        for (Path segment : List.copyOf(segments.values())) {
            try {
                size += Files.size(segment);
            }
            catch (IOException ignored) {
                // deleted concurrently
            }
        }
        return size;
    }

    int count()
    {
        return segments.size();
    }

    Map.Entry<Long, Path> floor(long sequence)
    {
        return segments.floorEntry(sequence);
    }

    Map.Entry<Long, Path> ceiling(long sequence)
    {
        return segments.ceilingEntry(sequence);
    }

    Map.Entry<Long, Path> after(long segmentStart)
    {
        return segments.higherEntry(segmentStart);
    }
}
