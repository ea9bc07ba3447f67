package dev.trinobundle.accesscontrol;

import io.trino.spi.security.SystemAccessControl;
import io.trino.spi.security.SystemAccessControlFactory;

import java.util.Map;

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
        // Fail closed until the rules engine exists: never hand Trino an access control that allows everything.
        throw new UnsupportedOperationException("access-control.name=rules is not implemented yet");
    }
}
