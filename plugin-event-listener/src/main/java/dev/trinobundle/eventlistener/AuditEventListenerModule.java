package dev.trinobundle.eventlistener;

import com.google.inject.Binder;
import com.google.inject.Provides;
import com.google.inject.Scopes;
import com.google.inject.Singleton;
import io.airlift.configuration.AbstractConfigurationAwareModule;
import io.airlift.log.Logger;
import org.weakref.jmx.MBeanExporter;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Optional;

import static com.google.common.base.Preconditions.checkState;
import static com.google.inject.multibindings.OptionalBinder.newOptionalBinder;
import static io.airlift.configuration.ConfigBinder.configBinder;

public class AuditEventListenerModule
        extends AbstractConfigurationAwareModule
{
    private static final Logger log = Logger.get(AuditEventListenerModule.class);

    @Override
    protected void setup(Binder binder)
    {
        configBinder(binder).bindConfig(AuditEventListenerConfig.class);
        AuditEventListenerConfig config = buildConfigObject(AuditEventListenerConfig.class);
        if (config.getCheckpointDirectory() != null && config.getJournalDirectory() != null) {
            // whoever writes the audit files must not be able to rewrite the checkpoints that pin them
            Path checkpoints = Path.of(config.getCheckpointDirectory()).toAbsolutePath().normalize();
            Path journal = Path.of(config.getJournalDirectory()).toAbsolutePath().normalize();
            checkState(!checkpoints.startsWith(journal) && !journal.startsWith(checkpoints),
                    "audit.checkpoint.directory %s must be apart from audit.journal.directory %s: put it next to it, better on another volume or owner", checkpoints, journal);
        }
        // Optional<PostgresqlAuditSink> is present exactly when it is bound below.
        newOptionalBinder(binder, PostgresqlAuditSink.class);
        if (config.isPostgresqlSinkEnabled()) {
            configBinder(binder).bindConfig(PostgresqlSinkConfig.class);
            binder.bind(PostgresqlAuditSink.class).in(Scopes.SINGLETON);
        }
        else if (config.getCheckpointDirectory() == null) {
            log.warn("The signed checkpoints go nowhere (no audit.checkpoint.directory, no PostgreSQL sink): a truncated tail of the audit log cannot be detected");
        }
        binder.bind(AuditRecordSerializer.class).in(Scopes.SINGLETON);
        binder.bind(AuditEventListener.class).in(Scopes.SINGLETON);
        binder.bind(MBeanExporter.class).toInstance(new MBeanExporter(ManagementFactory.getPlatformMBeanServer()));
    }

    @Provides
    @Singleton
    public static AuditKey createKey(AuditEventListenerConfig config)
    {
        Path file = Path.of(config.getMacKeyFile()).toAbsolutePath();
        // group read is how Kubernetes hands a Secret to a pod's fsGroup (mode 0440)
        if (AuditFiles.permits(file, EnumSet.of(PosixFilePermission.OTHERS_READ))) {
            log.warn("The audit MAC key file %s (audit.mac.key-file) is readable by others: whoever reads it can forge the audit log. Run chmod 400 %s", file, file);
        }
        return AuditKey.fromFile(file);
    }

    @Provides
    @Singleton
    public static AuditJournal createJournal(AuditEventListenerConfig config, AuditKey key)
    {
        return new AuditJournal(Path.of(config.getJournalDirectory()), config.getMaxFileSize().toBytes(), config.getMaxFiles(), config.getFsyncPolicy(), key);
    }

    @Provides
    @Singleton
    public static Checkpoints createCheckpoints(AuditEventListenerConfig config, AuditKey key)
    {
        return new Checkpoints(key, Optional.ofNullable(config.getCheckpointDirectory()).map(Path::of));
    }
}
