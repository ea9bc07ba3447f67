package dev.trinobundle.accesscontrol;

import dev.trinobundle.accesscontrol.groups.ConfiguredGroups;
import com.google.common.base.Ticker;
import com.google.common.collect.Iterables;
import io.trino.spi.QueryId;
import io.trino.spi.eventlistener.EventListener;
import io.trino.spi.eventlistener.QueryCompletedEvent;
import io.trino.spi.eventlistener.QueryContext;
import io.trino.spi.eventlistener.QueryIOMetadata;
import io.trino.spi.eventlistener.QueryMetadata;
import io.trino.spi.eventlistener.QueryStatistics;
import io.trino.spi.session.ResourceEstimates;
import io.trino.spi.connector.CatalogSchemaTableName;
import io.trino.spi.connector.ColumnSchema;
import io.trino.spi.security.AccessDeniedException;
import io.trino.spi.security.Identity;
import io.trino.spi.security.SystemAccessControl;
import io.trino.spi.security.SystemSecurityContext;
import io.trino.spi.security.ViewExpression;
import dev.trinobundle.accesscontrol.rules.RuleSet;
import io.trino.spi.type.VarcharType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import static com.google.common.io.MoreFiles.deleteRecursively;
import static com.google.common.io.RecursiveDeleteOption.ALLOW_INSECURE;
import static org.assertj.core.api.Assertions.assertThat;
import static java.util.concurrent.TimeUnit.MINUTES;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A query decides on one rule set from its first check to its last, even when the file is reloaded in between. */
final class TestQuerySnapshots
{
    private static final String OLD_RULES = """
            {"tables": [{"user": "bob", "privileges": ["SELECT"], "filter": "regionkey = 1", "columns": [{"name": "name", "mask": "'old'"}]},
                        {"user": "carol", "privileges": ["SELECT"]}]}
            """;
    private static final String NEW_RULES = """
            {"tables": [{"user": "bob", "privileges": ["SELECT"], "filter": "regionkey = 2", "columns": [{"name": "name", "mask": "'new'"}]},
                        {"user": "carol", "privileges": []}]}
            """;
    private static final CatalogSchemaTableName NATION = new CatalogSchemaTableName("tpch", "tiny", "nation");
    private static final List<ColumnSchema> NAME = List.of(ColumnSchema.builder().setName("name").setType(VarcharType.VARCHAR).build());

    private Path directory;
    private Path file;

    @BeforeEach
    void setUp()
            throws IOException
    {
        directory = Files.createTempDirectory("query-snapshots");
        file = directory.resolve("rules.json");
    }

    @AfterEach
    void tearDown()
            throws IOException
    {
        deleteRecursively(directory, ALLOW_INSECURE);
    }

    private static SystemSecurityContext query(String user, String queryId)
    {
        return new SystemSecurityContext(Identity.ofUser(user), new QueryId(queryId), Instant.EPOCH);
    }

    private static String mask(SystemAccessControl accessControl, SystemSecurityContext context)
    {
        Map<ColumnSchema, ViewExpression> masks = accessControl.getColumnMasks(context, NATION, NAME);
        return masks.get(NAME.getFirst()).getExpression();
    }

    @Test
    void testQueryStraddlingReloadSeesOneRuleSet()
            throws IOException
    {
        Files.writeString(file, OLD_RULES);
        ReloadingRules rules = new ReloadingRules(file, "");
        SystemAccessControl accessControl = new RulesSystemAccessControl(rules, ConfiguredGroups.none("no group source in this test"), false, rules::stop);

        // the query starts under the old rules: execute and select pass
        SystemSecurityContext straddling = query("bob", "20250101_000000_00001_aaaaa");
        SystemSecurityContext carolsQuery = query("carol", "20250101_000000_00002_aaaaa");
        accessControl.checkCanExecuteQuery(straddling.getIdentity(), straddling.getQueryId());
        accessControl.checkCanSelectFromColumns(straddling, NATION, Set.of("name"));
        accessControl.checkCanSelectFromColumns(carolsQuery, NATION, Set.of("name"));

        Files.writeString(file, NEW_RULES);
        assertThat(rules.reload()).isTrue();

        // its masks and filters still come from the rules its SELECT was allowed by
        assertThat(mask(accessControl, straddling)).isEqualTo("'old'");
        assertThat(accessControl.getRowFilters(straddling, NATION).getFirst().getExpression()).isEqualTo("regionkey = 1");
        accessControl.checkCanSelectFromColumns(carolsQuery, NATION, Set.of("name"));

        // a query that starts after the reload decides by the new rules
        SystemSecurityContext next = query("bob", "20250101_000000_00003_aaaaa");
        assertThat(mask(accessControl, next)).isEqualTo("'new'");
        assertThat(accessControl.getRowFilters(next, NATION).getFirst().getExpression()).isEqualTo("regionkey = 2");
        assertThatThrownBy(() -> accessControl.checkCanSelectFromColumns(query("carol", "20250101_000000_00004_aaaaa"), NATION, Set.of("name")))
                .isInstanceOf(AccessDeniedException.class);
        accessControl.shutdown();
    }

    @Test
    void testCompletedQueryDropsItsSnapshot()
            throws IOException
    {
        Files.writeString(file, OLD_RULES);
        ReloadingRules rules = new ReloadingRules(file, "");
        RulesSystemAccessControl accessControl = new RulesSystemAccessControl(rules, ConfiguredGroups.none("no group source in this test"), false, rules::stop);
        EventListener listener = Iterables.getOnlyElement(accessControl.getEventListeners());
        SystemSecurityContext bob = query("bob", "20250101_000000_00005_aaaaa");
        assertThat(mask(accessControl, bob)).isEqualTo("'old'");

        Files.writeString(file, NEW_RULES);
        assertThat(rules.reload()).isTrue();
        // still running: its snapshot stays
        assertThat(mask(accessControl, bob)).isEqualTo("'old'");
        // completed: a later check under the same id (nothing in Trino does this, but it shows the snapshot is gone) reads the new rules
        listener.queryCompleted(completed(bob.getQueryId().getId()));
        assertThat(mask(accessControl, bob)).isEqualTo("'new'");
        accessControl.shutdown();
    }

    @Test
    void testIdleSnapshotExpires()
            throws IOException
    {
        Files.writeString(file, OLD_RULES);
        ReloadingRules rules = new ReloadingRules(file, "");
        AtomicLong nanos = new AtomicLong();
        Ticker ticker = new Ticker()
        {
            @Override
            public long read()
            {
                return nanos.get();
            }
        };
        RuleSnapshots snapshots = new RuleSnapshots(rules, ticker);
        QueryId queued = new QueryId("20250101_000000_00006_aaaaa");
        assertThat(snapshots.forQuery(queued)).isSameAs(rules.get());

        Files.writeString(file, NEW_RULES);
        assertThat(rules.reload()).isTrue();
        RuleSet old = snapshots.forQuery(queued);
        assertThat(old).isNotSameAs(rules.get());

        // every check refreshes the idle time
        nanos.addAndGet(MINUTES.toNanos(RuleSnapshots.IDLE_MINUTES - 1));
        assertThat(snapshots.forQuery(queued)).isSameAs(old);
        nanos.addAndGet(MINUTES.toNanos(RuleSnapshots.IDLE_MINUTES - 1));
        assertThat(snapshots.forQuery(queued)).isSameAs(old);
        // a query with no check for IDLE_MINUTES (queued, or evicted by a crash of the listener) takes the rules in force
        nanos.addAndGet(MINUTES.toNanos(RuleSnapshots.IDLE_MINUTES) + 1);
        assertThat(snapshots.forQuery(queued)).isSameAs(rules.get());
        rules.stop();
    }

    /** The access control's listener reads only the query id; everything else is the least the SPI accepts. */
    private static QueryCompletedEvent completed(String queryId)
    {
        QueryMetadata metadata = new QueryMetadata(queryId, Optional.empty(), Optional.empty(), "SELECT 1", Optional.empty(), Optional.empty(),
                "FINISHED", List.of(), List.of(), URI.create("http://localhost/v1/query/" + queryId), Optional.empty(), Optional.empty(), Optional.empty());
        QueryStatistics statistics = new QueryStatistics(Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO,
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.0, 0.0, List.of(), 0, true,
                List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), Optional.empty());
        QueryContext context = new QueryContext("bob", "bob", Set.of(), Optional.empty(), Set.of(), Set.of(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Set.of(), Set.of(), Optional.empty(), "UTC", Optional.empty(), Optional.empty(), Optional.empty(),
                Map.of(), new ResourceEstimates(Optional.empty(), Optional.empty(), Optional.empty()), "localhost", "476", "test", Optional.empty(), "NONE");
        return new QueryCompletedEvent(metadata, statistics, context, new QueryIOMetadata(List.of(), Optional.empty()), Optional.empty(), List.of(),
                Instant.EPOCH, Instant.EPOCH, Instant.EPOCH);
    }
}
