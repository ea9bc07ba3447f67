package dev.trinobundle.accesscontrol.groups;

import com.google.common.base.Ticker;
import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import io.airlift.log.Logger;
import io.trino.spi.security.GroupProvider;

import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static java.util.Objects.requireNonNull;
import static java.util.concurrent.TimeUnit.NANOSECONDS;

/**
 * A user's Keycloak groups, cached. An answer younger than half the TTL is used as is; an older one is used while a
 * background refresh runs, so active users are re-read about twice per TTL whatever their login rate. Past the TTL the
 * caller waits (at most {@code keycloak.lookup-timeout}) for a fresh answer, and gets the last known groups if
 * Keycloak does not answer and they are within the stale window. A cold miss that Keycloak does not answer in time,
 * or an answer older than TTL + stale window, throws: Trino then rejects the request, and the access control denies
 * the impersonation, rather than deciding as if the user were in no group (which would skip group deny rules).
 * <p>
 * Trino asks for the groups of the requested user ({@code X-Trino-User}) before the access control decides on the
 * impersonation, so any authenticated client chooses the names looked up. Hence: lookups run on bounded pools with
 * bounded queues (a flood of names is refused at once); the refreshes of users Keycloak knows have a pool of their own,
 * which no client can fill with made-up names, so a removal from a group still takes effect within the TTL during a
 * flood; and names Keycloak does not know are cached apart, so that a flood of made-up names evicts only its own kind.
 */
public final class KeycloakGroupProvider
        implements GroupProvider
{
    private static final Logger log = Logger.get(KeycloakGroupProvider.class);

    interface Loader
    {
        /** The user's groups, or empty when Keycloak has no such user. */
        Optional<Set<String>> groups(String user)
                throws Exception;
    }

    private record Entry(Set<String> groups, long loadedNanos) {}

    private final Loader loader;
    private final ExecutorService knownUserRefreshes;
    private final ExecutorService lookups;
    private final Ticker ticker;
    private final long ttlNanos;
    private final long staleNanos;
    private final long timeoutNanos;
    private final Cache<String, Entry> cache;
    private final Cache<String, Entry> unknownUsers;
    private final ConcurrentMap<String, CompletableFuture<Entry>> loading = new ConcurrentHashMap<>();

    /**
     * @param knownUserRefreshes refreshes of users Keycloak knows (cached with an answer)
     * @param lookups cold lookups and refreshes of names Keycloak does not know: the names any client can choose
     */
    KeycloakGroupProvider(Loader loader, ExecutorService knownUserRefreshes, ExecutorService lookups, Ticker ticker, KeycloakGroupProviderConfig config)
    {
        this.loader = requireNonNull(loader, "loader is null");
        this.knownUserRefreshes = requireNonNull(knownUserRefreshes, "knownUserRefreshes is null");
        this.lookups = requireNonNull(lookups, "lookups is null");
        this.ticker = requireNonNull(ticker, "ticker is null");
        this.ttlNanos = config.getCacheTtl().roundTo(NANOSECONDS);
        this.staleNanos = config.getStaleWindow().roundTo(NANOSECONDS);
        this.timeoutNanos = config.getLookupTimeout().roundTo(NANOSECONDS);
        this.cache = newCache(config.getCacheMaximumSize());
        this.unknownUsers = newCache(Math.max(config.getCacheMaximumSize() / 10, 1));
    }

    private Cache<String, Entry> newCache(long maximumSize)
    {
        return CacheBuilder.newBuilder()
                .maximumSize(maximumSize)
                .expireAfterWrite(ttlNanos + staleNanos, NANOSECONDS)
                .ticker(ticker)
                .build();
    }

    @Override
    public Set<String> getGroups(String user)
    {
        requireNonNull(user, "user is null");
        Entry known = cache.getIfPresent(user);
        Entry entry = known != null ? known : unknownUsers.getIfPresent(user);
        long now = ticker.read();
        if (entry != null) {
            long age = now - entry.loadedNanos();
            if (age < ttlNanos / 2) {
                return entry.groups();
            }
            try {
                CompletableFuture<Entry> refresh = load(user, known != null ? knownUserRefreshes : lookups);
                if (age < ttlNanos) {
                    return entry.groups();
                }
                return await(refresh).groups();
            }
            catch (RuntimeException e) {
                if (age < ttlNanos + staleNanos) {
                    if (age >= ttlNanos) {
                        log.warn("Using the groups of %s read %ss ago: %s", user, NANOSECONDS.toSeconds(age), e.getMessage());
                    }
                    return entry.groups();
                }
                throw e;
            }
        }
        return await(load(user, lookups)).groups();
    }

    private CompletableFuture<Entry> load(String user, ExecutorService executor)
    {
        CompletableFuture<Entry> future;
        try {
            future = loading.computeIfAbsent(user, _ -> CompletableFuture.supplyAsync(() -> {
                try {
                    Optional<Set<String>> groups = loader.groups(user);
                    Entry loaded = new Entry(Set.copyOf(groups.orElse(Set.of())), ticker.read());
                    if (groups.isPresent()) {
                        cache.put(user, loaded);
                        unknownUsers.invalidate(user);
                    }
                    else {
                        unknownUsers.put(user, loaded);
                        cache.invalidate(user);
                    }
                    return loaded;
                }
                catch (Exception e) {
                    if (e instanceof InterruptedException) {
                        Thread.currentThread().interrupt();
                    }
                    throw new GroupLookupException("Cannot read the groups of %s from Keycloak: %s".formatted(user, e.getMessage()), e);
                }
            }, executor));
        }
        catch (RejectedExecutionException e) {
            throw new GroupLookupException("Too many group lookups are waiting for Keycloak (keycloak.max-concurrent-lookups)", e);
        }
        // registered once the future is in the map: a load that finished before that point would otherwise run the
        // removal inside computeIfAbsent (a no-op there) and stay in the map, answering every later load forever
        future.whenComplete((_, _) -> loading.remove(user, future));
        return future;
    }

    private Entry await(CompletableFuture<Entry> future)
    {
        try {
            return future.get(timeoutNanos, NANOSECONDS);
        }
        catch (TimeoutException e) {
            throw new GroupLookupException("Keycloak did not answer the group lookup within %sms (keycloak.lookup-timeout)".formatted(TimeUnit.NANOSECONDS.toMillis(timeoutNanos)), e);
        }
        catch (ExecutionException e) {
            throw e.getCause() instanceof GroupLookupException lookup ? new GroupLookupException(lookup.getMessage(), lookup) : new GroupLookupException(e.getMessage(), e);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GroupLookupException("Interrupted while reading groups from Keycloak", e);
        }
    }

    void shutdown()
    {
        knownUserRefreshes.shutdownNow();
        lookups.shutdownNow();
    }

    public static final class GroupLookupException
            extends RuntimeException
    {
        GroupLookupException(String message, Throwable cause)
        {
            super(message, cause);
        }
    }
}
