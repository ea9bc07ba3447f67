package dev.trinobundle.benchmarks.eventlistener;

import io.trino.spi.Plugin;
import io.trino.spi.eventlistener.EventListener;
import io.trino.spi.eventlistener.EventListenerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Stream;

/**
 * Trino's built-in {@code http} event listener, loaded the way the server loads plugins: a class loader over the jars
 * of {@code plugin/http-event-listener} from the real 476 tarball, {@link ServiceLoader} for the {@link Plugin}, then
 * the factory named {@code http}, created with the plugin's class loader as the context class loader.
 */
final class TrinoHttpEventListenerLoader
{
    private TrinoHttpEventListenerLoader() {}

    static EventListener create(Map<String, String> config)
    {
        String pluginsDir = System.getProperty("trino.builtin.plugins.dir");
        if (pluginsDir == null) {
            throw new IllegalStateException("System property trino.builtin.plugins.dir is not set: run the benchmarks through ./benchmarks/run");
        }
        Path directory = Path.of(pluginsDir, "http-event-listener");
        URL[] jars;
        try (Stream<Path> files = Files.list(directory)) {
            List<Path> paths = files.filter(path -> path.toString().endsWith(".jar")).sorted().toList();
            jars = new URL[paths.size()];
            for (int i = 0; i < jars.length; i++) {
                jars[i] = paths.get(i).toUri().toURL();
            }
        }
        catch (MalformedURLException e) {
            throw new IllegalStateException(e);
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot list the Trino plugin directory " + directory, e);
        }
        ClassLoader pluginLoader = new URLClassLoader("http-event-listener", jars, TrinoHttpEventListenerLoader.class.getClassLoader());
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(pluginLoader);
        try {
            for (Plugin plugin : ServiceLoader.load(Plugin.class, pluginLoader)) {
                for (EventListenerFactory factory : plugin.getEventListenerFactories()) {
                    if (factory.getName().equals("http")) {
                        return factory.create(config, new BenchmarkEventListenerContext());
                    }
                }
            }
        }
        finally {
            thread.setContextClassLoader(previous);
        }
        throw new IllegalStateException("No event listener named 'http' in " + directory);
    }
}
