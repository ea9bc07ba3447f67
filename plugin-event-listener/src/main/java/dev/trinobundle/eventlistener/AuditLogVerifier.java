package dev.trinobundle.eventlistener;

import dev.trinobundle.eventlistener.AuditRecordFormat.Line;
import dev.trinobundle.eventlistener.AuditRecordFormat.LineReader;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
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
import static java.nio.file.StandardOpenOption.READ;

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
        TreeMap<Long, Line> checkpoints = new TreeMap<>();
        for (Path file : options.checkpoints()) {
            Optional<Result> forged = readCheckpoints(file, keys, checkpoints);
            if (forged.isPresent()) {
                return forged.get();
            }
        }
        List<Path> files = List.of(path);
        if (Files.isDirectory(path)) {
            try (Stream<Path> list = Files.list(path)) {
                files = list.filter(file -> AUDIT_FILE.matcher(file.getFileName().toString()).matches()).sorted().toList();
            }
        }

        String previousHash = null;
        long previousSequence = -1;
        long firstSequence = -1;
        long records = 0;
        String partial = "";
        for (int f = 0; f < files.size(); f++) {
            long lineNumber = 0;
            try (LineReader lines = new LineReader(FileChannel.open(files.get(f), READ))) {
                for (byte[] bytes = lines.next(); bytes != null; bytes = lines.next()) {
                    String location = files.get(f) + ":" + ++lineNumber;
                    Line line = AuditRecordFormat.parseRecord(bytes);
                    if (line == null) {
                        return Result.broken(Finding.MALFORMED, location, "not an audit record of schema version " + AuditRecordFormat.SCHEMA_VERSION + " (edited, truncated or damaged)");
                    }
                    long sequence = line.sequence();
                    Optional<Result> forged = checkMac(keys, line, location, "record " + sequence);
                    if (forged.isPresent()) {
                        return forged.get();
                    }
                    if (previousHash == null) {
                        firstSequence = sequence;
                        if (sequence > Math.max(1, options.from())) {
                            return Result.broken(Finding.DELETED_HEAD, location, "the log starts at record %s: records %s..%s are missing (if retention removed them, pass --from %s)"
                                    .formatted(sequence, Math.max(1, options.from()), sequence - 1, sequence));
                        }
                        if (sequence == 1 && !line.hash().equals(AuditRecordFormat.GENESIS_HASH)) {
                            return Result.broken(Finding.REWRITTEN, location, "record 1 does not start the chain");
                        }
                    }
                    else if (sequence > previousSequence + 1) {
                        return Result.broken(Finding.DELETED, location, "records %s..%s are missing (deleted)".formatted(previousSequence + 1, sequence - 1));
                    }
                    else if (sequence <= previousSequence) {
                        return Result.broken(Finding.REORDERED, location, "record %s after record %s (reordered or duplicated)".formatted(sequence, previousSequence));
                    }
                    else if (!line.hash().equals(previousHash)) {
                        return Result.broken(Finding.REWRITTEN, location, "record %s does not chain to record %s (a record was replaced)".formatted(sequence, previousSequence));
                    }
                    Line checkpoint = checkpoints.get(sequence);
                    if (checkpoint != null && !checkpoint.hash().equals(line.mac())) {
                        return Result.broken(Finding.REWRITTEN, location, "record %s differs from the checkpoint of %s".formatted(sequence, checkpoint.time()));
                    }
                    previousHash = line.mac();
                    previousSequence = sequence;
                    records++;
                }
                if (lines.offset() < Files.size(files.get(f))) {
                    if (f < files.size() - 1) {
                        return Result.broken(Finding.MALFORMED, files.get(f) + ":" + (lineNumber + 1), "line without newline before the end of the log");
                    }
                    // being written, or torn by a crash: a truncation shows against the checkpoints
                    partial = "; an incomplete last line is ignored";
                }
            }
        }
        if (!checkpoints.isEmpty() && checkpoints.lastKey() > previousSequence) {
            Line last = checkpoints.lastEntry().getValue();
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
     * A finding if the MAC of a record or checkpoint does not match: it names another key, or none although a key
     * was given, or its bytes changed.
     */
    private static Optional<Result> checkMac(Map<String, AuditKey> keys, Line line, String location, String what)
            throws IOException
    {
        AuditKey key;
        if (line.keyId() == null) {
            if (!keys.isEmpty()) {
                return Optional.of(Result.broken(Finding.REWRITTEN, location, "%s carries no key id although a key was given: written without the key".formatted(what)));
            }
            key = AuditKey.unkeyed();
        }
        else if (keys.isEmpty()) {
            throw new IOException("%s: %s is MACed with key %s: pass its key file with --key".formatted(location, what, line.keyId()));
        }
        else {
            key = keys.get(line.keyId());
            if (key == null) {
                return Optional.of(Result.broken(Finding.REWRITTEN, location, "%s is MACed with key %s, none of the given keys (rewritten with another key, or pass that key too)"
                        .formatted(what, line.keyId())));
            }
        }
        if (!MessageDigest.isEqual(key.macHex(line.canonical()).getBytes(US_ASCII), line.mac().getBytes(US_ASCII))) {
            return Optional.of(Result.broken(Finding.REWRITTEN, location, line.time() == null
                    ? "%s: its hash does not match its content (rewritten)".formatted(what)
                    : "checkpoint signature does not match (forged or edited)"));
        }
        return Optional.empty();
    }

    private static Optional<Result> readCheckpoints(Path file, Map<String, AuditKey> keys, TreeMap<Long, Line> checkpoints)
            throws IOException
    {
        List<String> lines = Files.readAllLines(file, US_ASCII);
        for (int i = 0; i < lines.size(); i++) {
            String location = file + ":" + (i + 1);
            Line checkpoint = AuditRecordFormat.parseCheckpoint(lines.get(i).getBytes(US_ASCII));
            if (checkpoint == null) {
                return Optional.of(Result.broken(Finding.MALFORMED, location, "not a signed checkpoint"));
            }
            Optional<Result> forged = checkMac(keys, checkpoint, location, "checkpoint");
            if (forged.isPresent()) {
                return forged;
            }
            checkpoints.put(checkpoint.sequence(), checkpoint);
        }
        return Optional.empty();
    }
}
