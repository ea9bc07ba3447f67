package dev.trinobundle.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Collects what a plugin logs under a logger name (airlift's Logger writes to java.util.logging), for tests to read. */
public final class LogCapture
        implements AutoCloseable
{
    private final Logger logger;
    private final Level previousLevel;
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final Handler handler = new Handler()
    {
        @Override
        public void publish(LogRecord record)
        {
            records.add(record);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    public LogCapture(String loggerName)
    {
        logger = Logger.getLogger(loggerName);
        previousLevel = logger.getLevel();
        logger.setLevel(Level.ALL);
        logger.addHandler(handler);
    }

    /** Every message, each prefixed with its level ({@code "WARNING message"}). */
    public List<String> messages()
    {
        return records.stream().map(record -> record.getLevel() + " " + record.getMessage()).toList();
    }

    public List<String> messages(Level level)
    {
        return records.stream().filter(record -> record.getLevel().equals(level)).map(LogRecord::getMessage).toList();
    }

    public List<LogRecord> records()
    {
        return List.copyOf(records);
    }

    @Override
    public void close()
    {
        logger.removeHandler(handler);
        logger.setLevel(previousLevel);
    }
}
