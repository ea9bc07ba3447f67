package dev.trinobundle.it.deployment;

import com.fasterxml.jackson.databind.JsonNode;
import dev.trinobundle.testing.AuditLogFiles;
import dev.trinobundle.testing.TestingPostgresServer;
import dev.trinobundle.testing.TrinoServer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import static dev.trinobundle.it.deployment.SoakLoad.Outcome;

/**
 * The audit reconciliation: every query the clients saw complete must have exactly one {@code completed} record, in
 * the audit log files and in PostgreSQL, by query id; and the whole file log must pass {@code AuditLogVerifier}, run as an
 * operator runs it, from the plugin directory.
 */
final class SoakAudit
{
    /** One sink's count of completed records against the clients' queries. */
    record SinkCheck(String sink, int completedRecords, int lost, int duplicated, int extra, Map<String, Integer> lostByPhase) {}

    record Result(int clientCompleted, int clientFailedWithQueryId, SinkCheck file, SinkCheck postgresql, int failedWithoutCompletedRecord,
            Map<String, Integer> failedWithoutCompletedRecordByPhase, int verifierExitCode, String verifierOutput) {}

    private SoakAudit() {}

    /** Query id to number of completed records in the audit log files. */
    static Map<String, Integer> fileRecords(Path log)
    {
        Map<String, Integer> counts = new HashMap<>();
        for (JsonNode record : AuditLogFiles.records(log)) {
            if (record.path("kind").asText().equals("completed")) {
                counts.merge(record.at("/query/id").asText(), 1, Integer::sum);
            }
        }
        return counts;
    }

    /** Query id to number of completed rows in PostgreSQL (the primary key keeps it at one; counted anyway). */
    static Map<String, Integer> postgresRecords(TestingPostgresServer postgres, SoakConfiguration.AuditFiles audit)
            throws SQLException
    {
        Map<String, Integer> counts = new HashMap<>();
        try (Connection connection = DriverManager.getConnection(postgres.jdbcUrl(audit.database()), postgres.user(), postgres.password());
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT query_id, count(*) FROM %s WHERE event_kind = 'completed' GROUP BY query_id".formatted(audit.table()))) {
            while (rows.next()) {
                counts.put(rows.getString(1), rows.getInt(2));
            }
        }
        return counts;
    }

    /** How many of the clients' completed queries a sink does not have yet. */
    static long missing(List<Outcome> outcomes, Map<String, Integer> records)
    {
        return outcomes.stream()
                .filter(outcome -> outcome.queryId() != null)
                .filter(outcome -> !records.containsKey(outcome.queryId()))
                .count();
    }

    static Result reconcile(List<Outcome> outcomes, Map<String, Integer> file, Map<String, Integer> postgresql, Function<Outcome, String> phaseAt, Path log, SoakConfiguration.AuditFiles audit)
            throws IOException, InterruptedException
    {
        List<Outcome> completed = outcomes.stream().filter(outcome -> outcome.result() == SoakLoad.Result.COMPLETED).toList();
        List<Outcome> failed = outcomes.stream().filter(outcome -> outcome.result() == SoakLoad.Result.FAILED).toList();
        Set<String> seen = outcomes.stream().map(Outcome::queryId).filter(Objects::nonNull).collect(Collectors.toSet());
        Map<String, Integer> failedWithoutRecord = new TreeMap<>();
        for (Outcome outcome : failed) {
            if (!file.containsKey(outcome.queryId())) {
                failedWithoutRecord.merge(phaseAt.apply(outcome), 1, Integer::sum);
            }
        }
        String[] verifier = verify(log, audit);
        return new Result(completed.size(), failed.size(), check("file", completed, seen, file, phaseAt), check("postgresql", completed, seen, postgresql, phaseAt),
                failedWithoutRecord.values().stream().mapToInt(Integer::intValue).sum(), failedWithoutRecord, Integer.parseInt(verifier[0]), verifier[1]);
    }

    private static SinkCheck check(String sink, List<Outcome> completed, Set<String> seen, Map<String, Integer> records, Function<Outcome, String> phaseAt)
    {
        Map<String, Integer> lostByPhase = new LinkedHashMap<>();
        int lost = 0;
        int duplicated = 0;
        for (Outcome outcome : completed) {
            int count = records.getOrDefault(outcome.queryId(), 0);
            if (count == 0) {
                lost++;
                lostByPhase.merge(phaseAt.apply(outcome), 1, Integer::sum);
            }
            else if (count > 1) {
                duplicated++;
            }
        }
        // records of queries no client saw at all (neither completed nor failed with an id)
        int extra = (int) records.keySet().stream().filter(id -> !seen.contains(id)).count();
        return new SinkCheck(sink, records.values().stream().mapToInt(Integer::intValue).sum(), lost, duplicated, extra, lostByPhase);
    }

    /** {@code AuditLogVerifier} with the key and the checkpoints on the whole file log; exit code and its output. */
    private static String[] verify(Path log, SoakConfiguration.AuditFiles audit)
            throws IOException, InterruptedException
    {
        Path pluginDir = Path.of(System.getProperty(TrinoServer.BUNDLE_PLUGINS_DIR_PROPERTY)).resolve("audit-event-listener");
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", pluginDir + "/*", "dev.trinobundle.eventlistener.AuditLogVerifier",
                "--key", audit.keyFile().toString(), "--checkpoints", audit.checkpoints().toString(), log.toString())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!process.waitFor(10, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            return new String[] {"-1", "timed out: " + output};
        }
        return new String[] {String.valueOf(process.exitValue()), output};
    }
}
