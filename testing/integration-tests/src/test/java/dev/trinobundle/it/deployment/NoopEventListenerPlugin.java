package dev.trinobundle.it.deployment;

import io.trino.spi.Plugin;
import io.trino.spi.eventlistener.EventListener;
import io.trino.spi.eventlistener.EventListenerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

/**
 * A listener that does nothing ({@code event-listener.name=noop}): Trino still builds every query's events for it,
 * which is the floor any listener pays. For {@link OverheadBenchmark} only; never shipped.
 */
public final class NoopEventListenerPlugin
        implements Plugin
{
    @Override
    public Iterable<EventListenerFactory> getEventListenerFactories()
    {
        return List.of(new Factory());
    }

    public static final class Factory
            implements EventListenerFactory
    {
        @Override
        public String getName()
        {
            return "noop";
        }

        @Override
        public EventListener create(Map<String, String> config, EventListenerContext context)
        {
            return new Listener();
        }
    }

    public static final class Listener
            implements EventListener {}

    /**
     * Writes this plugin as a plugin directory (one jar) under a server's {@code plugin/} directory.
     */
    static void install(Path pluginDirectory)
            throws IOException
    {
        Path directory = Files.createDirectories(pluginDirectory.resolve("noop-event-listener"));
        try (OutputStream file = Files.newOutputStream(directory.resolve("noop-event-listener.jar"));
                JarOutputStream jar = new JarOutputStream(file)) {
            jar.putNextEntry(new JarEntry("META-INF/services/" + Plugin.class.getName()));
            jar.write(NoopEventListenerPlugin.class.getName().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            for (Class<?> type : List.of(NoopEventListenerPlugin.class, Factory.class, Listener.class)) {
                String name = type.getName().replace('.', '/') + ".class";
                jar.putNextEntry(new JarEntry(name));
                try (var in = type.getClassLoader().getResourceAsStream(name)) {
                    in.transferTo(jar);
                }
            }
        }
    }
}
