package dev.trinobundle.accesscontrol;

import com.google.inject.CreationException;
import com.google.inject.Injector;
import com.google.inject.ProvisionException;
import com.google.inject.spi.Message;
import dev.trinobundle.accesscontrol.rules.RulesException;
import io.airlift.bootstrap.Bootstrap;
import io.trino.spi.security.SystemAccessControl;
import io.trino.spi.security.SystemAccessControlFactory;

import java.util.Collection;
import java.util.Map;

import static com.google.common.base.Throwables.getCausalChain;
import static java.util.Objects.requireNonNull;

public class RulesAccessControlFactory
        implements SystemAccessControlFactory
{
    public static final String NAME = "rules";

    @Override
    public String getName()
    {
        return NAME;
    }

    @Override
    public SystemAccessControl create(Map<String, String> config, SystemAccessControlContext context)
    {
        requireNonNull(config, "config is null");
        Bootstrap app = new Bootstrap(new RulesAccessControlModule());
        try {
            Injector injector = app
                    .doNotInitializeLogging()
                    .setRequiredConfigurationProperties(config)
                    .initialize();
            return injector.getInstance(SystemAccessControl.class);
        }
        catch (CreationException e) {
            throw unwrap(e, e.getErrorMessages());
        }
        catch (ProvisionException e) {
            throw unwrap(e, e.getErrorMessages());
        }
    }

    /** Surfaces the rules file problem itself (file, line, column) rather than Guice's wrapping of it. */
    private static RuntimeException unwrap(RuntimeException e, Collection<Message> messages)
    {
        for (Message message : messages) {
            if (message.getCause() == null) {
                continue;
            }
            for (Throwable cause : getCausalChain(message.getCause())) {
                if (cause instanceof RulesException rules) {
                    return new RulesException(rules.getFileName(), rules.getLine(), rules.getColumn(), rules.getProblem(), e);
                }
            }
        }
        return e;
    }
}
