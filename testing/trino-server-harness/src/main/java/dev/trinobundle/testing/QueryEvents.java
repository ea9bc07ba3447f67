package dev.trinobundle.testing;

import io.trino.spi.ErrorCode;
import io.trino.spi.ErrorType;
import io.trino.spi.connector.CatalogHandle.CatalogVersion;
import io.trino.spi.eventlistener.ColumnInfo;
import io.trino.spi.eventlistener.OutputColumnMetadata;
import io.trino.spi.eventlistener.QueryCompletedEvent;
import io.trino.spi.eventlistener.QueryContext;
import io.trino.spi.eventlistener.QueryCreatedEvent;
import io.trino.spi.eventlistener.QueryFailureInfo;
import io.trino.spi.eventlistener.QueryIOMetadata;
import io.trino.spi.eventlistener.QueryInputMetadata;
import io.trino.spi.eventlistener.QueryMetadata;
import io.trino.spi.eventlistener.QueryOutputMetadata;
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
 * Query events built with the Trino 476 SPI constructors, the way the engine builds them: one fixture for the audit
 * listener's tests and the benchmarks.
 */
public final class QueryEvents
{
    public static final Instant CREATE_TIME = Instant.parse("2026-01-02T03:04:05.123Z");
    public static final Instant START_TIME = Instant.parse("2026-01-02T03:04:05.200Z");
    public static final Instant END_TIME = Instant.parse("2026-01-02T03:04:06.500Z");

    private QueryEvents() {}

    public static QueryContext context(String principal, String user, String originalUser)
    {
        return new QueryContext(
                user,
                originalUser,
                Set.of("analyst"),
                Optional.ofNullable(principal),
                Set.of("role_b", "role_a"),
                Set.of("finance", "bi"),
                Optional.of("trace-1"),
                Optional.of("10.1.2.3"),
                Optional.of("Trino JDBC Driver/476"),
                Optional.of("{\"dashboard\":\"sales\"}"),
                Set.of("tag2", "tag1"),
                Set.of(),
                Optional.of("superset"),
                "UTC",
                Optional.of("tpch"),
                Optional.of("tiny"),
                Optional.of(new ResourceGroupId(List.of("global", "bi"))),
                Map.of(),
                new ResourceEstimates(Optional.empty(), Optional.empty(), Optional.empty()),
                "10.0.0.1",
                "476",
                "production",
                Optional.of(QueryType.SELECT),
                "NONE");
    }

    public static QueryMetadata metadata(String queryId, String sql, String state)
    {
        return new QueryMetadata(
                queryId,
                Optional.empty(),
                Optional.empty(),
                sql,
                Optional.empty(),
                Optional.empty(),
                state,
                List.of(new TableInfo("tpch", "tiny", "nation", "admin", List.of(),
                        List.of(new ColumnInfo("name", Optional.empty()), new ColumnInfo("regionkey", Optional.empty())),
                        true, Optional.empty(), List.of())),
                List.of(),
                URI.create("http://localhost/v1/query/" + queryId),
                Optional.empty(),
                Optional.empty(),
                Optional.empty());
    }

    public static QueryCreatedEvent created(String queryId)
    {
        return new QueryCreatedEvent(CREATE_TIME, context("admin", "alice", "alice"), metadata(queryId, "SELECT name FROM nation", "QUEUED"));
    }

    public static QueryCompletedEvent completed(String queryId)
    {
        return completed(queryId, context("admin", "alice", "alice"), "SELECT name FROM nation", Optional.empty());
    }

    public static QueryCompletedEvent completed(String queryId, QueryContext context, String sql, Optional<QueryFailureInfo> failure)
    {
        QueryIOMetadata io = new QueryIOMetadata(
                List.of(new QueryInputMetadata(
                        Optional.of("tpch"),
                        "tpch",
                        new CatalogVersion("default"),
                        "tiny",
                        "nation",
                        List.of(new QueryInputMetadata.Column("name", "varchar(25)"), new QueryInputMetadata.Column("regionkey", "bigint")),
                        Optional.empty(),
                        Metrics.EMPTY,
                        OptionalLong.of(2500),
                        OptionalLong.of(25))),
                Optional.of(new QueryOutputMetadata(
                        "memory",
                        new CatalogVersion("default"),
                        "default",
                        "nation_copy",
                        Optional.of(List.of(new OutputColumnMetadata("name", "varchar(25)", Set.of()))),
                        Optional.empty(),
                        Optional.empty())));
        return new QueryCompletedEvent(
                metadata(queryId, sql, failure.isPresent() ? "FAILED" : "FINISHED"),
                statistics(),
                context,
                io,
                failure,
                List.of(),
                CREATE_TIME,
                START_TIME,
                END_TIME);
    }

    public static QueryFailureInfo accessDenied()
    {
        return new QueryFailureInfo(
                new ErrorCode(4, "PERMISSION_DENIED", ErrorType.USER_ERROR),
                Optional.of("io.trino.spi.security.AccessDeniedException"),
                Optional.of("Access Denied: User bob cannot impersonate user alice"),
                Optional.empty(),
                Optional.empty(),
                "[]");
    }

    public static QueryStatistics statistics()
    {
        return new QueryStatistics(
                Duration.ofMillis(420),
                Duration.ZERO,
                Duration.ofMillis(1300),
                Duration.ofMillis(5),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                1024, 1024, 2048,
                2500, 25,
                2500, 25,
                0, 0,
                0, 0,
                400, 25,
                300, 25,
                0,
                0.0, 0.0,
                List.of(),
                1,
                true,
                List.of(), List.of(), List.of(), List.of(), List.of(),
                List.of(),
                List.of(),
                Optional.empty());
    }

    private static final String BI_SQL = """
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

    /**
     * A realistic completed BI query (a dashboard's three-table join, 2.4 KB as an audit record), for benchmarks.
     */
    public static QueryCompletedEvent biQueryCompleted(String queryId)
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
                BI_SQL,
                Optional.empty(),
                Optional.empty(),
                "FINISHED",
                List.of(
                        biTable("customer", "custkey", "name", "nationkey", "mktsegment"),
                        biTable("orders", "custkey", "totalprice", "orderdate", "orderstatus"),
                        biTable("nation", "nationkey", "name")),
                List.of(),
                URI.create("http://10.0.0.1:8080/v1/query/" + queryId),
                Optional.empty(),
                Optional.empty(),
                Optional.empty());
        QueryIOMetadata io = new QueryIOMetadata(
                List.of(
                        biInput("customer", 150_000, "custkey", "name", "nationkey", "mktsegment"),
                        biInput("orders", 1_500_000, "custkey", "totalprice", "orderdate", "orderstatus"),
                        biInput("nation", 25, "nationkey", "name")),
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

    private static TableInfo biTable(String table, String... columns)
    {
        return new TableInfo("tpch", "sf1", table, "admin", List.of(),
                List.of(columns).stream().map(column -> new ColumnInfo(column, Optional.empty())).toList(),
                true, Optional.empty(), List.of());
    }

    private static QueryInputMetadata biInput(String table, long rows, String... columns)
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
