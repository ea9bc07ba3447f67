package dev.trinobundle.it.deployment;

import dev.trinobundle.it.deployment.SoakLoad.Kind;
import dev.trinobundle.it.deployment.SoakLoad.Outcome;
import dev.trinobundle.it.deployment.SoakLoad.Result;
import dev.trinobundle.it.deployment.SoakSchedule.Executed;
import dev.trinobundle.it.deployment.SoakSchedule.Fault;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The figures of a soak: per phase, what the clients saw and how fast, against the built-ins in the same windows;
 * the audit reconciliation; false accepts, refusals and Vault's load; stale and broken-rules decisions; resources.
 */
final class SoakReport
{
    private static final Set<Kind> LOAD = Set.of(Kind.POINT, Kind.COUNT, Kind.METADATA, Kind.LONG);

    record Phase(String phase, double from, double to, int completed, int failed, int expectedDenials, int refused, int wrongPasswords,
            Double p50, Double p99, Map<String, Integer> failures) {}

    private SoakReport() {}

    static List<Phase> phases(SoakRun.Result run)
    {
        List<Phase> phases = new ArrayList<>();
        run.timing().phases().forEach((key, window) -> {
            List<Outcome> in = run.outcomes().stream()
                    .filter(outcome -> outcome.kind() != Kind.MONITOR)
                    .filter(outcome -> outcome.start() >= window[0] && outcome.start() < window[1])
                    .toList();
            double[] latencies = in.stream()
                    .filter(outcome -> outcome.result() == Result.COMPLETED && LOAD.contains(outcome.kind()))
                    .mapToDouble(Outcome::millis).sorted().toArray();
            Map<String, Integer> failures = new TreeMap<>();
            in.stream().filter(outcome -> outcome.result() != Result.COMPLETED && outcome.kind().expectAllowed())
                    .forEach(outcome -> failures.merge(outcome.result().name().toLowerCase(Locale.ROOT) + ": " + outcome.error(), 1, Integer::sum));
            phases.add(new Phase(key.replaceAll("#\\d+$", ""), window[0], window[1],
                    count(in, outcome -> outcome.result() == Result.COMPLETED),
                    count(in, outcome -> outcome.result() == Result.FAILED),
                    count(in, outcome -> outcome.result() == Result.FAILED && !outcome.kind().expectAllowed()),
                    count(in, outcome -> outcome.result() == Result.REFUSED),
                    count(in, outcome -> outcome.result() == Result.REFUSED && outcome.kind().wrongPassword()),
                    percentile(latencies, 0.50), percentile(latencies, 0.99), failures));
        });
        return phases;
    }

    /** Wrong passwords (the guesser's and the burst's) that got a query id or a result: must be 0. */
    static int wrongPasswordsAccepted(SoakRun.Result run)
    {
        return count(run.outcomes(), outcome -> outcome.kind().wrongPassword() && outcome.result() != Result.REFUSED);
    }

    /** Queries of the revoked user that ran with the old rules later than one refresh period after the revoke: must be 0. */
    static int staleAfterRevoke(SoakRun.Result run)
    {
        return revokedUserCompleted(run, executed(run, Fault.RULES_REVOKE).start() + run.timing().refreshPeriod().toSeconds());
    }

    /** The same within the refresh period (the rules may take that long; the watcher is faster). */
    static int staleWithinRefreshPeriod(SoakRun.Result run)
    {
        return revokedUserCompleted(run, executed(run, Fault.RULES_REVOKE).start()) - staleAfterRevoke(run);
    }

    /** Seconds from the revoking edit to the revoked user's first denial. */
    static Double firstDenialAfterRevoke(SoakRun.Result run)
    {
        double revoke = executed(run, Fault.RULES_REVOKE).start();
        return run.outcomes().stream()
                .filter(outcome -> isRevokedUsersQuery(outcome) && outcome.start() >= revoke && outcome.result() == Result.FAILED && String.valueOf(outcome.error()).startsWith("PERMISSION_DENIED"))
                .mapToDouble(outcome -> outcome.start() + outcome.millis() / 1000 - revoke)
                .min().stream().boxed().findFirst().orElse(null);
    }

    /** Queries the rules allow that were denied while the rules file was garbage: must be 0 with keep-last. */
    static int deniedByBrokenRules(SoakRun.Result run)
    {
        return count(inBrokenRulesWindow(run), outcome -> String.valueOf(outcome.error()).startsWith("PERMISSION_DENIED"));
    }

    /** Any other failure of allowed queries in that window (not counted against the rules). */
    static int otherFailuresWhileRulesBroken(SoakRun.Result run)
    {
        return count(inBrokenRulesWindow(run), outcome -> outcome.result() != Result.COMPLETED) - deniedByBrokenRules(run);
    }

    static int serviceUserRefusedDuringBurst(SoakRun.Result run)
    {
        return count(inWindow(run, Fault.WRONG_PASSWORD_BURST), outcome -> outcome.client().startsWith("bi-") && outcome.result() == Result.REFUSED);
    }

    static int serviceUserQueriesDuringBurst(SoakRun.Result run)
    {
        return count(inWindow(run, Fault.WRONG_PASSWORD_BURST), outcome -> outcome.client().startsWith("bi-"));
    }

    static int burstRefused(SoakRun.Result run)
    {
        return count(run.outcomes(), outcome -> outcome.kind() == Kind.BURST && outcome.result() == Result.REFUSED);
    }

    static int burstAttempts(SoakRun.Result run)
    {
        return count(run.outcomes(), outcome -> outcome.kind() == Kind.BURST);
    }

    /** Vault requests per minute over the whole run, and the highest count in any minute. */
    static double[] vaultRequestsPerMinute(SoakRun.Result run)
    {
        List<SoakMonitor.Sample> samples = run.samples();
        if (samples.size() < 2) {
            return new double[] {0, 0};
        }
        SoakMonitor.Sample first = samples.getFirst();
        SoakMonitor.Sample last = samples.getLast();
        double mean = (last.vaultRequests() - first.vaultRequests()) / ((last.time() - first.time()) / 60);
        double max = 0;
        for (SoakMonitor.Sample from : samples) {
            for (SoakMonitor.Sample to : samples) {
                if (to.time() - from.time() >= 59 && to.time() - from.time() <= 66) {
                    max = Math.max(max, to.vaultRequests() - from.vaultRequests());
                }
            }
        }
        return new double[] {mean, max};
    }

    /** min, mean, max of a resource over the samples; nulls skipped. */
    static double[] resource(SoakRun.Result run, Function<SoakMonitor.Sample, Number> value)
    {
        double[] values = run.samples().stream().map(value).filter(Objects::nonNull).mapToDouble(Number::doubleValue).toArray();
        if (values.length == 0) {
            return new double[] {Double.NaN, Double.NaN, Double.NaN};
        }
        return new double[] {Arrays.stream(values).min().orElseThrow(), Arrays.stream(values).average().orElseThrow(),
                Arrays.stream(values).max().orElseThrow()};
    }

    /** Records the listener says it dropped (JMX RecordsDropped) when the disk-full window ended; empty if not read. */
    static Optional<Long> recordsDroppedOnFullDisk(SoakRun.Result run)
    {
        return Optional.ofNullable(run.countersAfterDiskFull().getOrDefault("auditjournal", Map.of()).get("recordsdropped"));
    }

    /** Every figure that must be 0, by name; the run fails if one is not. */
    static Map<String, Integer> mustBeZero(SoakRun.Result run)
    {
        Map<String, Integer> figures = new LinkedHashMap<>();
        figures.put("false accepts: wrong passwords that got in", wrongPasswordsAccepted(run));
        if (run.timing().has(Fault.RULES_REVOKE)) {
            figures.put("false accepts: revoked user's queries run later than one refresh period after the revoke", staleAfterRevoke(run));
        }
        if (run.timing().has(Fault.RULES_GARBAGE) && executed(run, Fault.RULES_GARBAGE).applied()) {
            figures.put("queries denied because the rules file was broken (keep-last)", deniedByBrokenRules(run));
        }
        return figures;
    }

    static Executed executed(SoakRun.Result run, Fault fault)
    {
        return run.faults().stream().filter(executed -> executed.fault() == fault).findFirst().orElseThrow();
    }

    private static List<Outcome> inBrokenRulesWindow(SoakRun.Result run)
    {
        if (!executed(run, Fault.RULES_GARBAGE).applied()) {
            return List.of();
        }
        double from = executed(run, Fault.RULES_GARBAGE).start();
        double to = executed(run, Fault.RULES_REVOKE).start();
        // the revoked user's queries are denied on purpose from the revoke on; before it they must pass
        return run.outcomes().stream()
                .filter(outcome -> outcome.kind().expectAllowed() && outcome.kind() != Kind.MONITOR)
                .filter(outcome -> outcome.start() >= from && outcome.start() + outcome.millis() / 1000 < to)
                .toList();
    }

    private static List<Outcome> inWindow(SoakRun.Result run, Fault fault)
    {
        Executed executed = executed(run, fault);
        return run.outcomes().stream().filter(outcome -> outcome.start() >= executed.start() && outcome.start() < executed.end()).toList();
    }

    private static int revokedUserCompleted(SoakRun.Result run, double from)
    {
        double until = executed(run, Fault.RULES_RESTORED).start();
        return count(run.outcomes(), outcome -> isRevokedUsersQuery(outcome) && outcome.start() >= from && outcome.start() < until && outcome.result() == Result.COMPLETED);
    }

    private static boolean isRevokedUsersQuery(Outcome outcome)
    {
        return outcome.user().equals(SoakLoad.REVOKED_USER) && LOAD.contains(outcome.kind());
    }

    private static int count(List<Outcome> outcomes, Predicate<Outcome> predicate)
    {
        return (int) outcomes.stream().filter(predicate).count();
    }

    static Double percentile(double[] sorted, double fraction)
    {
        if (sorted.length == 0) {
            return null;
        }
        int index = Math.min(sorted.length - 1, (int) Math.ceil(fraction * sorted.length) - 1);
        return sorted[Math.max(0, index)];
    }
}
