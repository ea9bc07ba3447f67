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
    // names the offset file, the JMX bean and the log messages
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
     * Stores the records in order, idempotently: after a failure or a crash the same records come again. Throws if
     * not all are stored; the batch is then retried.
     */
    void deliver(List<JournalRecord> records)
            throws Exception;

    // makes what deliver stored durable: the journal deletes what every sink committed
    default void flush()
            throws Exception
    {
    }

    // whether the destination refuses the records' data: such a record goes to the dead-letter file after a few tries
    default boolean isRecordError(Throwable failure)
    {
        return false;
    }

    // a description for the log and JMX without record content (no query text, no bound values)
    default String describe(Throwable failure)
    {
        return failure.toString();
    }

    // stores a signed checkpoint where the log's writer cannot rewrite it, if this destination can; idempotent
    default void storeCheckpoint(Checkpoints.Checkpoint checkpoint)
            throws Exception
    {
    }

    @Override
    void close();
}
