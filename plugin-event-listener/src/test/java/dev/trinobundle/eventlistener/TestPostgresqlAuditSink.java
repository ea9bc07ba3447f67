package dev.trinobundle.eventlistener;

import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import dev.trinobundle.testing.TestingPostgresServer;
import io.trino.spi.eventlistener.EventListener;
import io.trino.spi.eventlistener.EventListenerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.LongStream;

import static com.google.common.collect.Iterables.getOnlyElement;
import static dev.trinobundle.eventlistener.TestingAuditEvents.completed;
import static dev.trinobundle.eventlistener.TestingAuditEvents.created;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.TestInstance.Lifecycle.PER_CLASS;

@TestInstance(PER_CLASS)
final class TestPostgresqlAuditSink
{
    private TestingPostgresServer postgres;
    private Path directory;

    @BeforeAll
    void setUp()
            throws IOException
    {
        postgres = TestingPostgresServer.start();
        directory = Files.createTempDirectory("audit-postgresql-test");
    }

    @AfterAll
    void tearDown()
            throws IOException
    {
        if (postgres != null) {
            postgres.close();
        }
        if (directory != null) {
            MoreFiles.deleteRecursively(directory, RecursiveDeleteOption.ALLOW_INSECURE);
        }
    }

    @Test
    void testOutageDelaysButNeitherLosesNorDuplicatesRecords()
            throws Exception
    {
        Path journalDirectory = directory.resolve("journal");
        AuditJournal journal = new AuditJournal(journalDirectory, 1 << 20, FsyncPolicy.NONE, 1000);
        AuditDelivery delivery = delivery(journal);
        AuditRecordSerializer serializer = new AuditRecordSerializer(1000);
        delivery.start();
        SinkShipper shipper = delivery.shippers().getFirst();

        for (int i = 0; i < 20; i++) {
            journal.append(serializer.serialize(created("q" + i)));
            journal.append(serializer.serialize(completed("q" + i)));
        }
        waitFor(() -> rowCount() == 40);

        postgres.stop();
        for (int i = 20; i < 40; i++) {
            journal.append(serializer.serialize(created("q" + i)));
            journal.append(serializer.serialize(completed("q" + i)));
        }
        waitFor(() -> shipper.getFailedDeliveries() > 0);
        assertThat(shipper.getPendingRecords()).isEqualTo(40);
        assertThat(shipper.getLastError()).isNotNull();

        postgres.restart();
        waitFor(() -> shipper.getPendingRecords() == 0);
        delivery.stop(5_000);
        journal.close();

        assertExactlyOnceInOrder(80);
        assertThat(shipper.getLastError()).isNull();

        // A crash between insert and offset commit: the whole journal (one segment, always kept) is shipped again,
        // and nothing is duplicated.
        Files.delete(journalDirectory.resolve("sink-postgresql.offset"));
        AuditJournal reopened = new AuditJournal(journalDirectory, 1 << 20, FsyncPolicy.NONE, 1000);
        AuditDelivery redelivery = delivery(reopened);
        redelivery.start();
        waitFor(() -> redelivery.shippers().getFirst().getPendingRecords() == 0);
        assertThat(redelivery.shippers().getFirst().getDeliveredRecords()).isEqualTo(80);
        redelivery.stop(5_000);
        reopened.close();
        assertExactlyOnceInOrder(80);
    }

    @Test
    void testConfiguredThroughThePluginFactory()
            throws Exception
    {
        EventListenerFactory factory = getOnlyElement(new AuditEventListenerPlugin().getEventListenerFactories());
        EventListener listener = factory.create(Map.of(
                "audit.journal.directory", directory.resolve("factory-journal").toString(),
                "audit.file.enabled", "false",
                "audit.postgresql.enabled", "true",
                "audit.postgresql.url", postgres.jdbcUrl(),
                "audit.postgresql.user", postgres.user(),
                "audit.postgresql.password", postgres.password(),
                "audit.postgresql.table", "factory_queries",
                "bootstrap.quiet", "true"), new TestingEventListenerContext());
        listener.queryCompleted(completed("factory-q1"));
        waitFor(() -> count("SELECT count(*) FROM audit.factory_queries WHERE query_id = 'factory-q1' AND event_kind = 'completed'") == 1);
        listener.shutdown();
    }

    private long count(String sql)
    {
        try (Connection connection = connect();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getLong(1);
        }
        catch (SQLException e) {
            return -1;
        }
    }

    private AuditDelivery delivery(AuditJournal journal)
    {
        PostgresqlSinkConfig config = new PostgresqlSinkConfig()
                .setUrl(postgres.jdbcUrl())
                .setUser(postgres.user())
                .setPassword(postgres.password());
        return new AuditDelivery(journal, List.of(new PostgresqlAuditSink(config)), FsyncPolicy.NONE, 100, 7, 20, 200);
    }

    private void assertExactlyOnceInOrder(int expected)
            throws SQLException
    {
        List<Long> sequences = new ArrayList<>();
        List<Long> transactions = new ArrayList<>();
        try (Connection connection = connect();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT seq, xmin::text::bigint, query_id, event_kind, user_name, principal, impersonated, tables_read " +
                        "FROM audit.trino_queries ORDER BY seq")) {
            while (rows.next()) {
                sequences.add(rows.getLong(1));
                transactions.add(rows.getLong(2));
                assertThat(rows.getString(5)).isEqualTo("alice");
                assertThat(rows.getString(6)).isEqualTo("admin");
                assertThat(rows.getBoolean(7)).isTrue();
                if (rows.getString(4).equals("completed")) {
                    assertThat(rows.getString(8)).isEqualTo("tpch.tiny.nation");
                }
            }
        }
        // every sequence number exactly once (the primary key forbids duplicates of query id + kind)
        assertThat(sequences).containsExactlyElementsOf(LongStream.rangeClosed(1, expected).boxed().toList());
        // inserted in journal order: a later record never sits in an earlier transaction
        assertThat(transactions).isSorted();
    }

    private long rowCount()
    {
        try (Connection connection = connect();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT count(*) FROM audit.trino_queries")) {
            rows.next();
            return rows.getLong(1);
        }
        catch (SQLException e) {
            // the table does not exist yet
            return -1;
        }
    }

    private Connection connect()
            throws SQLException
    {
        Properties properties = new Properties();
        properties.setProperty("user", postgres.user());
        properties.setProperty("password", postgres.password());
        return new org.postgresql.Driver().connect(postgres.jdbcUrl(), properties);
    }

    private static void waitFor(BooleanSupplier condition)
            throws InterruptedException
    {
        // Waiting for background delivery, not measuring it: the deadline only keeps a broken build from hanging.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("condition not reached within 60 s").isNegative();
            Thread.sleep(50);
        }
    }
}
