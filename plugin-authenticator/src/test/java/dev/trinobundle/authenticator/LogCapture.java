package dev.trinobundle.authenticator;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Collects what the plugin logs (airlift's Logger writes to java.util.logging) so tests can read the lines. */
final class LogCapture
        implements AutoCloseable
{
    private final Logger logger = Logger.getLogger("dev.trinobundle.authenticator");
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

    LogCapture()
    {
        logger.setLevel(Level.ALL);
        logger.addHandler(handler);
    }

    List<String> messages()
    {
        return records.stream().map(record -> record.getLevel() + " " + record.getMessage()).toList();
    }

    List<String> messages(Level level)
    {
        return records.stream().filter(record -> record.getLevel().equals(level)).map(LogRecord::getMessage).toList();
    }

    @Override
    public void close()
    {
        logger.removeHandler(handler);
    }
}
