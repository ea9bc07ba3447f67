package dev.trinobundle.accesscontrol.groups;

import com.google.common.base.Ticker;
import com.google.inject.Injector;
import io.airlift.bootstrap.Bootstrap;
import io.airlift.configuration.ConfigBinder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;

import static io.airlift.concurrent.Threads.daemonThreadsNamed;
import static java.util.concurrent.TimeUnit.SECONDS;

/**
 * One {@link KeycloakGroupProvider} per configuration in this plugin's class loader: Trino's group provider manager
 * (through {@link KeycloakGroupProviderFactory}) and the access control (through {@link ConfiguredGroups}) read the
 * same properties, so they share one cache and Keycloak sees one lookup per user and TTL, not two.
 */
public final class KeycloakGroupProviders
{
    private static final Map<Map<String, String>, KeycloakGroupProvider> SHARED = new ConcurrentHashMap<>();

    private KeycloakGroupProviders() {}

    public static KeycloakGroupProvider shared(Map<String, String> properties)
    {
        Map<String, String> config = Map.copyOf(properties);
        return SHARED.computeIfAbsent(config, KeycloakGroupProviders::create);
    }

    private static KeycloakGroupProvider create(Map<String, String> properties)
    {
        Map<String, String> withoutName = new java.util.HashMap<>(properties);
        withoutName.remove("group-provider.name");
        Injector injector = new Bootstrap(binder -> ConfigBinder.configBinder(binder).bindConfig(KeycloakGroupProviderConfig.class))
                .doNotInitializeLogging()
                .setRequiredConfigurationProperties(withoutName)
                .initialize();
        KeycloakGroupProviderConfig config = injector.getInstance(KeycloakGroupProviderConfig.class);
        if ((config.getClientSecret() == null) == (config.getClientSecretFile() == null)) {
            throw new IllegalArgumentException("group-provider.name=keycloak: set exactly one of keycloak.client-secret (e.g. ${ENV:KEYCLOAK_GROUPS_CLIENT_SECRET}) and keycloak.client-secret-file");
        }
        String secret = config.getClientSecret() != null ? config.getClientSecret() : readSecret(Path.of(config.getClientSecretFile()));
        KeycloakClient client = new KeycloakClient(config, secret);
        return new KeycloakGroupProvider(client::groups, lookupExecutor(config, "keycloak-group-refresh-%s"), lookupExecutor(config, "keycloak-group-lookup-%s"), Ticker.systemTicker(), config);
    }

    /**
     * Bounded: the names looked up are chosen by any authenticated client (see {@link KeycloakGroupProvider}). Lookups
     * beyond the queue are refused at once; a queued one older than the lookup timeout is of no use to its caller anyway.
     */
    static ExecutorService lookupExecutor(KeycloakGroupProviderConfig config, String threadNames)
    {
        int threads = config.getMaxConcurrentLookups();
        return new ThreadPoolExecutor(threads, threads, 0, SECONDS, new ArrayBlockingQueue<>(threads * 8), daemonThreadsNamed(threadNames));
    }

    private static String readSecret(Path file)
    {
        try {
            String secret = Files.readString(file).strip();
            if (secret.isEmpty()) {
                throw new IllegalArgumentException("keycloak.client-secret-file " + file + " is empty");
            }
            return secret;
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot read keycloak.client-secret-file " + file, e);
        }
    }
}
