package dev.trinobundle.eventlistener;

import com.google.common.collect.ImmutableList;
import com.google.inject.Inject;
import io.airlift.log.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static java.lang.String.format;
import static java.util.Objects.requireNonNull;

/**
 * Writes records as JSON Lines to {@code audit-<first sequence, 20 digits>.jsonl} files, rotated by size and age, and
 * keeps at most {@code audit.file.max-files} of them. The lines are the journal's lines byte for byte, so the files
 * can be checked with {@link AuditLogVerifier}.
 */
public final class FileAuditSink
        implements AuditSink
{
    private static final Logger log = Logger.get(FileAuditSink.class);
    private static final Pattern FILE_NAME = Pattern.compile("audit-(\\d{20})\\.jsonl");

    private final Path directory;
    private final long maxFileSize;
    private final long rotationIntervalMillis;
    private final int maxFiles;
    private final boolean fsync;
    private final Clock clock;

    private FileChannel channel;
    private long channelSize;
    private long channelOpenedMillis;
    private long lastStoredSequence;
    private boolean repairBeforeNextWrite;

    @Inject
    public FileAuditSink(FileSinkConfig config, AuditEventListenerConfig listenerConfig)
    {
        this(Path.of(config.getDirectory()),
                config.getMaxFileSize().toBytes(),
                config.getRotationInterval().toMillis(),
                config.getMaxFiles(),
                listenerConfig.getFsyncPolicy() != FsyncPolicy.NONE,
                Clock.systemUTC());
    }

    FileAuditSink(Path directory, long maxFileSize, long rotationIntervalMillis, int maxFiles, boolean fsync, Clock clock)
    {
        this.directory = AuditFiles.createDirectory(requireNonNull(directory, "directory is null").toAbsolutePath(), "audit.file.directory");
        this.maxFileSize = maxFileSize;
        this.rotationIntervalMillis = rotationIntervalMillis;
        this.maxFiles = maxFiles;
        this.fsync = fsync;
        this.clock = requireNonNull(clock, "clock is null");
        this.lastStoredSequence = recoverLastStoredSequence();
    }

    @Override
    public String name()
    {
        return "file";
    }

    @Override
    public OptionalLong lastStoredSequence()
    {
        return lastStoredSequence > 0 ? OptionalLong.of(lastStoredSequence) : OptionalLong.empty();
    }

    private long recoverLastStoredSequence()
    {
        // records of every schema version count: numbers are never reused
        for (Path file : listFiles().reversed()) {
            try {
                byte[] last = AuditFiles.cutAfterLastRecord(file, line -> AuditRecordFormat.sequence(line) > 0);
                if (last != null) {
                    return AuditRecordFormat.sequence(last);
                }
            }
            catch (IOException e) {
                throw new UncheckedIOException("Cannot read audit file " + file, e);
            }
        }
        return 0;
    }

    @Override
    public void deliver(List<JournalRecord> records)
            throws IOException
    {
        if (repairBeforeNextWrite) {
            // a failed write could not be cut back: cut the partial line now, as at a start
            lastStoredSequence = recoverLastStoredSequence();
            repairBeforeNextWrite = false;
        }
        // one gathering write per file touched, without copies: the background side must keep up with bursts
        List<ByteBuffer> pending = new ArrayList<>(records.size());
        long pendingLastSequence = lastStoredSequence;
        long pendingBytes = 0;
        for (JournalRecord record : records) {
            if (record.sequence() <= pendingLastSequence) {
                // already in the files: the committed offset lagged behind when the process stopped
                continue;
            }
            boolean full = channelSize + pendingBytes + record.line().length > maxFileSize && channelSize + pendingBytes > 0;
            if (channel == null || full || clock.millis() - channelOpenedMillis >= rotationIntervalMillis) {
                write(pending, pendingLastSequence);
                pendingBytes = 0;
                rotate(record.sequence());
            }
            pending.add(ByteBuffer.wrap(record.line()));
            pendingBytes += record.line().length;
            pendingLastSequence = record.sequence();
        }
        write(pending, pendingLastSequence);
    }

    private void write(List<ByteBuffer> pending, long lastSequence)
            throws IOException
    {
        if (pending.isEmpty()) {
            return;
        }
        ByteBuffer[] buffers = pending.toArray(ByteBuffer[]::new);
        pending.clear();
        try {
            AuditFiles.writeFully(channel, buffers);
        }
        catch (IOException e) {
            // part of a line may be in the file: the next delivery cuts it first, as at a start, and writes again
            try {
                channel.close();
            }
            catch (IOException closeFailure) {
                e.addSuppressed(closeFailure);
            }
            channel = null;
            repairBeforeNextWrite = true;
            throw new IOException(format("Cannot write audit file in %s: %s", directory, e), e);
        }
        channelSize = channel.position();
        lastStoredSequence = lastSequence;
    }

    @Override
    public void flush()
            throws IOException
    {
        // rotated files were forced when they were closed
        if (fsync && channel != null) {
            channel.force(false);
        }
    }

    private void rotate(long firstSequence)
            throws IOException
    {
        closeChannel();
        channel = AuditFiles.open(directory.resolve("audit-%020d.jsonl".formatted(firstSequence)));
        channelSize = channel.size();
        channel.position(channelSize);
        channelOpenedMillis = clock.millis();
        List<Path> files = listFiles();
        for (Path file : files.subList(0, Math.max(0, files.size() - maxFiles))) {
            try {
                Files.deleteIfExists(file);
                log.info("Audit file %s deleted (audit.file.max-files=%s)", file, maxFiles);
            }
            catch (IOException e) {
                log.error("Cannot delete audit file %s for retention (audit.file.max-files): %s", file, e);
            }
        }
    }

    List<Path> listFiles()
    {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(file -> FILE_NAME.matcher(file.getFileName().toString()).matches())
                    .sorted()
                    .collect(ImmutableList.toImmutableList());
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot list audit file directory " + directory, e);
        }
    }

    private void closeChannel()
            throws IOException
    {
        if (channel != null) {
            flush();
            channel.close();
            channel = null;
        }
    }

    @Override
    public void close()
    {
        try {
            closeChannel();
        }
        catch (IOException e) {
            log.error("Cannot close audit file in %s: %s", directory, e);
        }
    }
}
