package dev.trinobundle.eventlistener;

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
 * Events built with the Trino 476 SPI constructors, the way the engine builds them.
 */
final class TestingAuditEvents
{
    static final Instant CREATE_TIME = Instant.parse("2026-01-02T03:04:05.123Z");
    static final Instant START_TIME = Instant.parse("2026-01-02T03:04:05.200Z");
    static final Instant END_TIME = Instant.parse("2026-01-02T03:04:06.500Z");

    private TestingAuditEvents() {}

    static QueryContext context(String principal, String user, String originalUser)
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

    static QueryMetadata metadata(String queryId, String sql, String state)
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

    static QueryCreatedEvent created(String queryId)
    {
        return new QueryCreatedEvent(CREATE_TIME, context("admin", "alice", "alice"), metadata(queryId, "SELECT name FROM nation", "QUEUED"));
    }

    static QueryCompletedEvent completed(String queryId)
    {
        return completed(queryId, context("admin", "alice", "alice"), "SELECT name FROM nation", Optional.empty());
    }

    static QueryCompletedEvent completed(String queryId, QueryContext context, String sql, Optional<QueryFailureInfo> failure)
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

    static QueryFailureInfo accessDenied()
    {
        return new QueryFailureInfo(
                new ErrorCode(4, "PERMISSION_DENIED", ErrorType.USER_ERROR),
                Optional.of("io.trino.spi.security.AccessDeniedException"),
                Optional.of("Access Denied: User bob cannot impersonate user alice"),
                Optional.empty(),
                Optional.empty(),
                "[]");
    }

    static QueryStatistics statistics()
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

    static long append(AuditJournal journal, byte[] body)
    {
        return journal.append(body, body.length);
    }

    static byte[] serialize(AuditRecordSerializer serializer, QueryCompletedEvent event)
    {
        return serializer.write(event).toByteArray();
    }

    static byte[] serialize(AuditRecordSerializer serializer, QueryCreatedEvent event)
    {
        return serializer.write(event).toByteArray();
    }

    static AuditLogVerifier.Result verify(java.nio.file.Path path)
            throws java.io.IOException
    {
        return AuditLogVerifier.verify(path, new AuditLogVerifier.Options(List.of(), List.of(), 1));
    }
}
