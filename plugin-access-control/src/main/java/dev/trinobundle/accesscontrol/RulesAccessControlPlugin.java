package dev.trinobundle.accesscontrol;

import com.google.common.collect.ImmutableList;
import io.trino.spi.Plugin;
import io.trino.spi.security.SystemAccessControlFactory;

public class RulesAccessControlPlugin
        implements Plugin
{
    @Override
    public Iterable<SystemAccessControlFactory> getSystemAccessControlFactories()
    {
        return ImmutableList.of(new RulesAccessControlFactory());
    }
}
