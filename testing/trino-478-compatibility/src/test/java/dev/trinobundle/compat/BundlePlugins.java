package dev.trinobundle.compat;

import io.trino.server.PluginManager;
import io.trino.spi.Plugin;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.Stream;

import static com.google.common.collect.MoreCollectors.onlyElement;

/**
 * Loads one of our plugin directories the way Trino's server does: its own class loader over the directory's jars,
 * sharing only the SPI packages with the engine ({@link PluginManager#createClassLoader}), and the {@link Plugin}
 * found through {@link ServiceLoader}. Nothing of the plugin is compiled or linked against the engine under test.
 */
final class BundlePlugins
{
    private BundlePlugins() {}

    static Plugin load(String pluginDirectoryName)
    {
        Path directory = Path.of(System.getProperty("trino.bundle.plugins.dir")).resolve(pluginDirectoryName);
        try (Stream<Path> files = Files.list(directory)) {
            List<URL> jars = files.filter(file -> file.toString().endsWith(".jar")).sorted().map(BundlePlugins::toUrl).toList();
            ClassLoader classLoader = PluginManager.createClassLoader(pluginDirectoryName, jars);
            return ServiceLoader.load(Plugin.class, classLoader).stream()
                    .map(ServiceLoader.Provider::get)
                    .collect(onlyElement());
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
}
