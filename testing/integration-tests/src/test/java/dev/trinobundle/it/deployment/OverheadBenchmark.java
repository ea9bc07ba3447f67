package dev.trinobundle.it.deployment;

import dev.trinobundle.authenticator.testing.TestingVaultServer;
import dev.trinobundle.testing.TrinoServer;

import java.nio.file.Files;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import static dev.trinobundle.it.deployment.DeploymentFiles.deploymentDir;

/**
 * What the bundle costs per query, against Trino's built-ins doing the same jobs: the real server twice, once with our
 * access control (the shipped rules), the Vault authenticator (against an in-process Vault fixture) and the audit
 * listener (journal + file sink), once with the {@code file} access control (same rules), the {@code file} authenticator
 * and no listener. Both serve the same small JDBC queries over HTTPS with password authentication, measured in
 * alternating blocks so that machine noise hits both alike. Run through {@code deployment/benchmark-overhead}.
 */
public final class OverheadBenchmark
{
    private static final String SQL = "SELECT name FROM tpch.tiny.nation WHERE nationkey = ?";
    private static final String PASSWORD = "bench-password";
    private static final int BLOCK = 100;

    private OverheadBenchmark() {}

    public static void main(String[] args)
            throws Exception
    {
        int queries = args.length > 0 ? Integer.parseInt(args[0]) : 3000;
        int warmup = Math.max(200, queries / 10);
        String rules = Files.readString(deploymentDir().resolve("etc/rules.json"));

        try (TestingVaultServer vault = TestingVaultServer.start()) {
            vault.putSecret("secret", "trino/password", Map.of("admin", "plain:" + PASSWORD));
            String token = vault.createToken(Duration.ofHours(2), true, "secret/data/trino/");

            TrinoServer.Builder bundleBuilder = TrinoServer.builder()
                    .withBundledPlugins("tpch")
                    .withBundlePlugins("rules-access-control", "vault-authenticator", "audit-event-listener")
                    .withCatalog("tpch", Map.of("connector.name", "tpch"))
                    .withPasswordAuthentication();
            bundleBuilder.withEtcFile("rules.json", rules)
                    .withEtcProperties("access-control.properties", Map.of(
                            "access-control.name", "rules",
                            "security.config-file", bundleBuilder.etcDir().resolve("rules.json").toString()))
                    .withEtcProperties("password-authenticator.properties", Map.of(
                            "password-authenticator.name", "vault",
                            "vault.address", vault.address().toString(),
                            "vault.allow-insecure", "true",
                            "vault.token", token))
                    .withEtcProperties("event-listener.properties", Map.of(
                            "event-listener.name", "audit",
                            "audit.journal.directory", bundleBuilder.serverDir().resolve("audit/journal").toString(),
                            "audit.file.directory", bundleBuilder.serverDir().resolve("audit/log").toString()));

            TrinoServer.Builder builtinBuilder = TrinoServer.builder()
                    .withBundledPlugins("tpch")
                    .withCatalog("tpch", Map.of("connector.name", "tpch"))
                    .withFilePasswords(Map.of("admin", PASSWORD));
            builtinBuilder.withEtcFile("rules.json", rules)
                    .withEtcProperties("access-control.properties", Map.of(
                            "access-control.name", "file",
                            "security.config-file", builtinBuilder.etcDir().resolve("rules.json").toString()));

            try (TrinoServer bundle = bundleBuilder.start();
                    TrinoServer builtin = builtinBuilder.start();
                    Connection bundleConnection = bundle.connect("admin", PASSWORD);
                    Connection builtinConnection = builtin.connect("admin", PASSWORD);
                    PreparedStatement bundleStatement = bundleConnection.prepareStatement(SQL);
                    PreparedStatement builtinStatement = builtinConnection.prepareStatement(SQL)) {
                System.out.printf("warm-up: %d queries per server%n", warmup);
                run(bundleStatement, new long[warmup], 0, warmup);
                run(builtinStatement, new long[warmup], 0, warmup);

                long[] bundleNanos = new long[queries];
                long[] builtinNanos = new long[queries];
                for (int offset = 0; offset < queries; offset += BLOCK) {
                    int count = Math.min(BLOCK, queries - offset);
                    run(bundleStatement, bundleNanos, offset, count);
                    run(builtinStatement, builtinNanos, offset, count);
                }
                report(queries, bundleNanos, builtinNanos);
            }
        }
    }

    private static void run(PreparedStatement statement, long[] nanos, int offset, int count)
            throws SQLException
    {
        for (int i = 0; i < count; i++) {
            statement.setLong(1, (offset + i) % 25);
            long start = System.nanoTime();
            try (ResultSet rows = statement.executeQuery()) {
                // read to the end: closing a result set early cancels the query (and the audit records a failure)
                int rowCount = 0;
                while (rows.next()) {
                    rowCount++;
                }
                if (rowCount != 1) {
                    throw new IllegalStateException("expected one row, got " + rowCount);
                }
            }
            nanos[offset + i] = System.nanoTime() - start;
        }
    }

    private static void report(int queries, long[] bundleNanos, long[] builtinNanos)
    {
        Arrays.sort(bundleNanos);
        Arrays.sort(builtinNanos);
        Map<String, double[]> figures = new HashMap<>();
        figures.put("bundle", new double[] {percentile(bundleNanos, 0.5), percentile(bundleNanos, 0.99)});
        figures.put("built-ins", new double[] {percentile(builtinNanos, 0.5), percentile(builtinNanos, 0.99)});
        System.out.printf("%d queries per server (%s)%n", queries, SQL);
        System.out.printf("%-10s median %8.2f ms   p99 %8.2f ms%n", "bundle", figures.get("bundle")[0], figures.get("bundle")[1]);
        System.out.printf("%-10s median %8.2f ms   p99 %8.2f ms%n", "built-ins", figures.get("built-ins")[0], figures.get("built-ins")[1]);
        System.out.printf("ratio      median %8.3f      p99 %8.3f   (bundle / built-ins)%n",
                figures.get("bundle")[0] / figures.get("built-ins")[0], figures.get("bundle")[1] / figures.get("built-ins")[1]);
    }

    private static double percentile(long[] sortedNanos, double fraction)
    {
        int index = Math.min(sortedNanos.length - 1, (int) Math.ceil(fraction * sortedNanos.length) - 1);
        return sortedNanos[Math.max(0, index)] / 1_000_000.0;
    }
}
