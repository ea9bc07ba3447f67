package dev.trinobundle.eventlistener;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static java.nio.charset.StandardCharsets.US_ASCII;

/**
 * Checks audit files (the file sink's {@code audit-*.jsonl} or the journal's {@code journal-*.jsonl}) with the MAC key
 * and against signed checkpoints kept elsewhere. Uses no Trino class:
 * <pre>java -cp 'plugin/audit-event-listener/*' dev.trinobundle.eventlistener.AuditLogVerifier
 *     [--key FILE]... [--checkpoints FILE]... [--from SEQ] &lt;file|directory&gt;</pre>
 * Reports the first rewritten, deleted or reordered record, a truncated tail (the log ends before the last
 * checkpoint) and a deleted head (the log does not start at record 1, or at {@code --from} when retention removes
 * older files). Exit code 0 when intact, 1 on any finding, 2 on a usage or I/O error or a missing key.
 */
public final class AuditLogVerifier
{
    private static final Pattern AUDIT_FILE = Pattern.compile("(audit|journal)-\\d{20}\\.jsonl");
    // jackson-core only: jackson-databind needs jackson-annotations, which Trino provides and the plugin directory lacks
    private static final JsonFactory JSON_FACTORY = new JsonFactory();

    private AuditLogVerifier() {}

    public enum Finding
    {
        NONE, REWRITTEN, DELETED, REORDERED, TRUNCATED_TAIL, DELETED_HEAD, MALFORMED
    }

    public record Result(Finding finding, String message)
    {
        public boolean intact()
        {
            return finding == Finding.NONE;
        }

        static Result broken(Finding finding, String location, String problem)
        {
            return new Result(finding, location + ": " + problem);
        }
    }

    public record Options(List<AuditKey> keys, List<Path> checkpoints, long from)
    {
        public Options
        {
            keys = List.copyOf(keys);
            checkpoints = List.copyOf(checkpoints);
        }
    }

    public static void main(String[] args)
    {
        System.exit(run(args, System.out, System.err));
    }

    public static int run(String[] args, PrintStream out, PrintStream err)
    {
        List<AuditKey> keys = new ArrayList<>();
        List<Path> checkpoints = new ArrayList<>();
        long from = 1;
        Path path = null;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--key" -> keys.add(AuditKey.fromFile(Path.of(args[++i])));
                    case "--checkpoints" -> checkpoints.add(Path.of(args[++i]));
                    case "--from" -> from = Long.parseLong(args[++i]);
                    default -> {
                        if (path != null || args[i].startsWith("--")) {
                            throw new IllegalArgumentException("unexpected argument " + args[i]);
                        }
                        path = Path.of(args[i]);
                    }
                }
            }
            if (path == null) {
                throw new IllegalArgumentException("no audit file or directory given");
            }
        }
        catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            err.println("Usage: java -cp 'plugin/audit-event-listener/*' " + AuditLogVerifier.class.getName() +
                    " [--key FILE]... [--checkpoints FILE]... [--from SEQ] <audit file or directory> (" + e.getMessage() + ")");
            return 2;
        }
        catch (IOException e) {
            err.println(e.getMessage());
            return 2;
        }
        try {
            Result result = verify(path, new Options(keys, checkpoints, from));
            if (result.intact()) {
                out.println(result.message());
                return 0;
            }
            err.println("BROKEN (" + result.finding().name().toLowerCase(java.util.Locale.ENGLISH).replace('_', ' ') + "): " + result.message());
            return 1;
        }
        catch (IOException e) {
            err.println("Cannot verify " + path + ": " + e.getMessage());
            return 2;
        }
    }

    /**
     * @throws IOException when a file cannot be read, or a record or checkpoint needs a key that was not given
     */
    public static Result verify(Path path, Options options)
            throws IOException
    {
        Map<String, AuditKey> keys = new HashMap<>();
        options.keys().forEach(key -> keys.put(key.keyId(), key));
        TreeMap<Long, Header> checkpoints = new TreeMap<>();
        for (Path file : options.checkpoints()) {
            Optional<Result> forged = readCheckpoints(file, keys, checkpoints);
            if (forged.isPresent()) {
                return forged.get();
            }
        }
        List<Path> files;
        if (Files.isDirectory(path)) {
            try (Stream<Path> list = Files.list(path)) {
                files = list.filter(file -> AUDIT_FILE.matcher(file.getFileName().toString()).matches()).sorted().toList();
            }
        }
        else {
            files = List.of(path);
        }

        String previousHash = null;
        long previousSequence = -1;
        long firstSequence = -1;
        long records = 0;
        String partial = "";
        for (int f = 0; f < files.size(); f++) {
            byte[] content = Files.readAllBytes(files.get(f));
            int lineStart = 0;
            long lineNumber = 0;
            while (lineStart < content.length) {
                lineNumber++;
                int end = lineStart;
                while (end < content.length && content[end] != '\n') {
                    end++;
                }
                String location = files.get(f) + ":" + lineNumber;
                if (end == content.length) {
                    if (f < files.size() - 1) {
                        return Result.broken(Finding.MALFORMED, location, "line without newline before the end of the log");
                    }
                    // being written, or torn by a crash: a truncation shows against the checkpoints
                    partial = "; an incomplete last line is ignored";
                    break;
                }
                byte[] line = java.util.Arrays.copyOfRange(content, lineStart, end);
                lineStart = end + 1;
                Optional<AuditRecordFormat.SplitLine> split = AuditRecordFormat.split(line, line.length, AuditRecordFormat.HASH_FIELD);
                Header header = split.isEmpty() ? null : readHeader(split.get().canonical());
                if (header == null || header.sequence() < 1 || header.previousHash() == null || header.previousHash().length() != 64) {
                    return Result.broken(Finding.MALFORMED, location, "not an audit record of schema version " + AuditRecordFormat.SCHEMA_VERSION + " (edited, truncated or damaged)");
                }
                long sequence = header.sequence();
                if (header.keyId() != null && !keys.isEmpty() && !keys.containsKey(header.keyId())) {
                    return Result.broken(Finding.REWRITTEN, location, "record %s is MACed with key %s, none of the given keys (rewritten with another key, or pass that key too)"
                            .formatted(sequence, header.keyId()));
                }
                String expected = mac(keys, header.keyId(), split.get().canonical(), location, "record " + sequence);
                if (expected == null) {
                    return Result.broken(Finding.REWRITTEN, location, "record %s carries no key id although a key was given: written without the key".formatted(sequence));
                }
                if (!MessageDigest.isEqual(expected.getBytes(US_ASCII), split.get().mac().getBytes(US_ASCII))) {
                    return Result.broken(Finding.REWRITTEN, location, "record %s: its hash does not match its content (rewritten)".formatted(sequence));
                }
                if (previousHash == null) {
                    firstSequence = sequence;
                    if (sequence > Math.max(1, options.from())) {
                        return Result.broken(Finding.DELETED_HEAD, location, "the log starts at record %s: records %s..%s are missing (if retention removed them, pass --from %s)"
                                .formatted(sequence, Math.max(1, options.from()), sequence - 1, sequence));
                    }
                    if (sequence == 1 && !header.previousHash().equals(AuditRecordFormat.GENESIS_HASH)) {
                        return Result.broken(Finding.REWRITTEN, location, "record 1 does not start the chain");
                    }
                }
                else if (sequence > previousSequence + 1) {
                    return Result.broken(Finding.DELETED, location, "records %s..%s are missing (deleted)".formatted(previousSequence + 1, sequence - 1));
                }
                else if (sequence <= previousSequence) {
                    return Result.broken(Finding.REORDERED, location, "record %s after record %s (reordered or duplicated)".formatted(sequence, previousSequence));
                }
                else if (!header.previousHash().equals(previousHash)) {
                    return Result.broken(Finding.REWRITTEN, location, "record %s does not chain to record %s (a record was replaced)".formatted(sequence, previousSequence));
                }
                Header checkpoint = checkpoints.get(sequence);
                if (checkpoint != null && !checkpoint.previousHash().equals(split.get().mac())) {
                    return Result.broken(Finding.REWRITTEN, location, "record %s differs from the checkpoint of %s".formatted(sequence, checkpoint.time()));
                }
                previousHash = split.get().mac();
                previousSequence = sequence;
                records++;
            }
        }
        if (!checkpoints.isEmpty() && checkpoints.lastKey() > previousSequence) {
            Header last = checkpoints.lastEntry().getValue();
            return Result.broken(Finding.TRUNCATED_TAIL, path.toString(), "the log ends at record %s, but the checkpoint of %s names record %s: the tail was truncated"
                    .formatted(Math.max(0, previousSequence), last.time(), last.sequence()));
        }
        if (records == 0) {
            return new Result(Finding.NONE, "no records in " + path + partial);
        }
        String keyed = keys.isEmpty() ? "unkeyed chain intact (shows accidents, not tampering: pass --key)" : "MAC chain intact";
        String checkpointed = checkpoints.isEmpty() ? "no checkpoints given" : "last checkpoint record %s of %s matches".formatted(checkpoints.lastKey(), checkpoints.lastEntry().getValue().time());
        return new Result(Finding.NONE, "OK: %s records, seq %s..%s, %s, %s, last hash %s%s".formatted(
                records, firstSequence, previousSequence, keyed, checkpointed, previousHash, partial));
    }

    /**
     * The expected MAC of a record or checkpoint, or null when a key was given and the line names none.
     */
    private static String mac(Map<String, AuditKey> keys, String keyId, byte[] canonical, String location, String what)
            throws IOException
    {
        if (keyId == null) {
            return keys.isEmpty() ? AuditKey.unkeyed().macHex(canonical) : null;
        }
        AuditKey key = keys.get(keyId);
        if (key == null) {
            throw new IOException("%s: %s is MACed with key %s: pass its key file with --key".formatted(location, what, keyId));
        }
        return key.macHex(canonical);
    }

    private static Optional<Result> readCheckpoints(Path file, Map<String, AuditKey> keys, TreeMap<Long, Header> checkpoints)
            throws IOException
    {
        List<String> lines = Files.readAllLines(file, US_ASCII);
        for (int i = 0; i < lines.size(); i++) {
            String location = file + ":" + (i + 1);
            byte[] line = lines.get(i).getBytes(US_ASCII);
            Optional<AuditRecordFormat.SplitLine> split = AuditRecordFormat.split(line, line.length, AuditRecordFormat.MAC_FIELD);
            Header header = split.isEmpty() ? null : readHeader(split.get().canonical());
            if (header == null || header.keyId() == null || header.previousHash() == null) {
                return Optional.of(Result.broken(Finding.MALFORMED, location, "not a signed checkpoint"));
            }
            if (keys.isEmpty()) {
                throw new IOException("%s: checkpoints are signed with key %s: pass its key file with --key".formatted(location, header.keyId()));
            }
            String expected = mac(keys, header.keyId(), split.get().canonical(), location, "the checkpoint");
            if (!MessageDigest.isEqual(expected.getBytes(US_ASCII), split.get().mac().getBytes(US_ASCII))) {
                return Optional.of(Result.broken(Finding.REWRITTEN, location, "checkpoint signature does not match (forged or edited)"));
            }
            checkpoints.put(header.sequence(), header);
        }
        return Optional.empty();
    }

    /**
     * seq, keyId, prevHash (a checkpoint's hash) and time, or null unless the bytes are one well-formed JSON object.
     */
    private static Header readHeader(byte[] canonical)
    {
        long sequence = -1;
        String keyId = null;
        String hash = null;
        String time = null;
        try (JsonParser parser = JSON_FACTORY.createParser(canonical)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                switch (field) {
                    case "seq" -> sequence = value == JsonToken.VALUE_NUMBER_INT ? parser.getLongValue() : -1;
                    case "keyId" -> keyId = parser.getText();
                    case "prevHash", "hash" -> hash = parser.getText();
                    case "time" -> time = parser.getText();
                    default -> parser.skipChildren();
                }
            }
            if (parser.currentToken() != JsonToken.END_OBJECT || parser.nextToken() != null) {
                return null;
            }
        }
        catch (IOException e) {
            return null;
        }
        return new Header(sequence, keyId, hash, time);
    }

    // for a checkpoint, previousHash is the hash of the record it names
    private record Header(long sequence, String keyId, String previousHash, String time) {}
}
