package dev.trinobundle.authenticator;

import com.google.common.base.Ticker;
import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import com.google.common.collect.ImmutableMap;
import com.google.common.util.concurrent.RateLimiter;
import io.airlift.log.Logger;
import io.airlift.units.Duration;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static java.util.Objects.requireNonNull;
import static java.util.concurrent.TimeUnit.NANOSECONDS;

/**
 * Secrets read from Vault, by path. A secret is used for {@code ttl}; after three quarters of it a login triggers a
 * background refresh and gets the cached copy at once, so logins do not wait for Vault while the cache is warm.
 * Concurrent misses of one path share one Vault request. When Vault fails, a secret past its TTL is still used for
 * {@code staleWindow} (with one WARN per secret); after that, reads fail closed.
 * Absent secrets (404) of paths not cached yet go to a separate, bounded LRU cache, so unknown users do not cost a Vault
 * request per attempt, and a flood of made-up user names (PER_USER) only evicts other made-up names, never a real
 * user's secret. What a login with nothing cached can trigger is bounded: at most {@code maxConcurrentLoads} such
 * reads at once, at most {@code maxColdLoadsPerSecond} started per second, at most {@code maxConcurrentLoads} logins
 * waiting for their turn, and no login waits longer than {@code loadTimeout} in all. A login refused by those bounds gets
 * {@link Lookup#SATURATED}, which the authenticator answers like a wrong password, cached name or not.
 */
final class SecretCache
{
    private static final Logger log = Logger.get(SecretCache.class);

    interface Loader
    {
        Optional<Map<String, String>> load(String path);
    }

    /** What a login learns: the secret or its absence, or nothing because the bounds on cold loads were reached. */
    record Lookup(Optional<Map<String, String>> secret, boolean saturated)
    {
        static final Lookup SATURATED = new Lookup(Optional.empty(), true);

        static Lookup of(Optional<Map<String, String>> secret)
        {
            return new Lookup(secret, false);
        }
    }

    private static final class Entry
    {
        final Optional<Map<String, String>> secret;
        final long fetchedAt;
        volatile long lastAccess;
        volatile boolean refreshFailing;
        volatile long retryNotBefore;
        final AtomicBoolean staleWarned = new AtomicBoolean();

        Entry(Optional<Map<String, String>> secret, long fetchedAt)
        {
            this.secret = secret;
            this.fetchedAt = fetchedAt;
            this.lastAccess = fetchedAt;
        }
    }

    private final Loader loader;
    private final Executor executor;
    private final Ticker ticker;
    private final long ttlNanos;
    private final long refreshAfterNanos;
    private final long staleNanos;
    private final int maxEntries;
    private final long failureBackoffNanos;
    private final long loadTimeoutNanos;
    private final int maxConcurrentLoads;
    private final Semaphore coldLoads;
    private final AtomicInteger coldLoadsWaiting = new AtomicInteger();
    private final RateLimiter coldLoadRate;
    private final Cache<String, Boolean> absent;
    private final ConcurrentMap<String, Entry> entries = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, CompletableFuture<Entry>> inFlight = new ConcurrentHashMap<>();
    private final AtomicBoolean fullWarned = new AtomicBoolean();

    SecretCache(Loader loader, Executor executor, Ticker ticker, VaultLoginConfig config)
    {
        this.loader = requireNonNull(loader, "loader is null");
        this.executor = requireNonNull(executor, "executor is null");
        this.ticker = requireNonNull(ticker, "ticker is null");
        this.ttlNanos = config.getCacheTtl().roundTo(NANOSECONDS);
        this.refreshAfterNanos = ttlNanos / 4 * 3;
        this.staleNanos = config.getStaleWindow().roundTo(NANOSECONDS);
        this.maxEntries = config.getCacheMaxEntries();
        this.loadTimeoutNanos = config.getLoadTimeout().roundTo(NANOSECONDS);
        this.maxConcurrentLoads = config.getMaxConcurrentLoads();
        this.coldLoads = new Semaphore(maxConcurrentLoads, true);
        this.coldLoadRate = RateLimiter.create(config.getMaxColdLoadsPerSecond());
        this.absent = CacheBuilder.newBuilder()
                .ticker(ticker)
                .maximumSize(config.getNegativeCacheMaxEntries())
                .expireAfterWrite(ttlNanos, NANOSECONDS)
                .build();
        // after a failed refresh, Vault is left alone for a while: a rate-limited or recovering Vault is not hammered by every login
        this.failureBackoffNanos = Math.clamp(ttlNanos / 4, 1_000_000_000L, 30_000_000_000L);
    }

    Lookup get(String path)
    {
        long now = ticker.read();
        Entry entry = entries.get(path);
        if (entry == null) {
            if (absent.getIfPresent(path) != null) {
                return Lookup.of(Optional.empty());
            }
            // cold: nothing to fall back on, so a Vault failure fails the login
            long deadline = System.nanoTime() + loadTimeoutNanos;
            return coldLoad(path, deadline)
                    .map(future -> Lookup.of(await(path, future, deadline - System.nanoTime()).secret))
                    .orElse(Lookup.SATURATED);
        }
        return Lookup.of(cached(path, entry, now));
    }

    private Optional<Map<String, String>> cached(String path, Entry entry, long now)
    {
        entry.lastAccess = now;
        long age = now - entry.fetchedAt;
        if (age < refreshAfterNanos) {
            return entry.secret;
        }
        if (age < ttlNanos) {
            refreshInBackground(path, entry);
            return entry.secret;
        }
        boolean withinStaleWindow = age < ttlNanos + staleNanos;
        if (withinStaleWindow && entry.refreshFailing) {
            // Vault is known to be failing: do not make every login wait for the retries, keep trying in the background
            refreshInBackground(path, entry);
            return stale(path, entry, age, null);
        }
        if (!withinStaleWindow && entry.refreshFailing && now < entry.retryNotBefore) {
            throw new VaultUnavailableException("Vault is unavailable (the last attempt failed less than %s ago) and the last copy of secret '%s' is %ss old, past vault.cache.ttl (%s) plus vault.cache.stale-window (%s)"
                    .formatted(Duration.succinctNanos(failureBackoffNanos), path, NANOSECONDS.toSeconds(age), Duration.succinctNanos(ttlNanos), Duration.succinctNanos(staleNanos)));
        }
        try {
            return await(path, load(path), loadTimeoutNanos).secret;
        }
        catch (VaultUnavailableException e) {
            if (withinStaleWindow) {
                return stale(path, entry, age, e);
            }
            throw new VaultUnavailableException("Vault is unavailable and the last copy of secret '%s' is %ss old, past vault.cache.ttl (%s) plus vault.cache.stale-window (%s): %s"
                    .formatted(path, NANOSECONDS.toSeconds(age), Duration.succinctNanos(ttlNanos), Duration.succinctNanos(staleNanos), e.getMessage()), e);
        }
    }

    private Optional<Map<String, String>> stale(String path, Entry entry, long age, VaultUnavailableException cause)
    {
        if (entry.staleWarned.compareAndSet(false, true)) {
            log.warn("Vault is unavailable; using the copy of secret '%s' read %ss ago (stale window %s)%s",
                    path, NANOSECONDS.toSeconds(age), Duration.succinctNanos(staleNanos), cause == null ? "" : ": " + cause.getMessage());
        }
        return entry.secret;
    }

    /**
     * Refreshes the secrets that are due and still in use, and forgets those unused for longer than TTL plus stale window.
     * Run periodically so that an idle coordinator also keeps its copy fresh.
     */
    void refreshDue()
    {
        long now = ticker.read();
        entries.forEach((path, entry) -> {
            if (now - entry.lastAccess > ttlNanos + staleNanos) {
                entries.remove(path, entry);
            }
            else if (now - entry.fetchedAt >= refreshAfterNanos) {
                refreshInBackground(path, entry);
            }
        });
    }

    /** Starts loading a path without waiting, e.g. at startup. */
    void prefetch(String path)
    {
        load(path).exceptionally(failure -> null);
    }

    int size()
    {
        return entries.size();
    }

    private void refreshInBackground(String path, Entry entry)
    {
        if (ticker.read() < entry.retryNotBefore) {
            return;
        }
        load(path).exceptionally(failure -> null);
    }

    /**
     * A read for a login with nothing cached: joins one in flight for the path, else waits (until {@code deadline}, and only
     * if few others wait) for the rate limit and one of the bounded slots; empty when the bounds do not allow it.
     */
    private Optional<CompletableFuture<Entry>> coldLoad(String path, long deadline)
    {
        CompletableFuture<Entry> existing = inFlight.get(path);
        if (existing != null) {
            return Optional.of(existing);
        }
        if (coldLoadsWaiting.incrementAndGet() > maxConcurrentLoads) {
            coldLoadsWaiting.decrementAndGet();
            return Optional.empty();
        }
        try {
            if (!coldLoadRate.tryAcquire(1, Math.max(deadline - System.nanoTime(), 0), NANOSECONDS)
                    || !coldLoads.tryAcquire(Math.max(deadline - System.nanoTime(), 0), NANOSECONDS)) {
                return Optional.empty();
            }
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
        finally {
            coldLoadsWaiting.decrementAndGet();
        }
        CompletableFuture<Entry> future = load(path);
        future.whenComplete((entry, failure) -> coldLoads.release());
        return Optional.of(future);
    }

    private CompletableFuture<Entry> load(String path)
    {
        CompletableFuture<Entry> created = new CompletableFuture<>();
        CompletableFuture<Entry> existing = inFlight.putIfAbsent(path, created);
        if (existing != null) {
            return existing;
        }
        try {
            executor.execute(() -> {
                try {
                    created.complete(fetch(path));
                }
                catch (Throwable t) {
                    created.completeExceptionally(t);
                }
                finally {
                    inFlight.remove(path, created);
                }
            });
        }
        catch (RejectedExecutionException e) {
            inFlight.remove(path, created);
            created.completeExceptionally(new VaultUnavailableException("Vault authenticator is shutting down", e));
        }
        return created;
    }

    private Entry fetch(String path)
    {
        Optional<Map<String, String>> secret;
        try {
            secret = loader.load(path).map(ImmutableMap::copyOf);
        }
        catch (RuntimeException e) {
            Entry previous = entries.get(path);
            if (previous != null) {
                previous.refreshFailing = true;
                previous.retryNotBefore = ticker.read() + failureBackoffNanos;
            }
            throw e;
        }
        Entry entry = new Entry(secret, ticker.read());
        if (secret.isEmpty() && !entries.containsKey(path)) {
            absent.put(path, Boolean.TRUE);
            return entry;
        }
        absent.invalidate(path);
        if (entries.size() < maxEntries || entries.containsKey(path)) {
            Entry previous = entries.put(path, entry);
            if (previous != null && previous.refreshFailing) {
                log.info("Vault is available again; secret '%s' refreshed", path);
            }
        }
        else if (fullWarned.compareAndSet(false, true)) {
            log.warn("Secret cache is full (vault.cache.max-entries=%s); further secrets are read from Vault at every login", maxEntries);
        }
        return entry;
    }

    private Entry await(String path, CompletableFuture<Entry> future, long timeoutNanos)
    {
        try {
            return future.get(Math.max(timeoutNanos, 0), NANOSECONDS);
        }
        catch (TimeoutException e) {
            // the read goes on in the background and fills the cache when Vault answers
            throw new VaultUnavailableException("Vault did not answer within vault.cache.load-timeout (%s) for secret '%s'".formatted(Duration.succinctNanos(loadTimeoutNanos), path), e);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VaultUnavailableException("Interrupted while waiting for Vault", e);
        }
        catch (ExecutionException | CompletionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new VaultUnavailableException("Vault is unavailable: " + e.getCause(), e.getCause());
        }
    }
}
