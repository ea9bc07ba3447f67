package dev.trinobundle.testing;

import io.trino.spi.Plugin;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.Stream;

/**
 * Loads a plugin directory (ours as built, or one of the server tarball's) the way Trino's PluginManager does: a class
 * loader over the directory's jars whose parent is the platform class loader, so nothing of the caller's class path
 * leaks in, sharing only the SPI packages with the caller; the {@link Plugin} comes from {@link ServiceLoader}.
 * (Trino 476's PluginManager is not published as a jar; the 478 tests use the real one.)
 */
public final class PluginDirectory
{
    // the packages Trino's PluginClassLoader takes from the engine (io.trino.server.PluginManager SPI_PACKAGES)
    private static final List<String> SPI_PACKAGES = List.of(
            "io.trino.spi.",
            "com.fasterxml.jackson.annotation.",
            "io.airlift.slice.",
            "org.openjdk.jol.",
            "io.opentelemetry.api.",
            "io.opentelemetry.context.");

    private PluginDirectory() {}

    /** One of our plugin directories as the build unpacked them (system property {@value TrinoServer#BUNDLE_PLUGINS_DIR_PROPERTY}). */
    public static Plugin bundlePlugin(String pluginDirectoryName)
    {
        String pluginsDir = System.getProperty(TrinoServer.BUNDLE_PLUGINS_DIR_PROPERTY);
        if (pluginsDir == null) {
            throw new IllegalStateException("System property %s is not set: the module's build unpacks the plugin directories".formatted(TrinoServer.BUNDLE_PLUGINS_DIR_PROPERTY));
        }
        return load(Path.of(pluginsDir).resolve(pluginDirectoryName));
    }

    public static Plugin load(Path directory)
    {
        try (Stream<Path> files = Files.list(directory)) {
            URL[] jars = files.filter(file -> file.toString().endsWith(".jar")).sorted().map(PluginDirectory::toUrl).toArray(URL[]::new);
            ClassLoader classLoader = new PluginClassLoader(directory.getFileName().toString(), jars, PluginDirectory.class.getClassLoader());
            List<Plugin> plugins = ServiceLoader.load(Plugin.class, classLoader).stream().map(ServiceLoader.Provider::get).toList();
            if (plugins.size() != 1) {
                throw new IllegalStateException("Expected one io.trino.spi.Plugin in " + directory + ", found " + plugins);
            }
            return plugins.getFirst();
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot read plugin directory " + directory, e);
        }
    }

    private static URL toUrl(Path path)
    {
        try {
            return path.toUri().toURL();
        }
        catch (MalformedURLException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final class PluginClassLoader
            extends URLClassLoader
    {
        private final ClassLoader spiClassLoader;

        PluginClassLoader(String name, URL[] urls, ClassLoader spiClassLoader)
        {
            super(name, urls, ClassLoader.getPlatformClassLoader());
            this.spiClassLoader = spiClassLoader;
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve)
                throws ClassNotFoundException
        {
            if (SPI_PACKAGES.stream().anyMatch(name::startsWith)) {
                return spiClassLoader.loadClass(name);
            }
            return super.loadClass(name, resolve);
        }
    }
}
