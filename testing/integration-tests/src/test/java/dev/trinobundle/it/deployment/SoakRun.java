package dev.trinobundle.it.deployment;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.trinobundle.it.deployment.SoakSchedule.Fault;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static java.util.Objects.requireNonNull;

/**
 * One soak run: the cluster of one flavor, the load, the monitor and the fault schedule; then, for the bundle, the
 * audit reconciliation. The baseline gets the same load and schedule without the faults only the bundle survives.
 */
final class SoakRun
        implements SoakSchedule.Hands
{
    // not a rules file at all, as a broken ConfigMap edit can be
    static final String GARBAGE = "\u0000\u00ff{{ \"catalogs\": [ this is not a rules file ]]";

    record Result(SoakCluster.Flavor flavor, SoakSchedule.Timing timing, List<SoakLoad.Outcome> outcomes, List<SoakSchedule.Executed> faults,
            List<SoakMonitor.Sample> samples, Optional<SoakAudit.Result> audit, Map<String, Map<String, Long>> countersAfterDiskFull,
            Map<String, Map<String, Long>> finalCounters, String coordinatorLog) {}

    private final SoakCluster cluster;
    private final SoakSchedule.Timing timing;
    private final SoakLoad load;
    private final SoakClock clock;
    private final String rules;
    private Map<String, Map<String, Long>> countersAfterDiskFull = Map.of();
    // faults carried out over time (a burst, a restart) run beside the schedule, which joins them at their end
    private final ExecutorService background = Executors.newCachedThreadPool();
    private final Map<Fault, Future<String>> inProgress = new ConcurrentHashMap<>();

    private SoakRun(SoakCluster cluster, SoakSchedule.Timing timing, SoakLoad load, SoakClock clock, String rules)
    {
        this.cluster = requireNonNull(cluster, "cluster is null");
        this.timing = requireNonNull(timing, "timing is null");
        this.load = requireNonNull(load, "load is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.rules = requireNonNull(rules, "rules is null");
    }

    static Result run(SoakCluster.Flavor flavor, SoakSchedule.Timing timing, PrintStream out)
            throws Exception
    {
        String rules = SoakConfiguration.chartRules();
        Map<String, String> passwords = SoakLoad.passwords();
        out.printf("%n== %s: starting PostgreSQL, Vault, coordinator, worker and nginx%n", flavor);
        try (SoakCluster cluster = SoakCluster.start(flavor, timing, passwords, rules)) {
            cluster.tmpfsProblem().ifPresent(problem -> out.println("WARNING: " + problem + "; the disk-full fault is skipped"));
            SoakClock clock = new SoakClock();
            Optional<Path> journal = flavor == SoakCluster.Flavor.BUNDLE ? Optional.of(cluster.auditFiles().journal()) : Optional.empty();
            try (SoakLoad load = new SoakLoad(cluster, clock, passwords);
                    SoakMonitor monitor = new SoakMonitor(cluster, clock, journal, flavor == SoakCluster.Flavor.BUNDLE && timing.has(Fault.AUDIT_DISK_FULL) && cluster.tmpfsProblem().isEmpty())) {
                SoakRun run = new SoakRun(cluster, timing, load, clock, rules);
                out.printf("== %s: load for %.0f s%n", flavor, timing.totalSeconds());
                monitor.start();
                load.start();
                List<SoakSchedule.Executed> faults = SoakSchedule.run(timing, flavor == SoakCluster.Flavor.BUILTINS, run, clock, out);
                clock.sleepUntil(timing.totalSeconds());
                load.stop();
                monitor.close();
                out.printf("== %s: load stopped at %.0f s, %d queries%n", flavor, clock.seconds(), load.outcomes().size());
                if (flavor == SoakCluster.Flavor.BUILTINS) {
                    run.background.shutdownNow();
                    return new Result(flavor, timing, load.outcomes(), faults, monitor.samples(), Optional.empty(), Map.of(), Map.of(), cluster.coordinatorLog().toString());
                }
                run.background.shutdownNow();
                return run.finishBundle(faults, monitor, out);
            }
        }
    }

    private Result finishBundle(List<SoakSchedule.Executed> faults, SoakMonitor monitor, PrintStream out)
            throws Exception
    {
        Map<String, Map<String, Long>> finalCounters = SoakMonitor.auditCounters(load, "%");
        List<SoakLoad.Outcome> outcomes = load.outcomes();
        SoakConfiguration.AuditFiles audit = cluster.auditFiles();
        // the sinks catch up with the journal (PostgreSQL was down, the disk full): wait until nothing more arrives
        long deadline = System.nanoTime() + 180_000_000_000L;
        long lastMissing = -1;
        int stableRounds = 0;
        while (System.nanoTime() < deadline && stableRounds < 4) {
            long missing = SoakAudit.missing(outcomes, SoakAudit.fileRecords(audit.log())) + SoakAudit.missing(outcomes, SoakAudit.postgresRecords(cluster.postgres(), audit));
            if (missing == 0) {
                break;
            }
            stableRounds = missing == lastMissing ? stableRounds + 1 : 0;
            lastMissing = missing;
            clock.sleepUntil(clock.seconds() + 3);
        }
        // a graceful stop: the listener drains its sinks and writes its last checkpoint
        cluster.stopCoordinator();
        out.println("== BUNDLE: coordinator stopped; reconciling the audit and verifying the log");
        SoakAudit.Result result = SoakAudit.reconcile(outcomes, SoakAudit.fileRecords(audit.log()), SoakAudit.postgresRecords(cluster.postgres(), audit),
                // attributed to the faults that really happened while the query ran
                outcome -> SoakSchedule.faultsBetween(faults, outcome.start(), outcome.start() + outcome.millis() / 1000), audit.log(), audit);
        return new Result(SoakCluster.Flavor.BUNDLE, timing, outcomes, faults, monitor.samples(), Optional.of(result), countersAfterDiskFull, finalCounters,
                cluster.coordinatorLog().toString());
    }

    @Override
    public String start(Fault fault)
            throws Exception
    {
        return switch (fault) {
            case VAULT_SEALED_IN_WINDOW, VAULT_SEALED_BEYOND_WINDOW -> {
                cluster.sealVault(true);
                yield "";
            }
            case POSTGRES_DOWN -> {
                cluster.stopPostgres();
                yield "";
            }
            case RULES_GARBAGE -> {
                cluster.publishRules(GARBAGE);
                yield "";
            }
            case RULES_REVOKE -> {
                cluster.publishRules(revoked(rules));
                yield "";
            }
            case RULES_RESTORED -> {
                cluster.publishRules(rules);
                yield "";
            }
            case WRONG_PASSWORD_BURST -> inBackground(fault, () -> load.wrongPasswordBurst(timing.burstAttempts()));
            case HOSTILE_QUERY_TEXTS -> inBackground(fault, load::hostileQueryTexts);
            case COORDINATOR_KILLED -> {
                long start = System.nanoTime();
                cluster.killCoordinator();
                yield inBackground(fault, () -> {
                    cluster.restartCoordinator();
                    return "restarted and serving after %.1f s".formatted((System.nanoTime() - start) / 1e9);
                });
            }
            case AUDIT_DISK_FULL -> cluster.tmpfsProblem()
                    .map(problem -> "NOT APPLIED: " + problem)
                    .orElseGet(() -> {
                        try {
                            return "filled with %d MB".formatted(cluster.fillAuditDisk() >> 20);
                        }
                        catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    });
        };
    }

    @Override
    public String end(Fault fault)
            throws Exception
    {
        return switch (fault) {
            case VAULT_SEALED_IN_WINDOW, VAULT_SEALED_BEYOND_WINDOW -> {
                cluster.sealVault(false);
                yield "";
            }
            case POSTGRES_DOWN -> {
                cluster.restartPostgres();
                yield "";
            }
            case AUDIT_DISK_FULL -> {
                if (cluster.tmpfsProblem().isPresent()) {
                    yield "";
                }
                // what the listener says it dropped while the disk was full, before the space comes back
                countersAfterDiskFull = SoakMonitor.auditCounters(load, "%type=auditjournal");
                cluster.freeAuditDisk();
                yield "freed; RecordsDropped=" + countersAfterDiskFull.getOrDefault("auditjournal", Map.of()).get("recordsdropped");
            }
            case WRONG_PASSWORD_BURST, HOSTILE_QUERY_TEXTS, COORDINATOR_KILLED -> inProgress.remove(fault).get();
            default -> "";
        };
    }

    private String inBackground(Fault fault, Callable<String> work)
    {
        inProgress.put(fault, background.submit(work));
        return "";
    }

    /** The chart's rules with one user revoked: a first catalogs rule that gives analyst1 no catalog. */
    static String revoked(String rules)
            throws IOException
    {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = (ObjectNode) mapper.readTree(rules);
        ArrayNode catalogs = (ArrayNode) root.get("catalogs");
        catalogs.insert(0, mapper.createObjectNode().put("user", SoakLoad.REVOKED_USER).put("allow", "none"));
        return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(root);
    }
}
