package dev.trinobundle.accesscontrol;

import com.google.common.annotations.VisibleForTesting;
import dev.trinobundle.accesscontrol.rules.RuleSet;
import dev.trinobundle.accesscontrol.rules.RulesException;
import dev.trinobundle.accesscontrol.rules.RulesParser;
import io.airlift.log.Logger;
import io.airlift.units.Duration;

import org.weakref.jmx.MBeanExporter;
import org.weakref.jmx.Managed;

import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

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
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_DELETE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY;
import static java.util.Objects.requireNonNull;

/**
 * The rules in force: one volatile reference to an immutable {@link RuleSet}, replaced atomically by background
 * reloads. A reload that finds the same content (by SHA-256) changes nothing; one that finds invalid content keeps the
 * last good rules (or, with {@code security.on-invalid-rules=deny-all}, makes every check deny), logs one ERROR per
 * distinct bad content and a WARN every refresh period while the file stays invalid, and is retried at the next period
 * or file event. Checks never wait for, or fail because of, a reload.
 */
public final class ReloadingRules
{
    private static final Logger log = Logger.get(ReloadingRules.class);
    // a ConfigMap update or an editor's save emits several events within milliseconds; read once they have settled
    private static final long WATCH_SETTLE_MILLIS = 200;

    private final Path file;
    private final Consumer<RuleSet> validator;
    private final String jsonPointer;
    // every section present and empty: nothing is allowed (Trino's implicit system catalog rule only opens the catalog)
    private static final RuleSet DENY_ALL = RuleSet.builder("deny-all")
            .catalogs(Optional.of(List.of())).schemas(Optional.of(List.of())).tables(Optional.of(List.of()))
            .systemInformation(Optional.of(List.of())).systemSessionProperties(Optional.of(List.of()))
            .catalogSessionProperties(Optional.of(List.of())).functions(Optional.of(List.of())).procedures(Optional.of(List.of()))
            .queries(Optional.of(List.of())).impersonation(Optional.of(List.of())).principals(Optional.of(List.of()))
            .authorization(Optional.of(List.of()))
            .build();

    /**
     * Everything a reader may combine, replaced as a whole (one volatile write), so that a check never pairs the
     * staleness of one reload with the error of another.
     *
     * @param lastGood the last rules that loaded
     * @param lastError the last load error in full (log, JMX), null when the last attempt succeeded
     * @param errorLocation {@code <file name>:<line>:<column>} of the last error, the only part a denied user sees
     * @param staleSince the first failed read since the last good one, null while the file holds the rules in force
     */
    private record Status(RuleSet lastGood, Instant loadedAt, String lastError, String errorLocation, Instant lastErrorAt, Instant staleSince)
    {
        Status withFailure(RulesException e, String location, Instant at)
        {
            return new Status(lastGood, loadedAt, e.getMessage(), location, at, staleSince == null ? at : staleSince);
        }

        Status fresh()
        {
            return new Status(lastGood, loadedAt, null, null, lastErrorAt, null);
        }
    }

    private volatile Status status;
    private final AtomicLong successes = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final boolean denyAllWhenStale;
    private String lastFailedContentHash;
    private final AtomicBoolean reloadPending = new AtomicBoolean();

    private ScheduledExecutorService executor;
    private WatchService watchService;
    private Thread watcher;
    private ObjectName objectName;

    /**
     * Loads the file once; invalid content fails here, so that Trino does not start without rules.
     */
    @VisibleForTesting
    ReloadingRules(Path file, String jsonPointer)
    {
        this(file, jsonPointer, InvalidRulesPolicy.KEEP_LAST);
    }

    public ReloadingRules(Path file, String jsonPointer, InvalidRulesPolicy onInvalidRules)
    {
        this(file, jsonPointer, onInvalidRules, _ -> {});
    }

    /** {@code validator} rejects, with a {@link RulesException}, a well-formed rule set this server cannot enforce. */
    public ReloadingRules(Path file, String jsonPointer, InvalidRulesPolicy onInvalidRules, Consumer<RuleSet> validator)
    {
        this.validator = requireNonNull(validator, "validator is null");
        this.file = requireNonNull(file, "file is null");
        this.jsonPointer = requireNonNull(jsonPointer, "jsonPointer is null");
        this.denyAllWhenStale = requireNonNull(onInvalidRules, "onInvalidRules is null") == InvalidRulesPolicy.DENY_ALL;
        byte[] content = read();
        RuleSet rules = RulesParser.parse(file.toString(), content, jsonPointer);
        validator.accept(rules);
        this.status = new Status(rules, Instant.now(), null, null, null, null);
        successes.incrementAndGet();
        log.info("Loaded access control rules from %s (sha256 %s)", file, rules.contentHash());
    }

    /**
     * The rules in force: the last good ones, or, while the file is invalid and {@code security.on-invalid-rules=deny-all},
     * rules that deny every check. The only way to the rules, so no caller can skip deny-all.
     */
    public RuleSet get()
    {
        Status current = status;
        return denyAllWhenStale && current.staleSince() != null ? DENY_ALL : current.lastGood();
    }

    /**
     * Null while the file holds the rules in force; otherwise what a denial says: where the file is invalid and since
     * when, and what is enforced instead. Any user who is denied reads it, so it never holds the path, the parser's
     * text (which can quote the new file) or a hash; the full error is in the log, JMX {@code LastError} and
     * {@code RulesTool explain}.
     */
    public String staleNote()
    {
        Status current = status;
        if (current.staleSince() == null) {
            return null;
        }
        String enforced = denyAllWhenStale
                ? "every check is denied until it is fixed (security.on-invalid-rules=deny-all)"
                : "the last good rules are still in force";
        return "the rules file %s is invalid since %s; %s".formatted(current.errorLocation(), current.staleSince(), enforced);
    }

    /** The operator's version of {@link #staleNote()}, for the log: the full error and the rules enforced instead. */
    private String staleNoteForLog()
    {
        Status current = status;
        if (current.staleSince() == null) {
            return null;
        }
        String enforced = denyAllWhenStale
                ? "every check is denied until it is fixed (security.on-invalid-rules=deny-all)"
                : "the rules loaded at %s (sha256 %s) are still in force".formatted(current.loadedAt(), current.lastGood().contentHash());
        return "the rules file has been invalid since %s (%s); %s".formatted(current.staleSince(), current.lastError(), enforced);
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
        executor.scheduleWithFixedDelay(() -> {
            reloadQuietly();
            warnIfStale();
        }, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
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

    /** Once per refresh period while the file is invalid: an ERROR scrolls away, the rules in force must not. */
    private void warnIfStale()
    {
        String note = staleNoteForLog();
        if (note != null) {
            log.warn("Access control rules file %s: %s", file, note);
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
        if (hash.equals(status.lastGood().contentHash())) {
            // the file is back to the rules in force
            recordFresh();
            return false;
        }
        RuleSet rules;
        try {
            rules = RulesParser.parse(file.toString(), content, jsonPointer);
            validator.accept(rules);
        }
        catch (RulesException e) {
            recordFailure(hash, e);
            return false;
        }
        boolean wasStale = status.staleSince() != null;
        status = new Status(rules, Instant.now(), null, null, status.lastErrorAt(), null);
        successes.incrementAndGet();
        if (wasStale) {
            log.info("Access control rules file %s is valid again (sha256 %s)", file, hash);
        }
        log.info("Reloaded access control rules from %s (sha256 %s)", file, hash);
        return true;
    }

    // callers hold the instance lock (reload), so status is only written by one thread at a time
    private void recordFresh()
    {
        Status current = status;
        if (current.staleSince() != null) {
            log.info("Access control rules file %s is valid again (sha256 %s)", file, current.lastGood().contentHash());
        }
        lastFailedContentHash = null;
        status = current.fresh();
    }

    private void recordFailure(String contentHash, RulesException e)
    {
        failures.incrementAndGet();
        String location = file.getFileName() + (e.getLine() > 0 ? ":" + e.getLine() + ":" + e.getColumn() : "");
        Status current = status.withFailure(e, location, Instant.now());
        status = current;
        if (!contentHash.equals(lastFailedContentHash)) {
            log.error("%s; %s", e.getMessage(), denyAllWhenStale
                    ? "denying every check until it is fixed (security.on-invalid-rules=deny-all)"
                    : "keeping the rules loaded at %s (sha256 %s)".formatted(current.loadedAt(), current.lastGood().contentHash()));
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
            new MBeanExporter(server).export(name, this);
            objectName = name;
        }
        catch (JMException | RuntimeException e) {
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

    @Managed(description = "Path of the rules file")
    public String getConfigFile()
    {
        return file.toString();
    }

    @Managed(description = "SHA-256 of the content of the rules in force")
    public String getRulesHash()
    {
        return status.lastGood().contentHash();
    }

    @Managed(description = "When the rules in force were loaded (ISO-8601)")
    public String getLoadedAt()
    {
        return status.loadedAt().toString();
    }

    @Managed(description = "Successful loads since start")
    public long getLoadSuccesses()
    {
        return successes.get();
    }

    @Managed(description = "Failed loads since start")
    public long getLoadFailures()
    {
        return failures.get();
    }

    @Managed(description = "The last load error (file, line, column, problem), null when the last attempt succeeded")
    public String getLastError()
    {
        return status.lastError();
    }

    @Managed(description = "When the last load error happened (ISO-8601), or null")
    public String getLastErrorAt()
    {
        Instant at = status.lastErrorAt();
        return at == null ? null : at.toString();
    }

    @Managed(description = "True while the rules file is invalid and older rules (or deny-all) are enforced instead")
    public boolean isStale()
    {
        return status.staleSince() != null;
    }

    @Managed(description = "Since when the rules file has been invalid (ISO-8601), null while it holds the rules in force")
    public String getStaleSince()
    {
        Instant since = status.staleSince();
        return since == null ? null : since.toString();
    }
}
