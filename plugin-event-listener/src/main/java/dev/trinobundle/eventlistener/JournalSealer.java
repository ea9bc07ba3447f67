package dev.trinobundle.eventlistener;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Map;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static java.util.Objects.requireNonNull;

/**
 * Hash-chains journal records after Trino's thread has written them: reads the records written since the last call,
 * fills in their prevHash and hash placeholders and writes them back in place (one write per batch and segment).
 * <p>
 * Why not on Trino's thread: SHA-256 over a 2.5 KB record is about 2 µs, a quarter of the calling-thread cost. The
 * record is durable (in the page cache) as soon as it is written, unsealed; sinks only read sealed records, and a
 * restart seals whatever a killed process left unsealed. The chain is the same either way: a pure function of the
 * records in sequence order.
 */
final class JournalSealer
        implements Closeable
{
    private static final int BATCH_BYTES = 1 << 20;

    private final AuditJournal journal;
    private final MessageDigest digest = AuditRecordFormat.newDigest();
    private final byte[] hash = new byte[64];
    // guarded by this: the hash of the last record sealed in memory, and of the last one written back sealed
    private final byte[] chainHead = new byte[64];
    private final byte[] sealedHead = new byte[64];
    private JournalReader reader;
    private ByteBuffer batchBuffer = ByteBuffer.allocate(BATCH_BYTES);
    private volatile long sealedSequence;

    /**
     * @param sealedSequence the last sealed record (0 if none)
     * @param chainHead its hash, or the genesis hash
     */
    JournalSealer(AuditJournal journal, long sealedSequence, String chainHead)
    {
        this.journal = requireNonNull(journal, "journal is null");
        this.sealedSequence = sealedSequence;
        setChainHead(chainHead);
    }

    long sealedSequence()
    {
        return sealedSequence;
    }

    synchronized String chainHead()
    {
        return new String(chainHead, US_ASCII);
    }

    /**
     * Continues after records the journal lost (see {@link AuditJournal#continueAfter}): the next record is chained to
     * the last sealed one.
     */
    synchronized void skipTo(long sequence)
    {
        if (sequence > sealedSequence) {
            closeReader();
            sealedSequence = sequence;
        }
    }

    /**
     * Seals every record written so far.
     *
     * @return the last sealed sequence number
     */
    synchronized long seal()
            throws IOException
    {
        try {
            sealWritten();
        }
        catch (IOException | RuntimeException e) {
            // start again from the last record sealed in the file
            closeReader();
            batchBuffer.clear();
            System.arraycopy(sealedHead, 0, chainHead, 0, 64);
            throw e;
        }
        return sealedSequence;
    }

    private void sealWritten()
            throws IOException
    {
        if (reader == null) {
            reader = new JournalReader(journal, sealedSequence + 1, journal::getLastWrittenSequence, true);
        }
        // consecutive records of one segment, sealed in memory, written back with one call
        Path batchSegment = null;
        long batchPosition = -1;
        ByteBuffer batch = null;
        long batchLastSequence = sealedSequence;
        JournalRecord record;
        while ((record = reader.next()) != null) {
            byte[] line = record.line();
            if (record.sequence() <= batchLastSequence) {
                throw new IOException("Audit journal %s: record %s follows record %s; cannot continue the hash chain".formatted(
                        journal.getDirectory(), record.sequence(), batchLastSequence));
            }
            // a higher number: records the journal does not have (the reader logged them); the chain goes on from
            // the last record there is, and verify shows the gap
            if (AuditRecordFormat.isSealed(line, 0, line.length)) {
                // sealed before a restart: keep it and continue the chain from its hash
                flush(batchSegment, batchPosition, batch, batchLastSequence);
                batch = null;
                System.arraycopy(line, AuditRecordFormat.hashOffset(line), chainHead, 0, 64);
                System.arraycopy(chainHead, 0, sealedHead, 0, 64);
                sealedSequence = record.sequence();
                batchLastSequence = record.sequence();
                continue;
            }
            boolean contiguous = batch != null && reader.segment().equals(batchSegment) && reader.lastRecordPosition() == batchPosition + batch.position();
            if (!contiguous || batch.remaining() < line.length) {
                flush(batchSegment, batchPosition, batch, batchLastSequence);
                if (batchBuffer.capacity() < line.length) {
                    batchBuffer = ByteBuffer.allocate(line.length);
                }
                // empty even if the last call failed halfway through a batch
                batch = batchBuffer.clear();
                batchSegment = reader.segment();
                batchPosition = reader.lastRecordPosition();
            }
            AuditRecordFormat.seal(line, 0, line.length, chainHead, digest, hash);
            System.arraycopy(hash, 0, chainHead, 0, 64);
            batch.put(line);
            batchLastSequence = record.sequence();
        }
        flush(batchSegment, batchPosition, batch, batchLastSequence);
    }

    private void flush(Path segment, long position, ByteBuffer batch, long lastSequence)
            throws IOException
    {
        if (batch == null || batch.position() == 0) {
            return;
        }
        batch.flip();
        // the same bytes with the hashes filled in, over records the writer no longer touches
        try (FileChannel channel = FileChannel.open(segment, WRITE)) {
            long at = position;
            while (batch.hasRemaining()) {
                at += channel.write(batch, at);
            }
            if (journal.getFsyncPolicy() != FsyncPolicy.NONE && !segment.equals(journal.segments().lastEntry().getValue())) {
                // an older segment was fsynced when it was finished, maybe before these hashes: only the newest one
                // is forced periodically
                channel.force(false);
            }
        }
        finally {
            batch.clear();
        }
        System.arraycopy(chainHead, 0, sealedHead, 0, 64);
        // published after the bytes are in the file: a sink that sees this number reads sealed records
        sealedSequence = lastSequence;
    }

    private void setChainHead(String hash)
    {
        byte[] bytes = hash.getBytes(US_ASCII);
        if (bytes.length != 64) {
            throw new IllegalArgumentException("invalid chain head: " + hash);
        }
        System.arraycopy(bytes, 0, chainHead, 0, 64);
        System.arraycopy(bytes, 0, sealedHead, 0, 64);
    }

    /**
     * Finds where sealing stopped when the journal was last used: the newest segment whose first record is sealed
     * holds the last sealed record (records are sealed in order, and the segment holding the last sealed record is
     * never deleted). Records before the first segment start a new chain only if the journal starts at record 1.
     */
    static JournalSealer recover(AuditJournal journal)
    {
        Map.Entry<Long, Path> start = null;
        for (Map.Entry<Long, Path> segment : journal.segments().descendingMap().entrySet()) {
            byte[] first = firstLine(segment.getValue());
            if (first != null && AuditRecordFormat.isSealed(first, 0, first.length)) {
                start = segment;
                break;
            }
        }
        if (start == null) {
            Map.Entry<Long, Path> oldest = journal.segments().firstEntry();
            if (oldest != null && oldest.getKey() > 1) {
                throw new IllegalStateException(("Audit journal %s: no sealed record, and the journal starts at record %s, so the hash chain cannot be continued. " +
                        "Move the journal directory aside (its records are in it, unsealed) and start again").formatted(journal.getDirectory(), oldest.getKey()));
            }
            return new JournalSealer(journal, 0, AuditRecordFormat.GENESIS_HASH);
        }
        // The first seal() walks on from the start of that segment: it takes the hash of every sealed record it meets
        // and chains the first unsealed one to the last of them, so no chain head is needed here.
        return new JournalSealer(journal, start.getKey() - 1, AuditRecordFormat.GENESIS_HASH);
    }

    private static byte[] firstLine(Path segment)
    {
        try (FileChannel channel = FileChannel.open(segment, READ);
                JournalSegmentScanner scanner = new JournalSegmentScanner(channel, 0)) {
            JournalRecord record = scanner.next();
            return record == null ? null : record.line();
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot read audit journal segment " + segment, e);
        }
    }

    @Override
    public synchronized void close()
    {
        closeReader();
    }

    private void closeReader()
    {
        if (reader != null) {
            try {
                reader.close();
            }
            catch (IOException ignored) {
                // reading only
            }
            reader = null;
        }
    }
}
