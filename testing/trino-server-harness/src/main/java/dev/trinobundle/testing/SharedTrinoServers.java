package dev.trinobundle.testing;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Servers shared by several test classes of one test run, so that a suite starts as few servers as it needs. They are
 * stopped when the JUnit launcher session ends ({@link SharedTrinoServersCloser}) or, at the latest, at JVM exit.
 */
public final class SharedTrinoServers
{
    private static final Map<String, TrinoServer> SERVERS = new ConcurrentHashMap<>();

    private SharedTrinoServers() {}

    public static TrinoServer getOrStart(String key, Supplier<TrinoServer.Builder> builder)
    {
        return SERVERS.computeIfAbsent(key, _ -> builder.get().start());
    }

    static void closeAll()
    {
        SERVERS.values().forEach(TrinoServer::close);
        SERVERS.clear();
    }
}
