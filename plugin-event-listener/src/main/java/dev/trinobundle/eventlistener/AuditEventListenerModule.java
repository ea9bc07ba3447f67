package dev.trinobundle.eventlistener;

import com.google.common.collect.ImmutableList;
import com.google.inject.Binder;
import com.google.inject.Provides;
import com.google.inject.Scopes;
import com.google.inject.Singleton;
import io.airlift.configuration.AbstractConfigurationAwareModule;
import org.weakref.jmx.MBeanExporter;

import java.lang.management.ManagementFactory;
import java.nio.file.Paths;
import java.util.Optional;

import static com.google.inject.multibindings.OptionalBinder.newOptionalBinder;
import static io.airlift.configuration.ConfigBinder.configBinder;

public class AuditEventListenerModule
        extends AbstractConfigurationAwareModule
{
    @Override
    protected void setup(Binder binder)
    {
        configBinder(binder).bindConfig(AuditEventListenerConfig.class);
        AuditEventListenerConfig config = buildConfigObject(AuditEventListenerConfig.class);
        // Optional<Sink> is present exactly when the sink class is bound below.
        newOptionalBinder(binder, FileAuditSink.class);
        if (config.isFileSinkEnabled()) {
            configBinder(binder).bindConfig(FileSinkConfig.class);
            binder.bind(FileAuditSink.class).in(Scopes.SINGLETON);
        }
        newOptionalBinder(binder, PostgresqlAuditSink.class);
        if (config.isPostgresqlSinkEnabled()) {
            configBinder(binder).bindConfig(PostgresqlSinkConfig.class);
            binder.bind(PostgresqlAuditSink.class).in(Scopes.SINGLETON);
        }
        binder.bind(AuditRecordSerializer.class).in(Scopes.SINGLETON);
        binder.bind(AuditEventListener.class).in(Scopes.SINGLETON);
        binder.bind(MBeanExporter.class).toInstance(new MBeanExporter(ManagementFactory.getPlatformMBeanServer()));
    }

    @Provides
    @Singleton
    public static AuditJournal createJournal(AuditEventListenerConfig config)
    {
        return new AuditJournal(
                Paths.get(config.getJournalDirectory()),
                config.getJournalSegmentSize().toBytes(),
                config.getFsyncPolicy(),
                config.getMaxUnwrittenRecords());
    }

    @Provides
    @Singleton
    public static AuditDelivery createDelivery(
            AuditEventListenerConfig config,
            AuditJournal journal,
            Optional<FileAuditSink> fileSink,
            Optional<PostgresqlAuditSink> postgresqlSink)
    {
        ImmutableList.Builder<AuditSink> sinks = ImmutableList.builder();
        fileSink.ifPresent(sinks::add);
        postgresqlSink.ifPresent(sinks::add);
        return new AuditDelivery(
                journal,
                sinks.build(),
                config.getFsyncPolicy(),
                config.getFsyncInterval().toMillis(),
                config.getDeliveryBatchSize(),
                config.getRetryDelay().toMillis(),
                config.getMaxRetryDelay().toMillis());
    }
}
