package dev.trinobundle.eventlistener;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Checks the sequence numbers and the hash chain of audit files (the file sink's {@code audit-*.jsonl} or the
 * journal's {@code journal-*.jsonl}) and reports the first broken or missing link. Uses no Trino class:
 * <pre>java -cp 'plugin/audit-event-listener/*' dev.trinobundle.eventlistener.AuditLogVerifier &lt;file|directory&gt;</pre>
 * Exit code 0 when the chain is intact, 1 when it is broken, 2 on a usage or I/O error.
 */
public final class AuditLogVerifier
{
    private static final long LIVE_JOURNAL_RECHECK_MILLIS = 500;
    private static final Pattern AUDIT_FILE = Pattern.compile("(audit|journal)-\\d{20}\\.jsonl");
    // jackson-core only: jackson-databind needs jackson-annotations, which Trino provides and the plugin directory lacks
    private static final JsonFactory JSON_FACTORY = new JsonFactory();

    private AuditLogVerifier() {}

    public static void main(String[] args)
    {
        if (args.length != 1) {
            System.err.println("Usage: java -cp 'plugin/audit-event-listener/*' " + AuditLogVerifier.class.getName() + " <audit file or directory>");
            System.exit(2);
        }
        System.exit(run(Paths.get(args[0]), System.out, System.err));
    }

    public static int run(Path path, PrintStream out, PrintStream err)
    {
        try {
            Result result = verify(path);
            if (result.intact()) {
                out.println(result.message());
                return 0;
            }
            err.println("BROKEN: " + result.message());
            return 1;
        }
        catch (IOException e) {
            err.println("Cannot read " + path + ": " + e);
            return 2;
        }
    }

    public static Result verify(Path path)
            throws IOException
    {
        Result result = verifyOnce(path);
        if (!result.intact() && result.message().contains("journal-")) {
            // A running listener's journal changes while it is read (records being written and sealed): look again
            // before calling it broken. Damage stays; a record caught in the middle of a write does not.
            try {
                Thread.sleep(LIVE_JOURNAL_RECHECK_MILLIS);
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return result;
            }
            result = verifyOnce(path);
        }
        return result;
    }

    private static Result verifyOnce(Path path)
            throws IOException
    {
        List<Path> files;
        if (Files.isDirectory(path)) {
            try (Stream<Path> list = Files.list(path)) {
                files = list.filter(file -> AUDIT_FILE.matcher(file.getFileName().toString()).matches()).sorted().toList();
            }
            if (files.isEmpty()) {
                throw new IOException("no audit-*.jsonl or journal-*.jsonl files in directory " + path);
            }
        }
        else {
            files = List.of(path);
        }

        MessageDigest digest = AuditRecordFormat.newDigest();
        String previousHash = null;
        long previousSequence = -1;
        long firstSequence = -1;
        long records = 0;
        long unsealed = 0;
        for (Path file : files) {
            long lineNumber = 0;
            try (InputStream input = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
                byte[] line;
                boolean journalSegment = file.getFileName().toString().startsWith("journal-");
                while ((line = readLine(input)) != null) {
                    lineNumber++;
                    if (journalSegment && isUnusedSpace(line) && input.read() == -1) {
                        // NUL bytes up to the end: the not yet written part of the journal's current segment
                        break;
                    }
                    String location = file + ":" + lineNumber;
                    if (journalSegment && AuditRecordFormat.hasUnsealedHash(line, 0, line.length)) {
                        // written by a running listener and not hash-chained yet: nothing to check, but nothing sealed may follow
                        unsealed++;
                        continue;
                    }
                    if (unsealed > 0) {
                        return Result.broken(location, "a sealed record follows %s unsealed journal records".formatted(unsealed));
                    }
                    Optional<AuditRecordFormat.SplitLine> split = AuditRecordFormat.split(line, 0, line.length);
                    if (split.isEmpty()) {
                        return Result.broken(location, "line does not end with a \"hash\" field: not an audit record, or edited");
                    }
                    Header header;
                    try {
                        header = readHeader(split.get().canonical());
                    }
                    catch (IOException e) {
                        return Result.broken(location, "record is not valid JSON (edited or truncated)");
                    }
                    long sequence = header.sequence();
                    String recordPreviousHash = header.previousHash();
                    if (sequence < 1 || recordPreviousHash.length() != 64) {
                        return Result.broken(location, "record has no valid seq/prevHash header");
                    }
                    if (previousHash == null) {
                        // The first record present: earlier ones may have been removed by retention.
                        firstSequence = sequence;
                        if (sequence == 1 && !recordPreviousHash.equals(AuditRecordFormat.GENESIS_HASH)) {
                            return Result.broken(location, "record 1 does not start the chain (prevHash is not the genesis hash)");
                        }
                    }
                    else {
                        if (sequence != previousSequence + 1) {
                            String problem = sequence > previousSequence + 1
                                    ? "records %s..%s are missing here (deleted or moved)".formatted(previousSequence + 1, sequence - 1)
                                    : "out of order (reordered or duplicated)";
                            return Result.broken(location, "expected seq %s after %s but found %s: %s".formatted(previousSequence + 1, previousSequence, sequence, problem));
                        }
                        if (!recordPreviousHash.equals(previousHash)) {
                            return Result.broken(location, "seq %s: prevHash does not match the hash of record %s (a record before it was replaced)".formatted(sequence, previousSequence));
                        }
                    }
                    String expected = AuditRecordFormat.computeHash(recordPreviousHash, split.get().canonical(), digest);
                    if (!expected.equals(split.get().hash())) {
                        return Result.broken(location, "seq %s: hash does not match the record's content (record edited)".formatted(sequence));
                    }
                    previousHash = split.get().hash();
                    previousSequence = sequence;
                    records++;
                }
            }
        }
        String unsealedNote = unsealed == 0 ? "" : "; %s newest journal records not sealed yet (the running listener seals them within moments, or at its next start)".formatted(unsealed);
        if (records == 0) {
            return new Result(true, "no records in " + path + unsealedNote);
        }
        return new Result(true, "OK: %s records, seq %s..%s, chain intact%s, last hash %s%s".formatted(
                records, firstSequence, previousSequence,
                firstSequence > 1 ? " (starts at seq %s: earlier records were removed by retention or journal cleanup)".formatted(firstSequence) : "",
                previousHash, unsealedNote));
    }

    private static boolean isUnusedSpace(byte[] line)
    {
        for (byte b : line) {
            if (b != 0) {
                return false;
            }
        }
        return line.length > 0;
    }

    /**
     * Reads seq and prevHash, and checks that the whole record is one well-formed JSON object.
     */
    private static Header readHeader(byte[] canonical)
            throws IOException
    {
        long sequence = -1;
        String previousHash = "";
        try (JsonParser parser = JSON_FACTORY.createParser(canonical)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("not a JSON object");
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                if (field.equals("seq") && value == JsonToken.VALUE_NUMBER_INT) {
                    sequence = parser.getLongValue();
                }
                else if (field.equals("prevHash") && value == JsonToken.VALUE_STRING) {
                    previousHash = parser.getText();
                }
                else {
                    parser.skipChildren();
                }
            }
            if (parser.currentToken() != JsonToken.END_OBJECT || parser.nextToken() != null) {
                throw new IOException("trailing content after the JSON object");
            }
        }
        return new Header(sequence, previousHash);
    }

    private record Header(long sequence, String previousHash) {}

    /**
     * Reads one line without its newline; a last line without a newline is returned too (a torn write is reported).
     */
    private static byte[] readLine(InputStream input)
            throws IOException
    {
        ByteArrayOutputStream line = new ByteArrayOutputStream(2048);
        int c;
        boolean any = false;
        while ((c = input.read()) != -1) {
            any = true;
            if (c == '\n') {
                return line.toByteArray();
            }
            line.write(c);
        }
        return any ? line.toByteArray() : null;
    }

    public record Result(boolean intact, String message)
    {
        static Result broken(String location, String problem)
        {
            return new Result(false, location + ": " + problem);
        }
    }
}
