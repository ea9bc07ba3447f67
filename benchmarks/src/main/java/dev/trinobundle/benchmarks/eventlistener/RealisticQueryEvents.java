package dev.trinobundle.benchmarks.eventlistener;

import io.trino.spi.connector.CatalogHandle.CatalogVersion;
import io.trino.spi.eventlistener.ColumnInfo;
import io.trino.spi.eventlistener.QueryCompletedEvent;
import io.trino.spi.eventlistener.QueryContext;
import io.trino.spi.eventlistener.QueryIOMetadata;
import io.trino.spi.eventlistener.QueryInputMetadata;
import io.trino.spi.eventlistener.QueryMetadata;
import io.trino.spi.eventlistener.QueryStatistics;
import io.trino.spi.eventlistener.TableInfo;
import io.trino.spi.metrics.Metrics;
import io.trino.spi.resourcegroups.QueryType;
import io.trino.spi.resourcegroups.ResourceGroupId;
import io.trino.spi.session.ResourceEstimates;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * A completed BI query as Trino 476 reports it: a service user impersonating a person, a three-table join with a
 * ~600-character SQL text, a dozen columns, session properties and client tags.
 */
final class RealisticQueryEvents
{
    private static final String SQL = """
            SELECT c.name AS customer, n.name AS nation, sum(o.totalprice) AS revenue, count(*) AS orders,
                   avg(o.totalprice) AS average_order, max(o.orderdate) AS last_order
            FROM tpch.sf1.customer c
            JOIN tpch.sf1.orders o ON o.custkey = c.custkey
            JOIN tpch.sf1.nation n ON n.nationkey = c.nationkey
            WHERE o.orderdate BETWEEN DATE '1995-01-01' AND DATE '1995-12-31'
              AND c.mktsegment IN ('BUILDING', 'AUTOMOBILE')
              AND o.orderstatus = 'F'
            GROUP BY c.name, n.name
            HAVING sum(o.totalprice) > 100000
            ORDER BY revenue DESC
            LIMIT 100""";

    private RealisticQueryEvents() {}

    static QueryCompletedEvent completed(String queryId)
    {
        Instant create = Instant.parse("2026-01-02T03:04:05.123Z");
        QueryContext context = new QueryContext(
                "alice@example.com",
                "alice@example.com",
                Set.of(),
                Optional.of("superset-service"),
                Set.of("analyst"),
                Set.of("finance", "bi-users", "emea"),
                Optional.of("7f3a9c2e-trace"),
                Optional.of("10.20.30.40"),
                Optional.of("Trino JDBC Driver/476 Superset/4.1"),
                Optional.of("{\"dashboard\":\"revenue-by-nation\",\"chart\":42}"),
                Set.of("superset", "dashboard"),
                Set.of("PATH", "PARAMETRIC_DATETIME"),
                Optional.of("superset"),
                "Europe/Paris",
                Optional.of("tpch"),
                Optional.of("sf1"),
                Optional.of(new ResourceGroupId(List.of("global", "bi", "superset"))),
                Map.of("query_max_run_time", "10m", "join_distribution_type", "AUTOMATIC"),
                new ResourceEstimates(Optional.empty(), Optional.empty(), Optional.empty()),
                "10.0.0.1",
                "476",
                "production",
                Optional.of(QueryType.SELECT),
                "NONE");
        QueryMetadata metadata = new QueryMetadata(
                queryId,
                Optional.of("c9c1a7b4-6d5e-4c1a-9f0e-1d2c3b4a5f6e"),
                Optional.empty(),
                SQL,
                Optional.empty(),
                Optional.empty(),
                "FINISHED",
                List.of(
                        table("customer", "custkey", "name", "nationkey", "mktsegment"),
                        table("orders", "custkey", "totalprice", "orderdate", "orderstatus"),
                        table("nation", "nationkey", "name")),
                List.of(),
                URI.create("http://10.0.0.1:8080/v1/query/" + queryId),
                Optional.empty(),
                Optional.empty(),
                Optional.empty());
        QueryIOMetadata io = new QueryIOMetadata(
                List.of(
                        input("customer", 150_000, "custkey", "name", "nationkey", "mktsegment"),
                        input("orders", 1_500_000, "custkey", "totalprice", "orderdate", "orderstatus"),
                        input("nation", 25, "nationkey", "name")),
                Optional.empty());
        QueryStatistics statistics = new QueryStatistics(
                Duration.ofMillis(8_400), Duration.ZERO, Duration.ofMillis(2_300), Duration.ofMillis(12),
                Optional.of(Duration.ofMillis(9_000)), Optional.empty(), Optional.of(Duration.ofMillis(3)), Optional.of(Duration.ofMillis(40)),
                Optional.of(Duration.ofMillis(85)), Optional.of(Duration.ofMillis(80)), Optional.of(Duration.ofMillis(10)), Optional.of(Duration.ofMillis(2_150)),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                512L << 20, 128L << 20, 160L << 20,
                180L << 20, 1_650_025,
                180L << 20, 1_650_025,
                12L << 20, 90_000,
                0, 0,
                8_000, 100,
                0, 0,
                0,
                1.5e9, 0.0,
                List.of(),
                48,
                true,
                List.of(), List.of(), List.of(), List.of(), List.of(),
                List.of(),
                List.of(),
                Optional.empty());
        return new QueryCompletedEvent(metadata, statistics, context, io, Optional.empty(), List.of(),
                create, create.plusMillis(60), create.plusMillis(2_360));
    }

    private static TableInfo table(String table, String... columns)
    {
        return new TableInfo("tpch", "sf1", table, "admin", List.of(),
                List.of(columns).stream().map(column -> new ColumnInfo(column, Optional.empty())).toList(),
                true, Optional.empty(), List.of());
    }

    private static QueryInputMetadata input(String table, long rows, String... columns)
    {
        return new QueryInputMetadata(
                Optional.of("tpch"),
                "tpch",
                new CatalogVersion("default"),
                "sf1",
                table,
                List.of(columns).stream().map(column -> new QueryInputMetadata.Column(column, "varchar")).toList(),
                Optional.empty(),
                Metrics.EMPTY,
                OptionalLong.of(rows * 100),
                OptionalLong.of(rows));
    }
}
