package dev.trinobundle.accesscontrol;

import com.google.common.annotations.VisibleForTesting;
import dev.trinobundle.accesscontrol.rules.RuleSet;
import dev.trinobundle.accesscontrol.rules.RulesException;
import dev.trinobundle.accesscontrol.rules.RulesParser;
import io.airlift.log.Logger;
import io.airlift.units.Duration;

import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.StandardMBean;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_DELETE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY;
import static java.util.Objects.requireNonNull;

/**
 * The rules in force: one volatile reference to an immutable {@link RuleSet}, replaced atomically by background
 * reloads. A reload that finds the same content (by SHA-256) changes nothing; one that finds invalid content keeps the
 * last good rules, logs one ERROR per distinct bad content and is retried at the next period or file event. Checks never
 * wait for, or fail because of, a reload.
 */
public final class ReloadingRules
        implements Supplier<RuleSet>, RulesStatusMBean
{
    private static final Logger log = Logger.get(ReloadingRules.class);
    // a ConfigMap update or an editor's save emits several events within milliseconds; read once they have settled
    private static final long WATCH_SETTLE_MILLIS = 200;

    private final Path file;
    private final String jsonPointer;
    private volatile RuleSet current;
    private volatile Instant loadedAt;
    private final AtomicLong successes = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private volatile String lastError;
    private volatile Instant lastErrorAt;
    private String lastFailedContentHash;
    private final AtomicBoolean reloadPending = new AtomicBoolean();

    private ScheduledExecutorService executor;
    private WatchService watchService;
    private Thread watcher;
    private ObjectName objectName;

    /**
     * Loads the file once; invalid content fails here, so that Trino does not start without rules.
     */
    public ReloadingRules(Path file, String jsonPointer)
    {
        this.file = requireNonNull(file, "file is null");
        this.jsonPointer = requireNonNull(jsonPointer, "jsonPointer is null");
        byte[] content = read();
        this.current = RulesParser.parse(file.toString(), content, jsonPointer);
        this.loadedAt = Instant.now();
        successes.incrementAndGet();
        log.info("Loaded access control rules from %s (sha256 %s)", file, current.contentHash());
    }

    @Override
    public RuleSet get()
    {
        return current;
    }

    /** Starts the background refresh, and the directory watcher when {@code watch} is true. */
    public synchronized void start(Duration refreshPeriod, boolean watch)
    {
        requireNonNull(refreshPeriod, "refreshPeriod is null");
        executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "rules-access-control-reload");
            thread.setDaemon(true);
            return thread;
        });
        long periodMillis = Math.max(1, refreshPeriod.toMillis());
        executor.scheduleWithFixedDelay(this::reloadQuietly, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
        if (watch) {
            startWatcher();
        }
    }

    private void startWatcher()
    {
        // watch the directory, not the file: Kubernetes swaps a ..data symlink in it and never writes the file itself
        Path directory = file.toAbsolutePath().getParent();
        try {
            watchService = FileSystems.getDefault().newWatchService();
            directory.register(watchService, ENTRY_CREATE, ENTRY_MODIFY, ENTRY_DELETE);
        }
        catch (IOException | RuntimeException e) {
            log.warn(e, "Cannot watch %s for changes to %s; relying on security.refresh-period only", directory, file);
            return;
        }
        WatchService service = watchService;
        watcher = new Thread(() -> watch(service), "rules-access-control-watch");
        watcher.setDaemon(true);
        watcher.start();
    }

    private void watch(WatchService service)
    {
        try {
            while (true) {
                WatchKey key = service.take();
                key.pollEvents();
                if (reloadPending.compareAndSet(false, true)) {
                    executor.schedule(() -> {
                        reloadPending.set(false);
                        reloadQuietly();
                    }, WATCH_SETTLE_MILLIS, TimeUnit.MILLISECONDS);
                }
                if (!key.reset()) {
                    log.warn("The directory of %s is no longer watchable; relying on security.refresh-period only", file);
                    return;
                }
            }
        }
        catch (InterruptedException | ClosedWatchServiceException e) {
            // stopping
        }
        catch (RuntimeException e) {
            log.error(e, "Watching %s failed; relying on security.refresh-period only", file);
        }
    }

    private void reloadQuietly()
    {
        try {
            reload();
        }
        catch (RuntimeException e) {
            // never let an unexpected error cancel the periodic task
            log.error(e, "Unexpected error reloading access control rules from %s", file);
        }
    }

    /**
     * Reads the file and swaps in the new rules if its content changed and is valid.
     *
     * @return true if new rules are now in force
     */
    @VisibleForTesting
    synchronized boolean reload()
    {
        byte[] content;
        try {
            content = read();
        }
        catch (RulesException e) {
            recordFailure("(unreadable)", e);
            return false;
        }
        String hash = RuleSet.contentHash(content);
        if (hash.equals(current.contentHash())) {
            lastError = null;
            lastFailedContentHash = null;
            return false;
        }
        RuleSet rules;
        try {
            rules = RulesParser.parse(file.toString(), content, jsonPointer);
        }
        catch (RulesException e) {
            recordFailure(hash, e);
            return false;
        }
        current = rules;
        loadedAt = Instant.now();
        successes.incrementAndGet();
        lastError = null;
        lastFailedContentHash = null;
        log.info("Reloaded access control rules from %s (sha256 %s)", file, hash);
        return true;
    }

    private void recordFailure(String contentHash, RulesException e)
    {
        failures.incrementAndGet();
        lastError = e.getMessage();
        lastErrorAt = Instant.now();
        if (!contentHash.equals(lastFailedContentHash)) {
            log.error("%s; keeping the rules loaded at %s (sha256 %s)", e.getMessage(), loadedAt, current.contentHash());
        }
        lastFailedContentHash = contentHash;
    }

    private byte[] read()
    {
        try {
            return Files.readAllBytes(file);
        }
        catch (NoSuchFileException e) {
            throw new RulesException(file.toString(), 0, 0, "the file does not exist", e);
        }
        catch (IOException e) {
            throw new RulesException(file.toString(), 0, 0, "the file cannot be read: " + e, e);
        }
    }

    /** Registers the status MBean; a previous instance for the same file (a restarted access control) is replaced. */
    public synchronized void exportMBean()
    {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        try {
            ObjectName name = new ObjectName("dev.trinobundle.accesscontrol:type=RulesAccessControl,name=" + ObjectName.quote(file.toString()));
            if (server.isRegistered(name)) {
                server.unregisterMBean(name);
            }
            server.registerMBean(new StandardMBean(this, RulesStatusMBean.class), name);
            objectName = name;
        }
        catch (JMException e) {
            log.warn(e, "Cannot export the rules status MBean for %s", file);
        }
    }

    public synchronized void stop()
    {
        if (watchService != null) {
            try {
                watchService.close();
            }
            catch (IOException e) {
                log.debug(e, "Closing the watch service failed");
            }
        }
        if (watcher != null) {
            watcher.interrupt();
        }
        if (executor != null) {
            executor.shutdownNow();
        }
        if (objectName != null) {
            try {
                MBeanServer server = ManagementFactory.getPlatformMBeanServer();
                if (server.isRegistered(objectName)) {
                    server.unregisterMBean(objectName);
                }
            }
            catch (JMException e) {
                log.debug(e, "Unregistering %s failed", objectName);
            }
            objectName = null;
        }
    }

    @VisibleForTesting
    ObjectName objectName()
    {
        return objectName;
    }

    @Override
    public String getConfigFile()
    {
        return file.toString();
    }

    @Override
    public String getRulesHash()
    {
        return current.contentHash();
    }

    @Override
    public String getLoadedAt()
    {
        return loadedAt.toString();
    }

    @Override
    public long getLoadSuccesses()
    {
        return successes.get();
    }

    @Override
    public long getLoadFailures()
    {
        return failures.get();
    }

    @Override
    public String getLastError()
    {
        return lastError;
    }

    @Override
    public String getLastErrorAt()
    {
        Instant at = lastErrorAt;
        return at == null ? null : at.toString();
    }
}
