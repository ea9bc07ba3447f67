package dev.trinobundle.benchmarks;

import dev.trinobundle.testing.PluginDirectory;
import dev.trinobundle.testing.TrinoDistribution;
import io.trino.spi.Plugin;
import io.trino.spi.classloader.ThreadContextClassLoader;

import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Function;

/**
 * Trino's built-in plugins that are not published as jars (the {@code file} password authenticator and group provider,
 * the {@code http} event listener), loaded from {@code plugin/<name>} of the real tarball (unpacked by the harness's
 * {@link TrinoDistribution}) the way the server loads plugins, and the factory called with the plugin's class loader as
 * the context class loader.
 */
public final class TrinoBuiltinPlugins
{
    private TrinoBuiltinPlugins() {}

    /** Calls {@code create} on the plugin in {@code plugin/<pluginDirectory>}; it returns empty for plugins it skips. */
    public static <T> T create(String pluginDirectory, Function<Plugin, Optional<T>> create)
    {
        // the tarball's path and the work directory are system properties set by ./benchmarks/run
        Path directory = TrinoDistribution.get().bundledPlugin(pluginDirectory);
        Plugin plugin = PluginDirectory.load(directory);
        try (ThreadContextClassLoader _ = new ThreadContextClassLoader(plugin.getClass().getClassLoader())) {
            return create.apply(plugin).orElseThrow(() -> new IllegalStateException("No matching factory in " + directory));
        }
    }
}
