package dev.trinobundle.it.deployment;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.trinobundle.it.deployment.SoakReport.Phase;
import dev.trinobundle.it.deployment.SoakSchedule.Fault;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

import static dev.trinobundle.it.deployment.SoakReport.executed;

/** The soak's one table (Markdown, as the README keeps it) and its JSON record. */
final class SoakTable
{
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private SoakTable() {}

    static String render(SoakRun.Result bundle, Optional<SoakRun.Result> builtins)
    {
        StringBuilder out = new StringBuilder();
        out.append("Load average at the end: %s; queries: bundle %d%s%n%n".formatted(loadAverage(), bundle.outcomes().size(),
                builtins.map(run -> ", built-ins " + run.outcomes().size()).orElse("")));
        List<Phase> phases = SoakReport.phases(bundle);
        List<Phase> baseline = builtins.map(SoakReport::phases).orElse(List.of());
        out.append("| phase | window (s) | completed | failed (expected denials) | refused (wrong passwords) | p50 ms | p99 ms | p50 / built-ins | p99 / built-ins |\n");
        out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (int i = 0; i < phases.size(); i++) {
            Phase phase = phases.get(i);
            Optional<Phase> base = i < baseline.size() ? Optional.of(baseline.get(i)) : Optional.empty();
            out.append("| %s | %.0f-%.0f | %d | %d (%d) | %d (%d) | %s | %s | %s | %s |\n".formatted(phase.phase(), phase.from(), phase.to(),
                    phase.completed(), phase.failed(), phase.expectedDenials(), phase.refused(), phase.wrongPasswords(),
                    number(phase.p50()), number(phase.p99()),
                    base.map(b -> ratio(phase.p50(), b.p50())).orElse("-"), base.map(b -> ratio(phase.p99(), b.p99())).orElse("-")));
        }
        builtins.ifPresent(run -> {
            out.append("\nBuilt-ins (same load and schedule; faults only the bundle survives not applied):\n\n");
            out.append("| phase | completed | failed (expected denials) | refused (wrong passwords) | p50 ms | p99 ms |\n|---|---:|---:|---:|---:|---:|\n");
            for (Phase phase : baseline) {
                out.append("| %s | %d | %d (%d) | %d (%d) | %s | %s |\n".formatted(phase.phase(), phase.completed(), phase.failed(), phase.expectedDenials(),
                        phase.refused(), phase.wrongPasswords(), number(phase.p50()), number(phase.p99())));
            }
        });

        out.append("\nUnexpected outcomes of allowed queries, per phase (bundle):\n");
        phases.stream().filter(phase -> !phase.failures().isEmpty())
                .forEach(phase -> out.append("  %-45s %s%n".formatted(phase.phase(), phase.failures())));
        out.append("  one message per kind:\n");
        bundle.outcomes().stream()
                .filter(outcome -> outcome.result() != SoakLoad.Result.COMPLETED && outcome.kind().expectAllowed())
                .collect(Collectors.toMap(SoakLoad.Outcome::error, SoakLoad.Outcome::message, (first, _) -> first, TreeMap::new))
                .forEach((error, message) -> out.append("    %s: %s%n".formatted(error, message)));

        bundle.audit().ifPresent(audit -> {
            out.append("\nAudit (by query id, completed records):\n");
            out.append("  queries the clients saw complete: %d; failed with a query id: %d%n".formatted(audit.clientCompleted(), audit.clientFailedWithQueryId()));
            for (SoakAudit.SinkCheck sink : List.of(audit.file(), audit.postgresql())) {
                out.append("  %-10s records %d, lost %d, duplicated %d, extra %d%s%n".formatted(sink.sink(), sink.completedRecords(), sink.lost(), sink.duplicated(), sink.extra(),
                        sink.lostByPhase().isEmpty() ? "" : "; lost by phase " + sink.lostByPhase()));
            }
            out.append("  failed queries without a completed record: %d %s%n".formatted(audit.failedWithoutCompletedRecord(), audit.failedWithoutCompletedRecordByPhase()));
            SoakReport.recordsDroppedOnFullDisk(bundle).ifPresent(dropped -> out.append("  RecordsDropped (JMX) when the disk-full window ended: %d%n".formatted(dropped)));
            out.append("  AuditLogVerifier: exit %d: %s%n".formatted(audit.verifierExitCode(), audit.verifierOutput()));
        });

        out.append("\nAuthentication:\n");
        out.append("  false accepts (wrong password got in): %d%s (must be 0)%n".formatted(SoakReport.wrongPasswordsAccepted(bundle),
                builtins.map(run -> "; built-ins " + SoakReport.wrongPasswordsAccepted(run)).orElse("")));
        if (bundle.timing().has(Fault.WRONG_PASSWORD_BURST)) {
            out.append("  burst: %d wrong passwords for %s, %d refused; service-user queries refused during it: %d of %d%s%n".formatted(
                    SoakReport.burstAttempts(bundle), SoakLoad.SERVICE_USER, SoakReport.burstRefused(bundle), SoakReport.serviceUserRefusedDuringBurst(bundle),
                    SoakReport.serviceUserQueriesDuringBurst(bundle),
                    builtins.map(run -> " (built-ins %d of %d)".formatted(SoakReport.serviceUserRefusedDuringBurst(run), SoakReport.serviceUserQueriesDuringBurst(run))).orElse("")));
        }
        double[] vault = SoakReport.vaultRequestsPerMinute(bundle);
        out.append("  Vault requests per minute: %.1f on average, at most %.0f in one minute%n".formatted(vault[0], vault[1]));

        out.append("\nAccess control:\n");
        if (bundle.timing().has(Fault.RULES_REVOKE)) {
            out.append("  revoked user's queries run on the old rules later than one refresh period (%ss) after the revoke: %d%s (must be 0); within the period: %d%s%n".formatted(
                    bundle.timing().refreshPeriod().toSeconds(), SoakReport.staleAfterRevoke(bundle),
                    builtins.map(run -> " (built-ins %d)".formatted(SoakReport.staleAfterRevoke(run))).orElse(""),
                    SoakReport.staleWithinRefreshPeriod(bundle), builtins.map(run -> " (built-ins %d)".formatted(SoakReport.staleWithinRefreshPeriod(run))).orElse("")));
            out.append("  first denial of the revoked user after the edit: %s s%s%n".formatted(number(SoakReport.firstDenialAfterRevoke(bundle)),
                    builtins.map(run -> " (built-ins %s s)".formatted(number(SoakReport.firstDenialAfterRevoke(run)))).orElse("")));
        }
        if (bundle.timing().has(Fault.RULES_GARBAGE)) {
            out.append("  queries denied because the rules file was garbage: %d (must be 0 with keep-last); other failures in that window: %d%n".formatted(
                    SoakReport.deniedByBrokenRules(bundle), SoakReport.otherFailuresWhileRulesBroken(bundle)));
        }

        out.append("\nResources (coordinator; min / mean / max over 5 s samples):\n");
        for (SoakRun.Result run : builtins.isPresent() ? List.of(bundle, builtins.get()) : List.of(bundle)) {
            double[] heap = SoakReport.resource(run, SoakMonitor.Sample::heapMegabytes);
            double[] cpu = SoakReport.resource(run, SoakMonitor.Sample::cpuPercent);
            out.append("  %-8s heap %.0f / %.0f / %.0f MB, CPU %.0f / %.0f / %.0f %% of a core%n".formatted(run.flavor(), heap[0], heap[1], heap[2], cpu[0], cpu[1], cpu[2]));
        }
        double[] journal = SoakReport.resource(bundle, sample -> sample.journalBytes() == null ? null : sample.journalBytes() / 1048576.0);
        double[] volume = SoakReport.resource(bundle, sample -> sample.auditVolumeBytes() == null ? null : sample.auditVolumeBytes() / 1048576.0);
        out.append("  journal %.1f / %.1f / %.1f MB, audit volume used %.1f / %.1f / %.1f MB (of %s)%n".formatted(journal[0], journal[1], journal[2],
                volume[0], volume[1], volume[2], SoakCluster.AUDIT_VOLUME_SIZE));

        out.append("  journal MB at the end of each minute: %s%n".formatted(perMinute(bundle, sample -> sample.journalBytes() == null ? null : sample.journalBytes() / 1048576.0)));
        out.append("  coordinator heap MB at the end of each minute: %s%n".formatted(perMinute(bundle, SoakMonitor.Sample::heapMegabytes)));
        out.append("\nFaults as they happened (s from the start of the load):\n");
        bundle.faults().forEach(fault -> out.append("  %-27s %6.1f - %6.1f %s%n".formatted(fault.fault().label(), fault.start(), fault.end(), fault.note())));
        Map<String, Integer> mustBeZero = SoakReport.mustBeZero(bundle);
        out.append("\nMust be 0: %s%n".formatted(mustBeZero));
        return out.toString();
    }

    static ObjectNode json(double minutes, SoakRun.Result bundle, Optional<SoakRun.Result> builtins)
    {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("minutes", minutes);
        root.put("loadAverageAtEnd", loadAverage());
        ArrayNode schedule = root.putArray("schedule");
        bundle.timing().plan().forEach(planned -> schedule.addObject().put("fault", planned.fault().label()).put("description", planned.fault().description())
                .put("plannedStart", planned.start()).put("plannedEnd", planned.end()).put("bundleOnly", planned.fault().bundleOnly()));
        root.set("timing", MAPPER.createObjectNode().put("vaultCacheTtlSeconds", bundle.timing().vaultCacheTtl().toSeconds())
                .put("vaultStaleWindowSeconds", bundle.timing().vaultStaleWindow().toSeconds()).put("rulesRefreshPeriodSeconds", bundle.timing().refreshPeriod().toSeconds()));
        root.set("mustBeZero", MAPPER.valueToTree(SoakReport.mustBeZero(bundle)));
        root.set("bundle", run(bundle));
        builtins.ifPresent(run -> root.set("builtins", run(run)));
        return root;
    }

    private static ObjectNode run(SoakRun.Result run)
    {
        ObjectNode node = MAPPER.createObjectNode();
        node.set("phases", MAPPER.valueToTree(SoakReport.phases(run)));
        node.set("faults", MAPPER.valueToTree(run.faults()));
        node.put("queries", run.outcomes().size());
        node.put("wrongPasswordsAccepted", SoakReport.wrongPasswordsAccepted(run));
        if (run.timing().has(Fault.WRONG_PASSWORD_BURST) && executed(run, Fault.WRONG_PASSWORD_BURST).applied()) {
            node.put("burstAttempts", SoakReport.burstAttempts(run)).put("burstRefused", SoakReport.burstRefused(run))
                    .put("serviceUserRefusedDuringBurst", SoakReport.serviceUserRefusedDuringBurst(run))
                    .put("serviceUserQueriesDuringBurst", SoakReport.serviceUserQueriesDuringBurst(run));
        }
        if (run.timing().has(Fault.RULES_REVOKE) && executed(run, Fault.RULES_REVOKE).applied()) {
            node.put("staleAfterRevokeAndRefreshPeriod", SoakReport.staleAfterRevoke(run)).put("staleWithinRefreshPeriod", SoakReport.staleWithinRefreshPeriod(run));
            Double firstDenial = SoakReport.firstDenialAfterRevoke(run);
            if (firstDenial != null) {
                node.put("firstDenialAfterRevokeSeconds", firstDenial);
            }
        }
        if (run.timing().has(Fault.RULES_GARBAGE) && executed(run, Fault.RULES_GARBAGE).applied()) {
            node.put("deniedByBrokenRules", SoakReport.deniedByBrokenRules(run)).put("otherFailuresWhileRulesBroken", SoakReport.otherFailuresWhileRulesBroken(run));
        }
        double[] vault = SoakReport.vaultRequestsPerMinute(run);
        node.put("vaultRequestsPerMinute", vault[0]).put("vaultRequestsMaxMinute", vault[1]);
        run.audit().ifPresent(audit -> node.set("audit", MAPPER.valueToTree(audit)));
        SoakReport.recordsDroppedOnFullDisk(run).ifPresent(dropped -> node.put("recordsDroppedOnFullDisk", dropped));
        node.set("auditCountersAfterDiskFull", MAPPER.valueToTree(run.countersAfterDiskFull()));
        node.set("auditCountersAtEnd", MAPPER.valueToTree(run.finalCounters()));
        node.set("samples", MAPPER.valueToTree(run.samples()));
        node.put("coordinatorLog", run.coordinatorLog());
        return node;
    }

    /** The last sample of every minute, for the figures over time. */
    private static String perMinute(SoakRun.Result run, Function<SoakMonitor.Sample, Number> value)
    {
        Map<Integer, Number> byMinute = new TreeMap<>();
        run.samples().forEach(sample -> {
            Number number = value.apply(sample);
            if (number != null) {
                byMinute.put((int) (sample.time() / 60), number);
            }
        });
        return byMinute.values().stream().map(number -> String.format(Locale.ROOT, "%.1f", number.doubleValue())).collect(Collectors.joining(" "));
    }

    private static String loadAverage()
    {
        try {
            return String.join(" ", Arrays.copyOf(Files.readString(Path.of("/proc/loadavg")).split(" "), 3));
        }
        catch (IOException e) {
            return "unknown";
        }
    }

    private static String number(Double value)
    {
        return value == null ? "-" : String.format(Locale.ROOT, value >= 100 ? "%.0f" : "%.1f", value);
    }

    private static String ratio(Double value, Double base)
    {
        return value == null || base == null || base == 0 ? "-" : String.format(Locale.ROOT, "%.2f", value / base);
    }
}
