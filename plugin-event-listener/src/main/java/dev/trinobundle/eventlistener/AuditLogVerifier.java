package dev.trinobundle.eventlistener;

import com.google.common.collect.Range;
import com.google.common.collect.RangeSet;
import com.google.common.collect.TreeRangeSet;
import dev.trinobundle.eventlistener.AuditRecordFormat.Line;
import dev.trinobundle.eventlistener.AuditRecordFormat.LineReader;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static java.nio.charset.StandardCharsets.US_ASCII;

/**
 * Checks audit files (the file sink's {@code audit-*.jsonl} or the journal's {@code journal-*.jsonl}) with the MAC key
 * and against signed checkpoints kept elsewhere. Uses no Trino class:
 * <pre>java -cp 'plugin/audit-event-listener/*' dev.trinobundle.eventlistener.AuditLogVerifier
 *     [--key FILE]... [--checkpoints FILE]... [--from SEQ] &lt;file|directory&gt;</pre>
 * Reports every rewritten, deleted, reordered or malformed record, a truncated tail (the log ends before the last
 * checkpoint) and a deleted head (the log does not start at record 1, or at {@code --from} when retention removes
 * older files). Exit code 0 when intact, 1 on any finding, 2 on a usage or I/O error or a missing key.
 */
public final class AuditLogVerifier
{
    private static final Pattern AUDIT_FILE = Pattern.compile("(audit|journal)-\\d{20}\\.jsonl");
    // the rest are counted: a log rewritten from its start has a finding on every line
    private static final int MAX_PROBLEMS = 1000;

    private AuditLogVerifier() {}

    enum Finding
    {
        REWRITTEN, DELETED, REORDERED, TRUNCATED_TAIL, DELETED_HEAD, MALFORMED
    }

    record Problem(Finding finding, String location, String message)
    {
        @Override
        public String toString()
        {
            return "BROKEN (%s): %s: %s".formatted(finding.name().toLowerCase(Locale.ENGLISH).replace('_', ' '), location, message);
        }
    }

    record Result(List<Problem> problems, long problemCount, String summary)
    {
        boolean intact()
        {
            return problemCount == 0;
        }

        Finding finding()
        {
            return problems.isEmpty() ? null : problems.getFirst().finding();
        }

        String message()
        {
            return intact() ? summary : String.join("\n", problems.stream().map(Problem::toString).toList());
        }
    }

    record Options(List<AuditKey> keys, List<Path> checkpoints, long from)
    {
        Options
        {
            keys = List.copyOf(keys);
            checkpoints = List.copyOf(checkpoints);
        }
    }

    public static void main(String[] args)
    {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err)
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
                out.println(result.summary());
                return 0;
            }
            result.problems().forEach(err::println);
            String shown = result.problemCount() > MAX_PROBLEMS ? " (the first %s shown)".formatted(MAX_PROBLEMS) : "";
            err.println("%s findings%s; %s".formatted(result.problemCount(), shown, result.summary()));
            return 1;
        }
        catch (IOException | RuntimeException e) {
            err.println("Cannot verify " + path + ": " + e.getMessage());
            return 2;
        }
    }

    /**
     * @throws IOException when a file cannot be read, or a record or checkpoint needs a key that was not given
     */
    static Result verify(Path path, Options options)
            throws IOException
    {
        Problems report = new Problems();
        Map<String, AuditKey> keys = new HashMap<>();
        options.keys().forEach(key -> keys.put(key.keyId(), key));
        TreeMap<Long, Line> checkpoints = new TreeMap<>();
        List<String> notes = new ArrayList<>();
        for (Path file : options.checkpoints()) {
            readCheckpoints(file, keys, checkpoints, report, notes);
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
        // numbers skipped so far, and where each gap was seen: a record that turns up later was reordered, not deleted
        RangeSet<Long> missing = TreeRangeSet.create();
        TreeMap<Long, String> gaps = new TreeMap<>();
        for (int f = 0; f < files.size(); f++) {
            long lineNumber = 0;
            long offset = 0;
            try (LineReader lines = new LineReader(files.get(f))) {
                for (byte[] bytes = lines.next(); bytes != null; bytes = lines.next()) {
                    offset += bytes.length;
                    String location = files.get(f) + ":" + ++lineNumber;
                    Line line = AuditRecordFormat.parseRecord(bytes);
                    if (line == null) {
                        report.add(new Problem(Finding.MALFORMED, location, "not an audit record of schema version " + AuditRecordFormat.SCHEMA_VERSION + " (edited, truncated or damaged)"));
                        continue;
                    }
                    long sequence = line.sequence();
                    checkMac(keys, line, location, "record " + sequence, report);
                    records++;
                    if (previousHash == null) {
                        firstSequence = sequence;
                        if (sequence > Math.max(1, options.from())) {
                            report.add(new Problem(Finding.DELETED_HEAD, location, "the log starts at record %s: records %s..%s are missing (if retention removed them, pass --from with the first number that must be there, from a record of your own)"
                                    .formatted(sequence, Math.max(1, options.from()), sequence - 1)));
                        }
                        if (sequence == 1 && !line.hash().equals(AuditRecordFormat.GENESIS_HASH)) {
                            report.add(new Problem(Finding.REWRITTEN, location, "record 1 does not start the chain"));
                        }
                    }
                    else if (sequence > previousSequence + 1) {
                        missing.add(Range.closed(previousSequence + 1, sequence - 1));
                        gaps.put(previousSequence + 1, location);
                    }
                    else if (sequence <= previousSequence) {
                        boolean reordered = missing.contains(sequence);
                        missing.remove(Range.singleton(sequence));
                        report.add(new Problem(Finding.REORDERED, location, "record %s after record %s (%s)".formatted(sequence, previousSequence, reordered ? "reordered" : "duplicated or reordered")));
                        continue;
                    }
                    else if (!line.hash().equals(previousHash)) {
                        report.add(new Problem(Finding.REWRITTEN, location, "record %s does not chain to record %s (a record was replaced)".formatted(sequence, previousSequence)));
                    }
                    Line checkpoint = checkpoints.get(sequence);
                    if (checkpoint != null && !checkpoint.hash().equals(line.mac())) {
                        report.add(new Problem(Finding.REWRITTEN, location, "record %s differs from the checkpoint of %s".formatted(sequence, checkpoint.time())));
                    }
                    previousHash = line.mac();
                    previousSequence = sequence;
                }
            }
            if (offset < Files.size(files.get(f))) {
                if (f < files.size() - 1) {
                    report.add(new Problem(Finding.MALFORMED, files.get(f) + ":" + (lineNumber + 1), "line without newline before the end of the log"));
                }
                else {
                    // being written, or torn by a crash: a truncation shows against the checkpoints
                    notes.add("an incomplete last line is ignored");
                }
            }
        }
        for (Range<Long> gap : missing.asRanges()) {
            report.add(new Problem(Finding.DELETED, gaps.floorEntry(gap.lowerEndpoint()).getValue(), "records %s..%s are missing (deleted)".formatted(gap.lowerEndpoint(), gap.upperEndpoint())));
        }
        if (!checkpoints.isEmpty() && checkpoints.lastKey() > previousSequence) {
            Line last = checkpoints.lastEntry().getValue();
            report.add(new Problem(Finding.TRUNCATED_TAIL, path.toString(), "the log ends at record %s, but the checkpoint of %s names record %s: the tail was truncated"
                    .formatted(Math.max(0, previousSequence), last.time(), last.sequence())));
        }
        String summary = "%s records, seq %s..%s".formatted(records, firstSequence, previousSequence);
        if (records == 0) {
            summary = "no records in " + path;
        }
        else if (report.count == 0) {
            summary = "OK: %s, %s, %s, last hash %s".formatted(summary,
                    keys.isEmpty() ? "unkeyed chain intact (shows accidents, not tampering: pass --key)" : "MAC chain intact",
                    checkpoints.isEmpty() ? "no checkpoints given" : "last checkpoint record %s of %s matches".formatted(checkpoints.lastKey(), checkpoints.lastEntry().getValue().time()),
                    previousHash);
        }
        return new Result(List.copyOf(report.problems), report.count, summary + String.join("", notes.stream().map(note -> "; " + note).toList()));
    }

    private static final class Problems
    {
        private final List<Problem> problems = new ArrayList<>();
        private long count;

        void add(Problem problem)
        {
            if (count++ < MAX_PROBLEMS) {
                problems.add(problem);
            }
        }
    }

    /**
     * Whether the MAC of a record or checkpoint matches; if not, reports why (another key, no key id although a key
     * was given, or changed bytes).
     */
    private static boolean checkMac(Map<String, AuditKey> keys, Line line, String location, String what, Problems report)
            throws IOException
    {
        AuditKey key;
        if (line.keyId() == null) {
            if (!keys.isEmpty()) {
                report.add(new Problem(Finding.REWRITTEN, location, "%s carries no key id although a key was given: written without the key".formatted(what)));
                return false;
            }
            key = AuditKey.unkeyed();
        }
        else if (keys.isEmpty()) {
            throw new IOException("%s: %s is MACed with key %s: pass its key file with --key".formatted(location, what, line.keyId()));
        }
        else {
            key = keys.get(line.keyId());
            if (key == null) {
                report.add(new Problem(Finding.REWRITTEN, location, "%s is MACed with key %s, none of the given keys (rewritten with another key, or pass that key too)".formatted(what, line.keyId())));
                return false;
            }
        }
        if (!MessageDigest.isEqual(key.macHex(line.canonical()).getBytes(US_ASCII), line.mac().getBytes(US_ASCII))) {
            report.add(new Problem(Finding.REWRITTEN, location, line.time() == null ? "%s: its hash does not match its content (rewritten)".formatted(what) : "checkpoint signature does not match (forged or edited)"));
            return false;
        }
        return true;
    }

    private static void readCheckpoints(Path file, Map<String, AuditKey> keys, TreeMap<Long, Line> checkpoints, Problems report, List<String> notes)
            throws IOException
    {
        long lineNumber = 0;
        long offset = 0;
        try (LineReader lines = new LineReader(file)) {
            for (byte[] bytes = lines.next(); bytes != null; bytes = lines.next()) {
                offset += bytes.length;
                String location = file + ":" + ++lineNumber;
                Line checkpoint = AuditRecordFormat.parseCheckpoint(bytes);
                if (checkpoint == null) {
                    report.add(new Problem(Finding.MALFORMED, location, "not a signed checkpoint"));
                    continue;
                }
                if (checkMac(keys, checkpoint, location, "checkpoint", report)) {
                    checkpoints.put(checkpoint.sequence(), checkpoint);
                }
            }
        }
        if (offset < Files.size(file)) {
            // a checkpoint being appended, or torn by a crash
            notes.add("an incomplete last line of " + file + " is ignored");
        }
    }
}
