package dev.trinobundle.eventlistener;

import com.google.common.collect.Range;
import com.google.common.collect.RangeSet;
import com.google.common.collect.TreeRangeSet;
import dev.trinobundle.eventlistener.AuditFiles.Line;
import dev.trinobundle.eventlistener.AuditFiles.LineReader;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Checks audit files (or the {@code journal-*.jsonl} of earlier versions) with the MAC key and against signed
 * checkpoints, without Trino (see the usage message). Reports every rewritten, deleted, reordered or malformed record,
 * a truncated tail and a deleted head. Exit code 0 when intact, 1 on findings, 2 on errors.
 */
public final class AuditLogVerifier
{
    private static final Pattern AUDIT_FILE = Pattern.compile("(audit|journal)-\\d{20}\\.jsonl");
    // the rest are counted: a log rewritten from its start has a finding on every line
    private static final int MAX_SHOWN = 1000;

    private final List<AuditKey> keys = new ArrayList<>();
    private final TreeMap<Long, Line> checkpoints = new TreeMap<>();
    private final List<String> problems = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private long problemCount;

    public static void main(String[] args)
    {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err)
    {
        AuditLogVerifier verifier = new AuditLogVerifier();
        List<Path> checkpoints = new ArrayList<>();
        long from = 1;
        Path path = null;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--key" -> verifier.keys.add(AuditKey.fromFile(Path.of(args[++i])));
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
        catch (RuntimeException e) {
            // a key file that cannot be used says so itself
            err.println(e instanceof IllegalStateException ? e.getMessage() : "Usage: java -cp 'plugin/audit-event-listener/*' " + AuditLogVerifier.class.getName() +
                    " --key FILE [--key FILE]... [--checkpoints FILE]... [--from SEQ] <audit file or directory> (" + e.getMessage() + ")");
            return 2;
        }
        try {
            if (verifier.keys.isEmpty()) {
                throw new IOException("no key given: pass the file of audit.mac.key-file with --key (the records are MACed with it)");
            }
            for (Path file : checkpoints) {
                verifier.readCheckpoints(file);
            }
            List<Path> files = List.of(path);
            if (Files.isDirectory(path)) {
                try (Stream<Path> list = Files.list(path)) {
                    // by first sequence number: the journal-* files of earlier versions come before the audit-* after them
                    files = list.filter(file -> AUDIT_FILE.matcher(file.getFileName().toString()).matches())
                            .sorted(Comparator.comparing(file -> file.getFileName().toString().replaceFirst("^[a-z]+-", ""))).toList();
                }
            }
            String summary = verifier.verifyRecords(path, files, Math.max(1, from));
            (verifier.problemCount == 0 ? out : err).println(summary);
            return verifier.problemCount == 0 ? 0 : 1;
        }
        catch (IOException | RuntimeException e) {
            err.println("Cannot verify " + path + ": " + e.getMessage());
            return 2;
        }
    }

    private String verifyRecords(Path path, List<Path> files, long from)
            throws IOException
    {
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
                    Line line = AuditFiles.parseRecord(bytes);
                    if (line == null) {
                        report("malformed", location, "not an audit record of schema version " + AuditFiles.SCHEMA_VERSION + " (edited, truncated or damaged)");
                        continue;
                    }
                    long sequence = line.sequence();
                    checkMac(line, location, "record " + sequence);
                    records++;
                    if (previousHash == null) {
                        firstSequence = sequence;
                        if (sequence > from) {
                            report("deleted head", location, "the log starts at record %s: records %s..%s are missing (if retention removed them, pass --from with the first number that must be there, from a record of your own)"
                                    .formatted(sequence, from, sequence - 1));
                        }
                        if (sequence == 1 && !line.hash().equals(AuditFiles.GENESIS_HASH)) {
                            report("rewritten", location, "record 1 does not start the chain");
                        }
                    }
                    else if (sequence > previousSequence + 1) {
                        missing.add(Range.closed(previousSequence + 1, sequence - 1));
                        gaps.put(previousSequence + 1, location);
                    }
                    else if (sequence <= previousSequence) {
                        boolean reordered = missing.contains(sequence);
                        missing.remove(Range.singleton(sequence));
                        report("reordered", location, "record %s after record %s (%s)".formatted(sequence, previousSequence, reordered ? "reordered" : "duplicated or reordered"));
                        continue;
                    }
                    else if (!line.hash().equals(previousHash)) {
                        report("rewritten", location, "record %s does not chain to record %s (a record was replaced)".formatted(sequence, previousSequence));
                    }
                    Line checkpoint = checkpoints.get(sequence);
                    if (checkpoint != null && !checkpoint.hash().equals(line.mac())) {
                        report("rewritten", location, "record %s differs from the checkpoint of %s".formatted(sequence, checkpoint.time()));
                    }
                    previousHash = line.mac();
                    previousSequence = sequence;
                }
            }
            if (offset < Files.size(files.get(f))) {
                if (f < files.size() - 1) {
                    report("malformed", files.get(f) + ":" + (lineNumber + 1), "line without newline before the end of the log");
                }
                else {
                    // being written, or torn by a crash: a truncation shows against the checkpoints
                    notes.add("an incomplete last line is ignored");
                }
            }
        }
        for (Range<Long> gap : missing.asRanges()) {
            report("deleted", gaps.floorEntry(gap.lowerEndpoint()).getValue(), "records %s..%s are missing (deleted)".formatted(gap.lowerEndpoint(), gap.upperEndpoint()));
        }
        if (!checkpoints.isEmpty() && checkpoints.lastKey() > previousSequence) {
            Line last = checkpoints.lastEntry().getValue();
            report("truncated tail", path.toString(), "the log ends at record %s, but the checkpoint of %s names record %s: the tail was truncated"
                    .formatted(Math.max(0, previousSequence), last.time(), last.sequence()));
        }
        if (records == 0) {
            report("deleted head", path.toString(), "no record at all: the log was wiped, or this is not its path");
        }
        String summary = records == 0 ? "no records in " + path : "%s records, seq %s..%s".formatted(records, firstSequence, previousSequence);
        if (records > 0 && problemCount == 0) {
            summary = "OK: %s, MAC chain intact, %s, last hash %s".formatted(summary,
                    checkpoints.isEmpty() ? "no checkpoints given" : "last checkpoint record %s of %s matches".formatted(checkpoints.lastKey(), checkpoints.lastEntry().getValue().time()), previousHash);
        }
        summary += String.join("", notes.stream().map(note -> "; " + note).toList());
        if (problemCount > 0) {
            String shown = problemCount > MAX_SHOWN ? " (the first %s shown)".formatted(MAX_SHOWN) : "";
            summary = String.join("\n", problems) + "\n%s findings%s; %s".formatted(problemCount, shown, summary);
        }
        return summary;
    }

    private void report(String finding, String location, String message)
    {
        if (problemCount++ < MAX_SHOWN) {
            problems.add("BROKEN (%s): %s: %s".formatted(finding, location, message));
        }
    }

    // whether the MAC matches; if not, reports why (another key, no key id, or changed bytes)
    private boolean checkMac(Line line, String location, String what)
    {
        AuditKey key = keys.stream().filter(candidate -> candidate.keyId().equals(line.keyId())).findFirst().orElse(null);
        if (key == null) {
            report("rewritten", location, line.keyId() == null
                    ? "%s carries no key id: written without the key".formatted(what)
                    : "%s is MACed with key %s, none of the given keys (rewritten with another key, or pass that key too)".formatted(what, line.keyId()));
            return false;
        }
        if (!key.signed(line)) {
            report("rewritten", location, line.time() == null ? "%s: its hash does not match its content (rewritten)".formatted(what) : "checkpoint signature does not match (forged or edited)");
            return false;
        }
        return true;
    }

    private void readCheckpoints(Path file)
            throws IOException
    {
        long lineNumber = 0;
        long offset = 0;
        try (LineReader lines = new LineReader(file)) {
            for (byte[] bytes = lines.next(); bytes != null; bytes = lines.next()) {
                offset += bytes.length;
                String location = file + ":" + ++lineNumber;
                Line checkpoint = AuditFiles.parseCheckpoint(bytes);
                if (checkpoint == null) {
                    report("malformed", location, "not a signed checkpoint");
                }
                else if (checkMac(checkpoint, location, "checkpoint")) {
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
