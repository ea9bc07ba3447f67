package dev.trinobundle.benchmarks;

import io.trino.spi.Plugin;
import io.trino.spi.classloader.ThreadContextClassLoader;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Trino's built-in plugins that are not published as jars (the {@code file} password authenticator, the {@code http}
 * event listener), loaded the way the server loads plugins: a class loader over the jars of {@code plugin/<name>} from
 * the real tarball (unpacked by the build, directory in system property {@code trino.builtin.plugins.dir}),
 * {@link ServiceLoader} for the {@link Plugin}, and the factory called with the plugin's class loader as the context
 * class loader.
 */
public final class TrinoBuiltinPlugins
{
    private TrinoBuiltinPlugins() {}

    /** Calls {@code create} on the plugin in {@code plugin/<pluginDirectory>}; it returns empty for plugins it skips. */
    public static <T> T create(String pluginDirectory, Function<Plugin, Optional<T>> create)
    {
        String pluginsDir = System.getProperty("trino.builtin.plugins.dir");
        if (pluginsDir == null) {
            throw new IllegalStateException("System property trino.builtin.plugins.dir is not set: run the benchmarks through ./benchmarks/run");
        }
        Path directory = Path.of(pluginsDir, pluginDirectory);
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
        ClassLoader pluginLoader = new URLClassLoader(pluginDirectory, jars, TrinoBuiltinPlugins.class.getClassLoader());
        try (ThreadContextClassLoader _ = new ThreadContextClassLoader(pluginLoader)) {
            for (Plugin plugin : ServiceLoader.load(Plugin.class, pluginLoader)) {
                Optional<T> created = create.apply(plugin);
                if (created.isPresent()) {
                    return created.get();
                }
            }
        }
        throw new IllegalStateException("No matching factory in " + directory);
    }
}
