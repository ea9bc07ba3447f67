package dev.trinobundle.eventlistener;

import java.io.Closeable;
import java.util.List;
import java.util.OptionalLong;

/**
 * A destination of audit records. Called from a single background thread; never from Trino's threads.
 */
public interface AuditSink
        extends Closeable
{
    /**
     * Stable name, used for the committed-offset file and in JMX and log messages.
     */
    String name();

    /**
     * The last sequence number the destination itself is known to hold, if it can tell. Lets a sink skip records it
     * already has when the committed offset lags behind (the process was killed between delivery and commit).
     */
    default OptionalLong lastStoredSequence()
            throws Exception
    {
        return OptionalLong.empty();
    }

    /**
     * Where {@link #lastStoredSequence} was read, for an error message.
     */
    default String where()
    {
        return name();
    }

    /**
     * Stores the records, in order. Must be idempotent: after a failure or a crash the same records may be delivered
     * again. Throws if the records are not all stored; the batch is then retried.
     */
    void deliver(List<JournalRecord> records)
            throws Exception;

    /**
     * Whether a failure of {@link #deliver} is the records' fault (the destination refuses their data) rather than
     * the destination's: retrying such a record cannot help, so it goes to the dead-letter file after a few tries.
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
