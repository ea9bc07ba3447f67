package dev.trinobundle.accesscontrol;

import com.google.common.collect.ImmutableList;
import dev.trinobundle.accesscontrol.groups.KeycloakGroupProviderFactory;
import io.trino.spi.Plugin;
import io.trino.spi.security.GroupProviderFactory;
import io.trino.spi.security.SystemAccessControlFactory;

public class RulesAccessControlPlugin
        implements Plugin
{
    @Override
    public Iterable<SystemAccessControlFactory> getSystemAccessControlFactories()
    {
        return ImmutableList.of(new RulesAccessControlFactory());
    }

    // in this plugin, not one of its own: the access control shares the group provider's cache (one class loader)
    @Override
    public Iterable<GroupProviderFactory> getGroupProviderFactories()
    {
        return ImmutableList.of(new KeycloakGroupProviderFactory());
    }
}
