package dev.trinobundle.it.deployment;

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

import static dev.trinobundle.testing.TrinoServer.BUNDLE_PLUGINS_DIR_PROPERTY;

/**
 * Loads one of our plugin directories, as built, the way Trino's PluginManager does: a class loader over the directory's
 * jars whose parent is the platform class loader (so nothing of the test class path leaks in), sharing only the SPI
 * packages with the caller, and the {@link Plugin} found through {@link ServiceLoader}.
 */
final class BundlePluginDirectories
{
    // the packages Trino's PluginClassLoader takes from the engine (io.trino.server.PluginManager SPI_PACKAGES)
    private static final List<String> SPI_PACKAGES = List.of(
            "io.trino.spi.",
            "com.fasterxml.jackson.annotation.",
            "io.airlift.slice.",
            "org.openjdk.jol.",
            "io.opentelemetry.api.",
            "io.opentelemetry.context.");

    private BundlePluginDirectories() {}

    static Plugin load(String pluginDirectoryName)
    {
        Path directory = Path.of(System.getProperty(BUNDLE_PLUGINS_DIR_PROPERTY)).resolve(pluginDirectoryName);
        try (Stream<Path> files = Files.list(directory)) {
            URL[] jars = files.filter(file -> file.toString().endsWith(".jar")).sorted().map(BundlePluginDirectories::toUrl).toArray(URL[]::new);
            ClassLoader classLoader = new PluginClassLoader(pluginDirectoryName, jars, BundlePluginDirectories.class.getClassLoader());
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
