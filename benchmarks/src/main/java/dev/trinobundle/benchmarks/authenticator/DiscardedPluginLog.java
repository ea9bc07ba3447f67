package dev.trinobundle.benchmarks.authenticator;

import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The Vault authenticator logs first logins and refusals at INFO (repeats of a verified credential at DEBUG). In Trino
 * those lines go to server.log through airlift's buffered handler; here they must not flood the JMH console. The level
 * stays INFO, so the cost of building the lines that are logged is measured; only the console I/O is left out.
 */
final class DiscardedPluginLog
{
    private static final Logger PLUGIN_LOGGER = Logger.getLogger("dev.trinobundle.authenticator");

    private DiscardedPluginLog() {}

    static void install()
    {
        PLUGIN_LOGGER.setLevel(Level.INFO);
        PLUGIN_LOGGER.setUseParentHandlers(false);
        for (Handler handler : PLUGIN_LOGGER.getHandlers()) {
            PLUGIN_LOGGER.removeHandler(handler);
        }
        PLUGIN_LOGGER.addHandler(new Handler()
        {
            @Override
            public void publish(LogRecord record)
            {
                // formatted like a real handler would, then dropped
                if (record.getMessage().isEmpty()) {
                    throw new IllegalStateException("empty log line");
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        });
    }
}
