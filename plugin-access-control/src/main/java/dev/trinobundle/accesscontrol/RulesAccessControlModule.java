package dev.trinobundle.accesscontrol;

import com.google.inject.Binder;
import com.google.inject.Module;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import dev.trinobundle.accesscontrol.groups.ConfiguredGroups;
import io.airlift.bootstrap.LifeCycleManager;
import io.trino.spi.security.SystemAccessControl;

import java.nio.file.Path;

import static io.airlift.configuration.ConfigBinder.configBinder;

public class RulesAccessControlModule
        implements Module
{
    @Override
    public void configure(Binder binder)
    {
        configBinder(binder).bindConfig(RulesAccessControlConfig.class);
    }

    @Provides
    @Singleton
    public static ConfiguredGroups createGroups(RulesAccessControlConfig config)
    {
        return ConfiguredGroups.load(Path.of(config.getGroupProviderConfigFile()));
    }

    @Provides
    @Singleton
    public static ReloadingRules createRules(RulesAccessControlConfig config, ConfiguredGroups groups)
    {
        String configFile = config.getConfigFile();
        if (configFile.startsWith("http://") || configFile.startsWith("https://")) {
            throw new IllegalArgumentException("security.config-file must be a local file for access-control.name=rules; rules served over HTTP are not supported: " + configFile);
        }
        ReloadingRules rules = new ReloadingRules(Path.of(configFile).toAbsolutePath(), config.getJsonPointer(), config.getOnInvalidRules(),
                ruleSet -> groups.requireFor(ruleSet, configFile));
        if (config.getRefreshPeriod() != null) {
            rules.start(config.getRefreshPeriod(), config.isWatchConfigFile());
        }
        rules.exportMBean();
        return rules;
    }

    @Provides
    @Singleton
    public static SystemAccessControl createAccessControl(ReloadingRules rules, ConfiguredGroups groups, RulesAccessControlConfig config, LifeCycleManager lifeCycleManager)
    {
        return new RulesSystemAccessControl(rules, groups, config.isLogDenials(), () -> {
            rules.stop();
            lifeCycleManager.stop();
        });
    }
}
