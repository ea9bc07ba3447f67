package dev.trinobundle.eventlistener;

import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import dev.trinobundle.testing.LogCapture;
import dev.trinobundle.testing.QueryEvents;
import dev.trinobundle.testing.TestingPluginContext;
import dev.trinobundle.testing.TestingPostgresServer;
import io.trino.spi.eventlistener.EventListener;
import io.trino.spi.eventlistener.EventListenerFactory;
import io.airlift.units.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
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
import java.util.function.BooleanSupplier;
import java.util.stream.LongStream;

import static com.google.common.collect.Iterables.getOnlyElement;
import static dev.trinobundle.testing.QueryEvents.completed;
import static dev.trinobundle.testing.QueryEvents.created;
import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static io.trino.testing.assertions.Assert.assertEventually;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.TestInstance.Lifecycle.PER_CLASS;

@TestInstance(PER_CLASS)
@Tag("server")
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
        AuditJournal journal = new AuditJournal(journalDirectory, 1 << 20, 1000, FsyncPolicy.NONE, TestingAuditEvents.KEY);
        SinkShipper shipper = shipper(journal);
        AuditRecordSerializer serializer = new AuditRecordSerializer(new AuditEventListenerConfig().setMaxQueryTextLength(1000));

        for (int i = 0; i < 20; i++) {
            TestingAuditEvents.append(journal, TestingAuditEvents.serialize(serializer, created("q" + i)));
            TestingAuditEvents.append(journal, TestingAuditEvents.serialize(serializer, completed("q" + i)));
        }
        waitFor(shipper, () -> rowCount() == 40);

        postgres.stop();
        for (int i = 20; i < 40; i++) {
            TestingAuditEvents.append(journal, TestingAuditEvents.serialize(serializer, created("q" + i)));
            TestingAuditEvents.append(journal, TestingAuditEvents.serialize(serializer, completed("q" + i)));
        }
        waitFor(shipper, () -> shipper.getFailedDeliveries() > 0);
        assertThat(shipper.getPendingRecords()).isEqualTo(40);
        assertThat(shipper.getLastError()).isNotNull();

        postgres.restart();
        waitFor(shipper, () -> shipper.getPendingRecords() == 0);
        shipper.close(deadline(5_000));
        journal.close();

        assertExactlyOnceInOrder(80);
        assertThat(shipper.getLastError()).isNull();

        // A crash between insert and offset commit: the whole journal (one segment, always kept) is shipped again,
        // and nothing is duplicated.
        Files.delete(journalDirectory.resolve("sink-postgresql.offset"));
        AuditJournal reopened = new AuditJournal(journalDirectory, 1 << 20, 1000, FsyncPolicy.NONE, TestingAuditEvents.KEY);
        SinkShipper reshipper = shipper(reopened);
        waitFor(reshipper, () -> reshipper.getCommittedSequence() == 80);
        reshipper.close(deadline(5_000));
        reopened.close();
        assertExactlyOnceInOrder(80);
    }

    @Test
    void testOffsetFileThatCannotBeWrittenIsNamedInTheError()
            throws Exception
    {
        // a full journal disk fails the shipper's own offset write; the sink describes an IOException by its class
        // name only (its messages may quote a row), so the error said "java.io.IOException" and nothing else
        Path journalDirectory = directory.resolve("offset-journal");
        AuditJournal journal = new AuditJournal(journalDirectory, 1 << 20, 1000, FsyncPolicy.NONE, TestingAuditEvents.KEY);
        Path offsetFile = journalDirectory.resolve("sink-postgresql.offset");
        Files.createDirectories(offsetFile.resolve("in-the-way"));
        SinkShipper shipper = shipper(journal, new PostgresqlAuditSink(config("offset_queries")));
        try {
            TestingAuditEvents.append(journal, TestingAuditEvents.serialize(new AuditRecordSerializer(new AuditEventListenerConfig().setMaxQueryTextLength(1000)), completed("offset-q1")));
            waitFor(shipper, () -> String.valueOf(shipper.getLastError()).contains("IOException: cannot write the offset file " + offsetFile + " ("));
        }
        finally {
            shipper.close(deadline(1_000));
            journal.close();
        }
    }

    @Test
    void testRecordsNumberedAgainAfterAMachineCrashReachTheDatabase()
            throws Exception
    {
        // A machine crash without fsync: the log lost its newest records after PostgreSQL had them, so the offset is
        // ahead of the log. The numbers are given again; the new records must not be skipped as delivered.
        Path journalDirectory = directory.resolve("crash-journal");
        AuditJournal journal = new AuditJournal(journalDirectory, 1 << 20, 1000, FsyncPolicy.NONE, TestingAuditEvents.KEY);
        SinkShipper shipper = shipper(journal, new PostgresqlAuditSink(config("crash_queries")));
        AuditRecordSerializer serializer = new AuditRecordSerializer(new AuditEventListenerConfig().setMaxQueryTextLength(1000));
        for (int i = 1; i <= 5; i++) {
            TestingAuditEvents.append(journal, TestingAuditEvents.serialize(serializer, completed("crash-q" + i)));
        }
        waitFor(shipper, () -> shipper.getCommittedSequence() == 5);
        shipper.close(deadline(5_000));
        journal.close();
        Path log = journalDirectory.resolve("audit-00000000000000000001.jsonl");
        Files.write(log, Files.readAllLines(log, UTF_8).subList(0, 3), UTF_8);

        try (LogCapture capture = new LogCapture(SinkShipper.class.getName())) {
            AuditJournal reopened = new AuditJournal(journalDirectory, 1 << 20, 1000, FsyncPolicy.NONE, TestingAuditEvents.KEY);
            SinkShipper reshipper = shipper(reopened, new PostgresqlAuditSink(config("crash_queries")));
            TestingAuditEvents.append(reopened, TestingAuditEvents.serialize(serializer, completed("after-crash-q4")));
            TestingAuditEvents.append(reopened, TestingAuditEvents.serialize(serializer, completed("after-crash-q5")));
            waitFor(reshipper, () -> count("SELECT count(*) FROM audit.crash_queries WHERE query_id LIKE 'after-crash-%'") == 2);
            reshipper.close(deadline(5_000));
            reopened.close();
            assertThat(capture.messages(java.util.logging.Level.SEVERE)).singleElement().asString()
                    .contains("sink-postgresql.offset", "says record 5 was delivered, but the audit log ends at record 3");
        }
        assertThat(count("SELECT count(*) FROM audit.crash_queries")).isEqualTo(7);
    }

    @Test
    void testNulInTextIsStoredAndDeliveryGoesOn()
            throws Exception
    {
        // PostgreSQL refuses U+0000 in text and jsonb; the batch holding such a record used to be retried forever
        String sql = "SELECT 1 -- \u0000 nul";
        AuditJournal journal = new AuditJournal(directory.resolve("nul-journal"), 1 << 20, 1000, FsyncPolicy.NONE, TestingAuditEvents.KEY);
        SinkShipper shipper = shipper(journal, new PostgresqlAuditSink(config("nul_queries")));
        AuditRecordSerializer serializer = new AuditRecordSerializer(new AuditEventListenerConfig().setMaxQueryTextLength(1000));
        TestingAuditEvents.append(journal, TestingAuditEvents.serialize(serializer, completed("nul-q1", QueryEvents.context("admin", "alice", "admin"), sql, java.util.Optional.empty())));
        TestingAuditEvents.append(journal, TestingAuditEvents.serialize(serializer, completed("nul-q2")));
        waitFor(shipper, () -> shipper.getPendingRecords() == 0);
        shipper.close(deadline(5_000));
        journal.close();

        assertThat(shipper.getDeadLetterRecords()).isZero();
        try (Connection connection = connect();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT query_id, sql_text, record FROM audit.nul_queries ORDER BY seq")) {
            assertThat(rows.next()).isTrue();
            assertThat(rows.getString(2)).isEqualTo(sql.replace('\u0000', '\uFFFD'));
            // the record column is the exact record, in which JSON escapes the NUL
            assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(rows.getString(3)).get("query").get("sql").asText()).isEqualTo(sql);
            assertThat(rows.next()).isTrue();
            assertThat(rows.getString(1)).isEqualTo("nul-q2");
        }
    }

    @Test
    void testRecordTheDatabaseRefusesGoesToTheDeadLetterFileAndDeliveryGoesOn()
            throws Exception
    {
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            statement.execute("CREATE SCHEMA IF NOT EXISTS audit");
            statement.execute(PostgresqlAuditSink.createTableSql("refusing_queries"));
            statement.execute(PostgresqlAuditSink.createCheckpointTableSql("refusing_queries"));
            // a data error on one record: class 23, as any value the table refuses
            statement.execute("ALTER TABLE audit.refusing_queries ADD CONSTRAINT no_secret CHECK (sql_text NOT LIKE '%top-secret%')");
        }
        Path journalDirectory = directory.resolve("refusing-journal");
        AuditJournal journal = new AuditJournal(journalDirectory, 1 << 20, 1000, FsyncPolicy.NONE, TestingAuditEvents.KEY);
        SinkShipper shipper = shipper(journal, new PostgresqlAuditSink(config("refusing_queries")));
        AuditRecordSerializer serializer = new AuditRecordSerializer(new AuditEventListenerConfig().setMaxQueryTextLength(1000));
        TestingAuditEvents.append(journal, TestingAuditEvents.serialize(serializer, completed("refused-q1")));
        TestingAuditEvents.append(journal, TestingAuditEvents.serialize(serializer, completed("refused-q2", QueryEvents.context("admin", "alice", "admin"), "SELECT 'top-secret'", java.util.Optional.empty())));
        TestingAuditEvents.append(journal, TestingAuditEvents.serialize(serializer, completed("refused-q3")));
        waitFor(shipper, () -> shipper.getFailedDeliveries() > 0);
        assertThat(shipper.getLastError()).contains("23514").doesNotContain("top-secret");
        waitFor(shipper, () -> shipper.getPendingRecords() == 0);
        TestingAuditEvents.append(journal, TestingAuditEvents.serialize(serializer, completed("refused-q4")));
        waitFor(shipper, () -> shipper.getPendingRecords() == 0);
        shipper.close(deadline(5_000));
        journal.close();

        assertThat(shipper.getDeadLetterRecords()).isEqualTo(1);
        assertThat(shipper.getFailedDeliveries()).isEqualTo(SinkShipper.RECORD_ERROR_ATTEMPTS);
        assertThat(count("SELECT count(*) FROM audit.refusing_queries WHERE query_id IN ('refused-q1', 'refused-q3', 'refused-q4')")).isEqualTo(3);
        List<String> deadLetters = Files.readAllLines(journalDirectory.resolve("dead-letter-postgresql.jsonl"), UTF_8);
        assertThat(deadLetters).hasSize(1);
        assertThat(deadLetters.getFirst()).contains("\"seq\":2,", "top-secret");
        assertThat(java.nio.file.Files.getPosixFilePermissions(journalDirectory.resolve("dead-letter-postgresql.jsonl")))
                .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void testRecordThatCannotBeBoundGoesToTheDeadLetterFileAndDeliveryGoesOn()
            throws Exception
    {
        Path journalDirectory = directory.resolve("unbindable-journal");
        AuditJournal journal = new AuditJournal(journalDirectory, 1 << 20, 1000, FsyncPolicy.NONE, TestingAuditEvents.KEY);
        SinkShipper shipper = shipper(journal, new PostgresqlAuditSink(config("unbindable_queries")));
        AuditRecordSerializer serializer = new AuditRecordSerializer(new AuditEventListenerConfig().setMaxQueryTextLength(1000));
        TestingAuditEvents.append(journal, TestingAuditEvents.serialize(serializer, completed("unbindable-q1")));
        // valid JSON, but no timestamp: a record no retry can bind
        String unbindable = new String(TestingAuditEvents.serialize(serializer, completed("unbindable-q2")), UTF_8)
                .replaceFirst("\"eventTime\":\"[^\"]*\"", "\"eventTime\":\"yesterday\"");
        assertThat(unbindable).contains("\"eventTime\":\"yesterday\"");
        TestingAuditEvents.append(journal, unbindable.getBytes(UTF_8));
        TestingAuditEvents.append(journal, TestingAuditEvents.serialize(serializer, completed("unbindable-q3")));
        waitFor(shipper, () -> shipper.getPendingRecords() == 0);
        shipper.close(deadline(5_000));
        journal.close();

        assertThat(shipper.getDeadLetterRecords()).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM audit.unbindable_queries WHERE query_id IN ('unbindable-q1', 'unbindable-q3')")).isEqualTo(2);
        assertThat(Files.readAllLines(journalDirectory.resolve("dead-letter-postgresql.jsonl"), UTF_8)).singleElement().asString().contains("\"seq\":2,");
    }

    @Test
    void testInsertOnlyUserDeliversAndCannotRewrite()
            throws Exception
    {
        // the grants the README documents: the table belongs to another role, the sink's user may only insert
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            statement.execute("CREATE SCHEMA IF NOT EXISTS audit");
            statement.execute(PostgresqlAuditSink.createTableSql("insert_only_queries"));
            statement.execute(PostgresqlAuditSink.createCheckpointTableSql("insert_only_queries"));
            statement.execute("CREATE ROLE audit_writer LOGIN PASSWORD 'writer-password'");
            statement.execute("GRANT USAGE ON SCHEMA audit TO audit_writer");
            // SELECT on the key column only: ON CONFLICT needs it to find a row delivered before
            statement.execute("GRANT INSERT, SELECT (hash) ON audit.insert_only_queries TO audit_writer");
            statement.execute("GRANT INSERT, SELECT (seq, key_id) ON audit.insert_only_queries_checkpoints TO audit_writer");
        }
        PostgresqlSinkConfig config = config("insert_only_queries").setUser("audit_writer").setPassword("writer-password");
        AuditJournal journal = new AuditJournal(directory.resolve("insert-only-journal"), 1 << 20, 1000, FsyncPolicy.NONE, TestingAuditEvents.KEY);
        SinkShipper shipper = shipper(journal, new PostgresqlAuditSink(config));
        TestingAuditEvents.append(journal, TestingAuditEvents.serialize(new AuditRecordSerializer(new AuditEventListenerConfig().setMaxQueryTextLength(1000)), completed("insert-only-q1")));
        waitFor(shipper, () -> shipper.getPendingRecords() == 0);
        shipper.close(deadline(5_000));
        journal.close();
        assertThat(count("SELECT count(*) FROM audit.insert_only_queries")).isEqualTo(1);

        Properties writer = new Properties();
        writer.setProperty("user", "audit_writer");
        writer.setProperty("password", "writer-password");
        try (Connection connection = new org.postgresql.Driver().connect(postgres.jdbcUrl(), writer); Statement statement = connection.createStatement()) {
            for (String rewrite : List.of("UPDATE audit.insert_only_queries SET user_name = 'carol'", "DELETE FROM audit.insert_only_queries",
                    "TRUNCATE audit.insert_only_queries", "DELETE FROM audit.insert_only_queries_checkpoints")) {
                assertThatThrownBy(() -> statement.execute(rewrite)).as(rewrite).hasMessageContaining("permission denied");
            }
        }
    }

    @Test
    void testCheckpointTableFailureDoesNotStopRecordDelivery()
            throws Exception
    {
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            statement.execute("CREATE SCHEMA IF NOT EXISTS audit");
            statement.execute(PostgresqlAuditSink.createTableSql("no_checkpoint_grant_queries"));
            statement.execute(PostgresqlAuditSink.createCheckpointTableSql("no_checkpoint_grant_queries"));
            statement.execute("CREATE ROLE audit_records_only LOGIN PASSWORD 'records-password'");
            statement.execute("GRANT USAGE ON SCHEMA audit TO audit_records_only");
            // the grant on the checkpoint table is missing: 42501 on every checkpoint
            statement.execute("GRANT INSERT, SELECT (hash) ON audit.no_checkpoint_grant_queries TO audit_records_only");
        }
        PostgresqlSinkConfig config = config("no_checkpoint_grant_queries").setUser("audit_records_only").setPassword("records-password");
        AuditKey key = AuditKey.fromFile(Files.writeString(directory.resolve("no-grant.key"), "d".repeat(64)));
        AuditJournal journal = new AuditJournal(directory.resolve("no-checkpoint-grant-journal"), 1 << 20, 1000, FsyncPolicy.NONE, key);
        Checkpoints checkpoints = new Checkpoints(key, java.util.Optional.of(directory.resolve("no-grant-checkpoints")));
        SinkShipper shipper = new SinkShipper(journal, new PostgresqlAuditSink(config), checkpoints);
        try (LogCapture log = new LogCapture(SinkShipper.class.getName())) {
            AuditRecordSerializer serializer = new AuditRecordSerializer(new AuditEventListenerConfig().setMaxQueryTextLength(1000));
            for (int i = 1; i <= 3; i++) {
                TestingAuditEvents.append(journal, TestingAuditEvents.serialize(serializer, completed("no-grant-q" + i)));
            }
            // as the listener's maintenance task does
            checkpoints.checkpoint(journal.force());
            waitFor(shipper, () -> count("SELECT count(*) FROM audit.no_checkpoint_grant_queries") == 3
                    && log.messages(java.util.logging.Level.SEVERE).stream().anyMatch(message -> message.contains("cannot store checkpoint")));
            // records after a refused checkpoint still flow
            TestingAuditEvents.append(journal, TestingAuditEvents.serialize(serializer, completed("no-grant-q4")));
            waitFor(shipper, () -> count("SELECT count(*) FROM audit.no_checkpoint_grant_queries") == 4);
            shipper.close(deadline(5_000));
            journal.close();
            assertThat(log.messages(java.util.logging.Level.SEVERE)).anyMatch(message -> message.contains("cannot store checkpoint") && message.contains("42501"));
        }
        assertThat(shipper.getFailedDeliveries()).isZero();
    }

    @Test
    void testRowInsertedFirstByAnotherDoesNotHideTheRecord()
            throws Exception
    {
        // review L4: a holder of the sink's credentials may insert a row for a query id it guesses; with the key on
        // (query_id, event_kind), ON CONFLICT DO NOTHING then kept that row instead of the record. The key is the
        // record's MAC now, which nobody without the key can produce.
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            statement.execute("CREATE SCHEMA IF NOT EXISTS audit");
            statement.execute(PostgresqlAuditSink.createTableSql("preinserted_queries"));
            statement.execute(PostgresqlAuditSink.createCheckpointTableSql("preinserted_queries"));
            statement.execute("CREATE ROLE audit_preinserted LOGIN PASSWORD 'preinserted-password'");
            // the README's grants
            statement.execute("GRANT USAGE ON SCHEMA audit TO audit_preinserted");
            statement.execute("GRANT INSERT, SELECT (hash) ON audit.preinserted_queries TO audit_preinserted");
            statement.execute("GRANT INSERT, SELECT (seq, key_id) ON audit.preinserted_queries_checkpoints TO audit_preinserted");
        }
        PostgresqlSinkConfig config = config("preinserted_queries").setUser("audit_preinserted").setPassword("preinserted-password");
        Properties attacker = new Properties();
        attacker.setProperty("user", "audit_preinserted");
        attacker.setProperty("password", "preinserted-password");
        try (Connection connection = new org.postgresql.Driver().connect(postgres.jdbcUrl(), attacker); Statement statement = connection.createStatement()) {
            statement.execute("INSERT INTO audit.preinserted_queries (query_id, event_kind, seq, event_time, user_name, impersonated, query_state, record, hash) " +
                    "VALUES ('preinserted-q1', 'completed', 1, now(), 'nobody', false, 'FINISHED', '{}', 'not-the-record')");
        }
        Path journalDirectory = directory.resolve("preinserted-journal");
        AuditRecordSerializer serializer = new AuditRecordSerializer(new AuditEventListenerConfig().setMaxQueryTextLength(1000));
        AuditJournal journal = new AuditJournal(journalDirectory, 1 << 20, 1000, FsyncPolicy.NONE, TestingAuditEvents.KEY);
        SinkShipper shipper = shipper(journal, new PostgresqlAuditSink(config));
        TestingAuditEvents.append(journal, TestingAuditEvents.serialize(serializer, completed("preinserted-q1")));
        TestingAuditEvents.append(journal, TestingAuditEvents.serialize(serializer, completed("preinserted-q2")));
        waitFor(shipper, () -> shipper.getPendingRecords() == 0);
        shipper.close(deadline(5_000));
        journal.close();
        // the planted row sits beside the record, which a verifier tells apart by its MAC
        assertThat(count("SELECT count(*) FROM audit.preinserted_queries WHERE query_id = 'preinserted-q1' AND user_name = 'alice' AND hash <> 'not-the-record'")).isEqualTo(1);

        // the sink's own rows, delivered again after a crash before the offset commit, are not duplicated
        Files.delete(journalDirectory.resolve("sink-postgresql.offset"));
        AuditJournal reopened = new AuditJournal(journalDirectory, 1 << 20, 1000, FsyncPolicy.NONE, TestingAuditEvents.KEY);
        SinkShipper reshipper = shipper(reopened, new PostgresqlAuditSink(config));
        waitFor(reshipper, () -> reshipper.getCommittedSequence() == 2);
        reshipper.close(deadline(5_000));
        reopened.close();
        assertThat(count("SELECT count(*) FROM audit.preinserted_queries")).isEqualTo(3);
    }

    @Test
    void testMissingCheckpointTableDoesNotStopAnInsertOnlyUser()
            throws Exception
    {
        // review L5: an insert-only user whose checkpoint table is missing (an upgrade) failed at CREATE SCHEMA on every
        // connect, so no record was delivered
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            statement.execute("CREATE SCHEMA IF NOT EXISTS audit");
            statement.execute(PostgresqlAuditSink.createTableSql("upgraded_queries"));
            statement.execute("CREATE ROLE audit_upgraded LOGIN PASSWORD 'upgraded-password'");
            statement.execute("GRANT USAGE ON SCHEMA audit TO audit_upgraded");
            statement.execute("GRANT INSERT, SELECT (hash) ON audit.upgraded_queries TO audit_upgraded");
        }
        PostgresqlSinkConfig config = config("upgraded_queries").setUser("audit_upgraded").setPassword("upgraded-password");
        AuditKey key = AuditKey.fromFile(Files.writeString(directory.resolve("upgraded.key"), "u".repeat(64)));
        AuditJournal journal = new AuditJournal(directory.resolve("upgraded-journal"), 1 << 20, 1000, FsyncPolicy.NONE, key);
        Checkpoints checkpoints = new Checkpoints(key, java.util.Optional.of(directory.resolve("upgraded-checkpoints")));
        SinkShipper shipper = new SinkShipper(journal, new PostgresqlAuditSink(config), checkpoints);
        try (LogCapture log = new LogCapture(SinkShipper.class.getName())) {
            AuditRecordSerializer serializer = new AuditRecordSerializer(new AuditEventListenerConfig().setMaxQueryTextLength(1000));
            for (int i = 1; i <= 3; i++) {
                TestingAuditEvents.append(journal, TestingAuditEvents.serialize(serializer, completed("upgraded-q" + i)));
            }
            checkpoints.checkpoint(journal.force());
            waitFor(shipper, () -> count("SELECT count(*) FROM audit.upgraded_queries") == 3
                    && log.messages(java.util.logging.Level.SEVERE).stream().anyMatch(message -> message.contains("cannot store checkpoint")));
            shipper.close(deadline(5_000));
            journal.close();
            assertThat(log.messages(java.util.logging.Level.SEVERE)).anyMatch(message -> message.contains("42P01") && message.contains("upgraded_queries_checkpoints"));
        }
    }

    @Test
    void testSignedCheckpointsReachTheirTableAndVerifyTheLog()
            throws Exception
    {
        Path keyFile = Files.writeString(directory.resolve("checkpoint.key"), "c".repeat(64));
        AuditKey key = AuditKey.fromFile(keyFile);
        Path journalDirectory = directory.resolve("checkpoint-journal");
        AuditJournal journal = new AuditJournal(journalDirectory, 1 << 20, 1000, FsyncPolicy.NONE, key);
        Checkpoints checkpoints = new Checkpoints(key, java.util.Optional.of(directory.resolve("checkpoint-directory")));
        SinkShipper shipper = new SinkShipper(journal, new PostgresqlAuditSink(config("checkpointed_queries")), checkpoints);
        AuditRecordSerializer serializer = new AuditRecordSerializer(new AuditEventListenerConfig().setMaxQueryTextLength(1000));
        for (int i = 1; i <= 3; i++) {
            TestingAuditEvents.append(journal, TestingAuditEvents.serialize(serializer, completed("checkpointed-q" + i)));
        }
        checkpoints.checkpoint(journal.force());
        waitFor(shipper, () -> count("SELECT count(*) FROM audit.checkpointed_queries_checkpoints WHERE seq = 3") == 1);
        shipper.close(deadline(5_000));
        journal.close();

        // what an auditor does: export the table the sink's user can only insert into, and verify against it
        Path exported = directory.resolve("exported-checkpoints.jsonl");
        List<String> lines = new ArrayList<>();
        try (Connection connection = connect();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT checkpoint, key_id FROM audit.checkpointed_queries_checkpoints ORDER BY seq")) {
            while (rows.next()) {
                lines.add(rows.getString(1));
                assertThat(rows.getString(2)).isEqualTo(key.keyId());
            }
        }
        Files.write(exported, lines);
        TestingAuditEvents.Verification result = TestingAuditEvents.verify(journalDirectory, keyFile, exported);
        assertThat(result.intact()).as(result.message()).isTrue();
        assertThat(result.message()).contains("3 records", "last checkpoint record 3");
    }

    private PostgresqlSinkConfig config(String table)
    {
        return new PostgresqlSinkConfig()
                .setUrl(postgres.jdbcUrl())
                .setUser(postgres.user())
                .setPassword(postgres.password())
                .setTable(table);
    }

    @Test
    void testConfiguredThroughThePluginFactory()
            throws Exception
    {
        EventListenerFactory factory = getOnlyElement(new AuditEventListenerPlugin().getEventListenerFactories());
        EventListener listener = factory.create(Map.of(
                "audit.journal.directory", directory.resolve("factory-journal").toString(),
                "audit.postgresql.enabled", "true",
                "audit.postgresql.url", postgres.jdbcUrl(),
                "audit.postgresql.user", postgres.user(),
                "audit.postgresql.password", postgres.password(),
                "audit.postgresql.table", "factory_queries",
                "audit.mac.key-file", TestingAuditEvents.KEY_FILE.toString(),
                "bootstrap.quiet", "true"), TestingPluginContext.TRINO_476);
        listener.queryCompleted(completed("factory-q1"));
        waitFor(() -> count("SELECT count(*) FROM audit.factory_queries WHERE query_id = 'factory-q1' AND event_kind = 'completed'") == 1);
        listener.shutdown();
    }

    @Test
    void testConnectsWithThePasswordFile()
            throws Exception
    {
        Path passwordFile = directory.resolve("factory-password");
        // as kubectl create secret --from-file writes it from a file ending with a newline
        Files.writeString(passwordFile, postgres.password() + "\n");
        EventListenerFactory factory = getOnlyElement(new AuditEventListenerPlugin().getEventListenerFactories());
        EventListener listener = factory.create(Map.of(
                "audit.journal.directory", directory.resolve("password-file-journal").toString(),
                "audit.postgresql.enabled", "true",
                "audit.postgresql.url", postgres.jdbcUrl(),
                "audit.postgresql.user", postgres.user(),
                "audit.postgresql.password-file", passwordFile.toString(),
                "audit.postgresql.table", "password_file_queries",
                "audit.mac.key-file", TestingAuditEvents.KEY_FILE.toString(),
                "bootstrap.quiet", "true"), TestingPluginContext.TRINO_476);
        listener.queryCompleted(completed("password-file-q1"));
        waitFor(() -> count("SELECT count(*) FROM audit.password_file_queries WHERE query_id = 'password-file-q1' AND event_kind = 'completed'") == 1);
        listener.shutdown();
    }

    @Test
    void testRotatedPasswordFileIsUsedAtTheNextConnect()
            throws Exception
    {
        Path passwordFile = directory.resolve("rotated-password");
        Files.writeString(passwordFile, "the-old-password\n");
        PostgresqlAuditSink sink = new PostgresqlAuditSink(passwordFileConfig(passwordFile, "rotation_queries"));
        assertThat(sink.connectionProperties().getProperty("password")).isEqualTo("the-old-password");

        AuditJournal journal = new AuditJournal(directory.resolve("rotation-journal"), 1 << 20, 1000, FsyncPolicy.NONE, TestingAuditEvents.KEY);
        SinkShipper shipper = shipper(journal, sink);
        TestingAuditEvents.append(journal, TestingAuditEvents.serialize(new AuditRecordSerializer(new AuditEventListenerConfig().setMaxQueryTextLength(1000)), completed("rotation-q1")));
        waitFor(shipper, () -> shipper.getFailedDeliveries() > 0);
        assertThat(shipper.getLastError())
                .contains("password authentication failed")
                .doesNotContain("the-old-password");
        assertThat(shipper.getPendingRecords()).isEqualTo(1);

        // what the kubelet does when the Secret changes: new content under the same path, no restart
        Files.writeString(passwordFile, postgres.password() + "\n");
        assertThat(sink.connectionProperties().getProperty("password")).isEqualTo(postgres.password());
        waitFor(shipper, () -> shipper.getPendingRecords() == 0);
        shipper.close(deadline(5_000));
        journal.close();
        assertThat(count("SELECT count(*) FROM audit.rotation_queries WHERE query_id = 'rotation-q1'")).isEqualTo(1);
    }

    @Test
    void testMissingPasswordFileIsADeliveryFailure()
            throws Exception
    {
        Path passwordFile = directory.resolve("removed-password");
        Files.writeString(passwordFile, postgres.password());
        PostgresqlAuditSink sink = new PostgresqlAuditSink(passwordFileConfig(passwordFile, "removed_password_queries"));
        Files.delete(passwordFile);
        assertThatThrownBy(sink::connectionProperties)
                .isInstanceOf(SQLException.class)
                .hasMessageContaining(passwordFile.toString())
                .hasMessageContaining("audit.postgresql.password-file")
                .hasMessageContaining("mount the Secret holding the password there");

        AuditJournal journal = new AuditJournal(directory.resolve("removed-password-journal"), 1 << 20, 1000, FsyncPolicy.NONE, TestingAuditEvents.KEY);
        SinkShipper shipper = shipper(journal, sink);
        TestingAuditEvents.append(journal, TestingAuditEvents.serialize(new AuditRecordSerializer(new AuditEventListenerConfig().setMaxQueryTextLength(1000)), completed("removed-password-q1")));
        waitFor(shipper, () -> shipper.getFailedDeliveries() > 0);
        assertThat(shipper.getLastError())
                .contains(passwordFile.toString())
                .contains("audit.postgresql.password-file")
                .doesNotContain(postgres.password());
        // the record waits in the journal and is delivered once the file is back
        assertThat(shipper.getPendingRecords()).isEqualTo(1);
        Files.writeString(passwordFile, postgres.password());
        waitFor(shipper, () -> shipper.getPendingRecords() == 0);
        shipper.close(deadline(5_000));
        journal.close();
        assertThat(count("SELECT count(*) FROM audit.removed_password_queries WHERE query_id = 'removed-password-q1'")).isEqualTo(1);
    }

    @Test
    void testPasswordFileContent()
            throws Exception
    {
        assertThat(readPassword("p@ss word\n".getBytes(UTF_8))).isEqualTo("p@ss word");
        assertThat(readPassword("p@ss word\r\n".getBytes(UTF_8))).isEqualTo("p@ss word");
        assertThat(readPassword("p@ss word".getBytes(UTF_8))).isEqualTo("p@ss word");
        // only one line break is the file's: the rest, and any other white space, is the password's
        assertThat(readPassword(" p@ss word \n\n".getBytes(UTF_8))).isEqualTo(" p@ss word \n");
        assertThat(readPassword("p@ss word\r".getBytes(UTF_8))).isEqualTo("p@ss word\r");
        assertThat(readPassword("p\u00e4ssw\u00f6rd\n".getBytes(UTF_8))).isEqualTo("p\u00e4ssw\u00f6rd");
    }

    @Test
    void testUnusablePasswordFileErrorsNameTheFileNotTheContent()
            throws Exception
    {
        Path empty = directory.resolve("empty-password");
        Files.writeString(empty, "\n");
        assertThatThrownBy(() -> PostgresqlAuditSink.readPasswordFile(empty))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(empty.toString())
                .hasMessageContaining("audit.postgresql.password-file")
                .hasMessageContaining("is empty");

        Path notUtf8 = directory.resolve("latin1-password");
        Files.write(notUtf8, "secret-in-latin1-\u00e9\n".getBytes(ISO_8859_1));
        assertThatThrownBy(() -> PostgresqlAuditSink.readPasswordFile(notUtf8))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(notUtf8.toString())
                .hasMessageContaining("UTF-8")
                .hasMessageNotContaining("secret-in-latin1");
    }

    @Test
    void testPasswordFileIsCheckedAtStartup()
    {
        EventListenerFactory factory = getOnlyElement(new AuditEventListenerPlugin().getEventListenerFactories());
        Path missing = directory.resolve("no-such-password-file");
        assertThatThrownBy(() -> factory.create(Map.of(
                "audit.journal.directory", directory.resolve("missing-password-journal").toString(),
                "audit.postgresql.enabled", "true",
                "audit.postgresql.url", postgres.jdbcUrl(),
                "audit.postgresql.password-file", missing.toString(),
                "audit.mac.key-file", TestingAuditEvents.KEY_FILE.toString(),
                "bootstrap.quiet", "true"), TestingPluginContext.TRINO_476))
                .hasMessageContaining(missing.toString())
                .hasMessageContaining("audit.postgresql.password-file");

        assertThatThrownBy(() -> factory.create(Map.of(
                "audit.journal.directory", directory.resolve("both-passwords-journal").toString(),
                "audit.postgresql.enabled", "true",
                "audit.postgresql.url", postgres.jdbcUrl(),
                "audit.postgresql.password", postgres.password(),
                "audit.postgresql.password-file", missing.toString(),
                "audit.mac.key-file", TestingAuditEvents.KEY_FILE.toString(),
                "bootstrap.quiet", "true"), TestingPluginContext.TRINO_476))
                .hasMessageContaining("audit.postgresql.password and audit.postgresql.password-file are mutually exclusive")
                .hasMessageNotContaining(postgres.password());
    }

    private String readPassword(byte[] content)
            throws IOException
    {
        Path file = Files.createTempFile(directory, "password", "");
        Files.write(file, content);
        return PostgresqlAuditSink.readPasswordFile(file);
    }

    private PostgresqlSinkConfig passwordFileConfig(Path passwordFile, String table)
    {
        return new PostgresqlSinkConfig()
                .setUrl(postgres.jdbcUrl())
                .setUser(postgres.user())
                .setPasswordFile(passwordFile.toString())
                .setTable(table);
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

    private static SinkShipper shipper(AuditJournal journal, PostgresqlAuditSink sink)
    {
        return new SinkShipper(journal, sink, new Checkpoints(TestingAuditEvents.KEY, java.util.Optional.empty()));
    }

    private static long deadline(long millis)
    {
        return System.nanoTime() + millis * 1_000_000;
    }

    private SinkShipper shipper(AuditJournal journal)
    {
        PostgresqlSinkConfig config = new PostgresqlSinkConfig()
                .setUrl(postgres.jdbcUrl())
                .setUser(postgres.user())
                .setPassword(postgres.password());
        return shipper(journal, new PostgresqlAuditSink(config));
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
        // every sequence number exactly once
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

    // the listener's own background thread ships
    private static void waitFor(BooleanSupplier condition)
    {
        assertEventually(new Duration(60, SECONDS), () -> assertThat(condition.getAsBoolean()).isTrue());
    }

    // Ships (as the listener's background thread does) until the condition holds; the deadline only keeps a broken
    // build from hanging.
    private static void waitFor(SinkShipper shipper, BooleanSupplier condition)
    {
        assertEventually(new Duration(60, SECONDS), () -> {
            shipper.ship();
            assertThat(condition.getAsBoolean()).isTrue();
        });
    }
}
