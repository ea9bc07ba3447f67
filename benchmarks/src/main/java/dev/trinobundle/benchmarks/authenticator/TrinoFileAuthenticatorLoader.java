package dev.trinobundle.benchmarks.authenticator;

import io.trino.spi.Plugin;
import io.trino.spi.security.PasswordAuthenticator;
import io.trino.spi.security.PasswordAuthenticatorFactory;

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
 * Trino's built-in {@code file} password authenticator, loaded the way the server loads plugins: a class loader over the
 * jars of {@code plugin/password-authenticators} from the real 476 tarball, {@link ServiceLoader} for the {@link Plugin},
 * then the factory named {@code file}, created with the plugin's class loader as the context class loader.
 */
final class TrinoFileAuthenticatorLoader
{
    private TrinoFileAuthenticatorLoader() {}

    static PasswordAuthenticator create(Map<String, String> config)
    {
        String pluginsDir = System.getProperty("trino.builtin.plugins.dir");
        if (pluginsDir == null) {
            throw new IllegalStateException("System property trino.builtin.plugins.dir is not set: run the benchmarks through ./benchmarks/run");
        }
        Path directory = Path.of(pluginsDir, "password-authenticators");
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
        ClassLoader pluginLoader = new URLClassLoader("password-authenticators", jars, TrinoFileAuthenticatorLoader.class.getClassLoader());
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(pluginLoader);
        try {
            for (Plugin plugin : ServiceLoader.load(Plugin.class, pluginLoader)) {
                for (PasswordAuthenticatorFactory factory : plugin.getPasswordAuthenticatorFactories()) {
                    if (factory.getName().equals("file")) {
                        return factory.create(config);
                    }
                }
            }
        }
        finally {
            thread.setContextClassLoader(previous);
        }
        throw new IllegalStateException("No password authenticator named 'file' in " + directory);
    }
}
