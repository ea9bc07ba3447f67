package dev.trinobundle.eventlistener;

import io.airlift.log.Logger;
import org.weakref.jmx.Managed;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.util.Objects.requireNonNull;

/**
 * Signed checkpoints: the sequence number and hash of the journal's head, MACed, in places the log's writer does not
 * control ({@code checkpoints.jsonl} in a directory of their own, PostgreSQL). Against them the verifier detects a
 * truncated tail, which a chain alone cannot show.
 */
public final class Checkpoints
{
    static final String FILE_NAME = "checkpoints.jsonl";
    private static final Logger log = Logger.get(Checkpoints.class);

    private final AuditKey key;
    private final Optional<Path> file;
    private final AtomicLong failures = new AtomicLong();
    // a torn last line (a crash or a failed cut-back during an append) must not run into the next checkpoint
    private boolean repairBeforeAppend = true;
    private volatile Checkpoint latest;

    public Checkpoints(AuditKey key, Optional<Path> directory)
    {
        this.key = requireNonNull(key, "key is null");
        this.file = directory.map(path -> AuditFiles.createDirectory(path.toAbsolutePath(), "audit.checkpoint.directory").resolve(FILE_NAME));
    }

    public record Checkpoint(long sequence, String hash, String keyId, Instant time, byte[] line) {}

    // with a head that is on the disk; nothing without new records
    synchronized void checkpoint(AuditJournal.Written head)
    {
        if (head.sequence() == getLastCheckpointSequence()) {
            return;
        }
        Instant time = Instant.now();
        String start = AuditFiles.checkpointStart(key.keyId(), head.sequence(), head.hash(), time.toString());
        String mac = key.macHex((start + "}").getBytes(US_ASCII));
        byte[] line = (start + new String(AuditFiles.suffix(AuditFiles.MAC_FIELD, mac), US_ASCII)).getBytes(US_ASCII);
        if (file.isPresent()) {
            try {
                if (repairBeforeAppend && Files.exists(file.get())) {
                    AuditFiles.cutAfterLastRecord(file.get(), _ -> true);
                }
                repairBeforeAppend = false;
                AuditFiles.appendLine(file.get(), line);
            }
            catch (IOException | RuntimeException e) {
                repairBeforeAppend = true;
                failures.incrementAndGet();
                log.error("Cannot write audit checkpoint %s to %s (audit.checkpoint.directory): %s", head.sequence(), file.get(), e);
                return;
            }
        }
        latest = new Checkpoint(head.sequence(), head.hash(), key.keyId(), time, line);
    }

    Optional<Checkpoint> latest()
    {
        return Optional.ofNullable(latest);
    }

    @Managed(description = "Sequence number named by the last checkpoint")
    public long getLastCheckpointSequence()
    {
        return latest().map(Checkpoint::sequence).orElse(0L);
    }

    @Managed(description = "Checkpoints that could not be written")
    public long getCheckpointFailures()
    {
        return failures.get();
    }
}
