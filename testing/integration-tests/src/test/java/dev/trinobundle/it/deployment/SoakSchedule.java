package dev.trinobundle.it.deployment;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The soak's faults and when they happen. The full schedule is written for 10 minutes and stretched or shrunk with
 * the run (a unit of {@code minutes / 10}), together with the Vault cache's TTL and stale window, so that "sealed
 * longer than the TTL but inside the stale window" and "beyond it" hold for any length. Phases are the planned
 * windows; the figures that must be 0 use the times the faults really happened.
 */
final class SoakSchedule
{
    enum Fault
    {
        VAULT_SEALED_IN_WINDOW("vault-sealed-in-window", "Vault sealed longer than vault.cache.ttl, shorter than ttl + stale window", true),
        POSTGRES_DOWN("postgres-down", "PostgreSQL (audit sink) stopped, then restarted", true),
        RULES_GARBAGE("rules-garbage", "rules.json replaced by garbage (ConfigMap symlink swap)", true),
        RULES_REVOKE("rules-revoke", "rules.json edited to revoke analyst1 (catalogs: allow none)", false),
        RULES_RESTORED("rules-restored", "rules.json restored to the chart's rules", false),
        WRONG_PASSWORD_BURST("wrong-password-burst", "wrong passwords for the service user admin, 8 at a time", false),
        HOSTILE_QUERY_TEXTS("hostile-query-texts", "query texts with U+0000 and of 1,000,000 characters", false),
        VAULT_SEALED_BEYOND_WINDOW("vault-sealed-beyond-window", "Vault sealed longer than ttl + stale window", true),
        COORDINATOR_KILLED("coordinator-kill-9", "coordinator killed with kill -9, restarted at once", false),
        AUDIT_DISK_FULL("audit-disk-full", "audit volume (tmpfs) filled to the last byte, then freed", true);

        private final String label;
        private final String description;
        private final boolean bundleOnly;

        Fault(String label, String description, boolean bundleOnly)
        {
            this.label = label;
            this.description = description;
            this.bundleOnly = bundleOnly;
        }

        String label()
        {
            return label;
        }

        String description()
        {
            return description;
        }

        /** A fault only the bundle survives, or that has nothing to hit without it: not applied to the baseline. */
        boolean bundleOnly()
        {
            return bundleOnly;
        }
    }

    /** A planned window, in seconds from the start of the load. */
    record Planned(Fault fault, double start, double end) {}

    /** What really happened, in seconds from the start of the load. */
    record Executed(Fault fault, double start, double end, boolean applied, String note) {}

    record Timing(Duration total, Duration vaultCacheTtl, Duration vaultStaleWindow, Duration refreshPeriod, int burstAttempts, List<Planned> plan)
    {
        Timing
        {
            plan = List.copyOf(plan);
        }

        double totalSeconds()
        {
            return total.toMillis() / 1000.0;
        }

        Planned planned(Fault fault)
        {
            return plan.stream().filter(planned -> planned.fault() == fault).findFirst().orElseThrow();
        }

        boolean has(Fault fault)
        {
            return plan.stream().anyMatch(planned -> planned.fault() == fault);
        }

        /** The labels of the planned windows that contain this time, or {@code steady}. */
        String phaseAt(double seconds)
        {
            String label = plan.stream()
                    .filter(planned -> planned.start() <= seconds && seconds < planned.end())
                    .map(planned -> planned.fault().label())
                    .collect(Collectors.joining("+"));
            return label.isEmpty() ? "steady" : label;
        }

        /** Phases in time order with their windows (contiguous stretches of one label). */
        Map<String, double[]> phases()
        {
            List<Double> boundaries = new ArrayList<>(List.of(0.0, totalSeconds()));
            plan.forEach(planned -> {
                boundaries.add(planned.start());
                boundaries.add(planned.end());
            });
            List<Double> sorted = boundaries.stream().distinct().filter(time -> time <= totalSeconds()).sorted().toList();
            Map<String, double[]> phases = new LinkedHashMap<>();
            String previous = null;
            double[] window = null;
            for (int i = 0; i + 1 < sorted.size(); i++) {
                String label = phaseAt(sorted.get(i));
                if (label.equals(previous)) {
                    window[1] = sorted.get(i + 1);
                    continue;
                }
                window = new double[] {sorted.get(i), sorted.get(i + 1)};
                // a label that comes back later (steady) gets a row per stretch: keys stay unique
                phases.put(phases.containsKey(label) ? label + "#" + i : label, window);
                previous = label;
            }
            return phases;
        }
    }

    private SoakSchedule() {}

    /** The issue's schedule, written for 10 minutes, scaled to {@code minutes}. */
    static Timing full(double minutes)
    {
        double unit = minutes / 10;
        List<Planned> plan = List.of(
                new Planned(Fault.VAULT_SEALED_IN_WINDOW, 40 * unit, 75 * unit),
                new Planned(Fault.POSTGRES_DOWN, 90 * unit, 210 * unit),
                new Planned(Fault.RULES_GARBAGE, 105 * unit, 135 * unit),
                new Planned(Fault.RULES_REVOKE, 135 * unit, 185 * unit),
                new Planned(Fault.RULES_RESTORED, 185 * unit, 200 * unit),
                new Planned(Fault.WRONG_PASSWORD_BURST, 215 * unit, 265 * unit),
                new Planned(Fault.HOSTILE_QUERY_TEXTS, 268 * unit, 278 * unit),
                new Planned(Fault.VAULT_SEALED_BEYOND_WINDOW, 280 * unit, 375 * unit),
                new Planned(Fault.COORDINATOR_KILLED, 390 * unit, 470 * unit),
                new Planned(Fault.AUDIT_DISK_FULL, 490 * unit, 535 * unit));
        // TTL 20, stale window 50 (of 600): sealed 35 is > TTL and ends before the stale copy does even if the secret
        // was last read a TTL before the seal (refresh at 3/4 TTL + maintenance every TTL/4); sealed 95 outlasts it.
        // The chart's refresh period (30 s) is kept up to 10 minutes and shrunk below.
        return new Timing(seconds(600 * unit), seconds(20 * unit), seconds(50 * unit),
                seconds(Math.min(30, 30 * unit)), (int) Math.min(1000, Math.round(1000 * unit)), plan);
    }

    /** The CI version: 90 s, the faults that need no restart and no outage longer than seconds. */
    static Timing ci()
    {
        List<Planned> plan = List.of(
                new Planned(Fault.RULES_GARBAGE, 10, 20),
                new Planned(Fault.RULES_REVOKE, 20, 35),
                new Planned(Fault.RULES_RESTORED, 35, 42),
                new Planned(Fault.WRONG_PASSWORD_BURST, 42, 55),
                new Planned(Fault.HOSTILE_QUERY_TEXTS, 55, 60),
                new Planned(Fault.VAULT_SEALED_IN_WINDOW, 62, 70),
                new Planned(Fault.POSTGRES_DOWN, 62, 80));
        // TTL 4 s, stale window 20 s: sealed 8 s is inside it with room for a slow machine (see full(): the copy may be
        // a TTL old at the seal, and the first read after the unseal may come TTL/4 plus the retries' backoff later)
        return new Timing(seconds(90), seconds(4), seconds(20), seconds(5), 100, plan);
    }

    /** The faults that really happened at some point between {@code from} and {@code to}, or {@code no fault}. */
    static String faultsBetween(List<Executed> executed, double from, double to)
    {
        String label = executed.stream()
                .filter(Executed::applied)
                .filter(fault -> fault.start() <= to && from < fault.end())
                .map(fault -> fault.fault().label())
                .collect(Collectors.joining("+"));
        return label.isEmpty() ? "no fault" : label;
    }

    private static Duration seconds(double seconds)
    {
        return Duration.ofMillis(Math.round(seconds * 1000));
    }

    static void print(Timing timing, PrintStream out)
    {
        out.printf("Fault schedule (%.0f s; Vault cache TTL %s, stale window %s; rules refresh period %s):%n",
                timing.totalSeconds(), timing.vaultCacheTtl().toSeconds() + "s", timing.vaultStaleWindow().toSeconds() + "s", timing.refreshPeriod().toSeconds() + "s");
        for (Planned planned : timing.plan().stream().sorted(Comparator.comparingDouble(Planned::start)).toList()) {
            out.printf("  %6.0f s - %6.0f s  %-27s %s%s%n", planned.start(), planned.end(), planned.fault().label(), planned.fault().description(),
                    planned.fault().bundleOnly() ? "  [bundle only]" : "");
        }
    }

    /** The hands that inject a fault and end it; each returns a note for the report. */
    interface Hands
    {
        String start(Fault fault)
                throws Exception;

        String end(Fault fault)
                throws Exception;
    }

    /**
     * Runs the plan on the clock: each fault on its own thread (start at its planned time, end at its planned end or
     * when its start action is done, whichever is later), so that a fault running late never shortens another. A fault
     * that only the bundle survives is skipped for the built-ins.
     */
    static List<Executed> run(Timing timing, boolean builtins, Hands hands, SoakClock clock, PrintStream out)
            throws InterruptedException
    {
        List<Executed> executed = new CopyOnWriteArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (Planned planned : timing.plan()) {
            Fault fault = planned.fault();
            if (builtins && fault.bundleOnly()) {
                executed.add(new Executed(fault, planned.start(), planned.end(), false, "bundle only: not applied to the built-ins"));
                continue;
            }
            threads.add(Thread.ofPlatform().name("soak-fault-" + fault.label()).start(() -> {
                if (!clock.sleepUntil(planned.start())) {
                    return;
                }
                double start = clock.seconds();
                String startNote = act(hands, fault, true);
                log(out, clock, "start", fault, startNote);
                clock.sleepUntil(planned.end());
                // the end action returns when the fault is over (Vault unsealed, the restarted coordinator serving, the
                // last wrong password answered)
                String endNote = act(hands, fault, false);
                double end = clock.seconds();
                log(out, clock, "end  ", fault, endNote);
                executed.add(new Executed(fault, start, end, true, String.join("; ", Stream.of(startNote, endNote).filter(note -> !note.isEmpty()).toList())));
            }));
        }
        for (Thread thread : threads) {
            thread.join();
        }
        return timing.plan().stream()
                .map(planned -> executed.stream().filter(fault -> fault.fault() == planned.fault()).findFirst()
                        .orElse(new Executed(planned.fault(), planned.start(), planned.end(), false, "not reached")))
                .toList();
    }

    private static String act(Hands hands, Fault fault, boolean start)
    {
        try {
            String note = start ? hands.start(fault) : hands.end(fault);
            return note == null ? "" : note;
        }
        catch (Exception e) {
            return "FAILED to inject: " + e;
        }
    }

    private static void log(PrintStream out, SoakClock clock, String what, Fault fault, String note)
    {
        out.printf("[%6.1f s] %s %s%s%n", clock.seconds(), what, fault.label(), note.isEmpty() ? "" : ": " + note);
    }
}
