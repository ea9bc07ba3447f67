package dev.trinobundle.eventlistener;

import java.io.Closeable;
import java.util.List;
import java.util.OptionalLong;

/**
 * A destination of audit records. Called from a single background thread; never from Trino's threads.
 */
interface AuditSink
        extends Closeable
{
    /**
     * Stable name, used for the committed-offset file and in JMX and log messages.
     */
    String name();

    /**
     * The last sequence number the destination itself holds, if it can tell: it may hold more than the committed
     * offset says (killed between delivery and commit).
     */
    default OptionalLong lastStoredSequence()
    {
        return OptionalLong.empty();
    }

    /**
     * Stores the records, in order. Must be idempotent: after a failure or a crash the same records may be delivered
     * again. Throws if the records are not all stored; the batch is then retried.
     */
    void deliver(List<JournalRecord> records)
            throws Exception;

    /**
     * Makes what {@link #deliver} stored durable; called before the sink's offset is committed, since the journal
     * deletes what every sink committed.
     */
    default void flush()
            throws Exception
    {
    }

    /**
     * Whether a failure of {@link #deliver} is the records' fault (the destination refuses their data): retrying
     * cannot help, so such a record goes to the dead-letter file after a few tries.
     */
    default boolean isRecordError(Throwable failure)
    {
        return false;
    }

    /**
     * A description of a failure for the log and JMX that holds no record content (no query text, no bound values).
     */
    default String describe(Throwable failure)
    {
        return failure.toString();
    }

    /**
     * Stores a signed checkpoint where the log's writer cannot rewrite it, if this destination can. Idempotent.
     */
    default void storeCheckpoint(Checkpoints.Checkpoint checkpoint)
            throws Exception
    {
    }

    @Override
    void close();
}
