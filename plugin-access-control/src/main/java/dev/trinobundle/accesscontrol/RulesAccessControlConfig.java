package dev.trinobundle.accesscontrol;

import io.airlift.configuration.Config;
import io.airlift.configuration.ConfigDescription;
import io.airlift.units.Duration;
import io.airlift.units.MinDuration;
import jakarta.validation.constraints.NotNull;

/**
 * The properties of Trino's {@code file} access control, with the same names and meaning, plus ours.
 */
public class RulesAccessControlConfig
{
    private String configFile;
    private Duration refreshPeriod;
    private String jsonPointer = "";
    private boolean watchConfigFile = true;
    private boolean logDenials = true;
    private InvalidRulesPolicy onInvalidRules = InvalidRulesPolicy.KEEP_LAST;
    private String groupProviderConfigFile = "etc/group-provider.properties";

    @NotNull
    public String getConfigFile()
    {
        return configFile;
    }

    @Config("security.config-file")
    @ConfigDescription("Path of the JSON rules file (Trino's file-based access control format)")
    public RulesAccessControlConfig setConfigFile(String configFile)
    {
        this.configFile = configFile;
        return this;
    }

    @MinDuration("1ms")
    public Duration getRefreshPeriod()
    {
        return refreshPeriod;
    }

    @Config("security.refresh-period")
    @ConfigDescription("How often the rules file is re-read in the background; unset means the rules never change after startup")
    public RulesAccessControlConfig setRefreshPeriod(Duration refreshPeriod)
    {
        this.refreshPeriod = refreshPeriod;
        return this;
    }

    @NotNull
    public String getJsonPointer()
    {
        return jsonPointer;
    }

    @Config("security.json-pointer")
    @ConfigDescription("JSON pointer (RFC 6901) to the rules object inside the file")
    public RulesAccessControlConfig setJsonPointer(String jsonPointer)
    {
        this.jsonPointer = jsonPointer;
        return this;
    }

    public boolean isWatchConfigFile()
    {
        return watchConfigFile;
    }

    @Config("security.watch-config-file")
    @ConfigDescription("With security.refresh-period set, also watch the file's directory and reload within seconds of a change")
    public RulesAccessControlConfig setWatchConfigFile(boolean watchConfigFile)
    {
        this.watchConfigFile = watchConfigFile;
        return this;
    }

    public boolean isLogDenials()
    {
        return logDenials;
    }

    @Config("security.log-denials")
    @ConfigDescription("Log every access denial as one structured INFO line naming the deciding rule")
    public RulesAccessControlConfig setLogDenials(boolean logDenials)
    {
        this.logDenials = logDenials;
        return this;
    }

    @NotNull
    public InvalidRulesPolicy getOnInvalidRules()
    {
        return onInvalidRules;
    }

    @Config("security.on-invalid-rules")
    @ConfigDescription("When a reload finds an invalid rules file: keep-last enforces the last good rules, deny-all denies every check until it is fixed")
    public RulesAccessControlConfig setOnInvalidRules(InvalidRulesPolicy onInvalidRules)
    {
        this.onInvalidRules = onInvalidRules;
        return this;
    }

    @NotNull
    public String getGroupProviderConfigFile()
    {
        return groupProviderConfigFile;
    }

    @Config("security.group-provider.config-file")
    @ConfigDescription("Trino's group provider file, read to find the authenticated user's groups for original_group (relative paths from the data directory, as Trino reads it)")
    public RulesAccessControlConfig setGroupProviderConfigFile(String groupProviderConfigFile)
    {
        this.groupProviderConfigFile = groupProviderConfigFile;
        return this;
    }
}
