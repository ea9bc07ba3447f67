package dev.trinobundle.eventlistener;

import io.airlift.log.Logger;
import org.weakref.jmx.Managed;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.util.Objects.requireNonNull;

/**
 * Signed checkpoints: every {@code audit.checkpoint.interval} the sequence number and hash of the journal's last
 * record, MACed with the key: {@code {"checkpoint":1,"keyId":"K","seq":N,"hash":"H","time":"T","mac":"M"}}. They go to
 * places the log's writer does not control: a separate directory ({@code checkpoints.jsonl}) and the PostgreSQL
 * sink's checkpoint table. Against them the verifier detects a truncated tail, which a chain alone cannot show.
 */
public final class Checkpoints
{
    static final String FILE_NAME = "checkpoints.jsonl";
    private static final Logger log = Logger.get(Checkpoints.class);

    private final AuditKey key;
    private final Optional<Path> file;
    private final AtomicLong failures = new AtomicLong();
    private long lastSequence = -1;
    private volatile Checkpoint latest;

    public Checkpoints(AuditKey key, Optional<Path> directory)
    {
        this.key = requireNonNull(key, "key is null");
        this.file = directory.map(path -> AuditFiles.createDirectory(path.toAbsolutePath(), "audit.checkpoint.directory").resolve(FILE_NAME));
    }

    public record Head(long sequence, String hash) {}

    public record Checkpoint(long sequence, String hash, String keyId, Instant time, byte[] line) {}

    static Checkpoint create(AuditKey key, Head head, Instant time)
    {
        String canonical = "{\"checkpoint\":1,\"keyId\":\"%s\",\"seq\":%s,\"hash\":\"%s\",\"time\":\"%s\"".formatted(key.keyId(), head.sequence(), head.hash(), time);
        byte[] prefix = canonical.getBytes(US_ASCII);
        byte[] suffix = AuditRecordFormat.suffix(AuditRecordFormat.MAC_FIELD, key.mac((canonical + "}").getBytes(US_ASCII)));
        byte[] line = new byte[prefix.length + suffix.length];
        System.arraycopy(prefix, 0, line, 0, prefix.length);
        System.arraycopy(suffix, 0, line, prefix.length, suffix.length);
        return new Checkpoint(head.sequence(), head.hash(), key.keyId(), time, line);
    }

    /**
     * Called by the maintenance task and at shutdown. Without a key there is nothing to sign; without new records nothing new.
     */
    synchronized void checkpoint(Head head)
    {
        if (!key.isKeyed() || head.sequence() == lastSequence || head.sequence() == 0 || head.hash() == null) {
            return;
        }
        Checkpoint checkpoint = create(key, head, Instant.now());
        if (file.isPresent()) {
            try {
                AuditFiles.appendLine(file.get(), checkpoint.line());
            }
            catch (IOException | RuntimeException e) {
                failures.incrementAndGet();
                log.error("Cannot write audit checkpoint %s to %s (audit.checkpoint.directory): %s", head.sequence(), file.get(), e);
                return;
            }
        }
        lastSequence = head.sequence();
        latest = checkpoint;
    }

    /**
     * The newest checkpoint, for the sinks that store checkpoints.
     */
    Optional<Checkpoint> latest()
    {
        return Optional.ofNullable(latest);
    }

    @Managed(description = "Sequence number named by the last checkpoint")
    public long getLastCheckpointSequence()
    {
        Checkpoint checkpoint = latest;
        return checkpoint == null ? 0 : checkpoint.sequence();
    }

    @Managed(description = "Checkpoints that could not be written")
    public long getCheckpointFailures()
    {
        return failures.get();
    }
}
