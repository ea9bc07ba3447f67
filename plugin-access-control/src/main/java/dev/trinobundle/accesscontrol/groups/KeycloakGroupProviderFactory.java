package dev.trinobundle.accesscontrol.groups;

import io.trino.spi.security.GroupProvider;
import io.trino.spi.security.GroupProviderFactory;

import java.util.Map;

import static java.util.Objects.requireNonNull;

/** {@code group-provider.name=keycloak} in {@code etc/group-provider.properties}. */
public class KeycloakGroupProviderFactory
        implements GroupProviderFactory
{
    @Override
    public String getName()
    {
        return "keycloak";
    }

    @Override
    public GroupProvider create(Map<String, String> config)
    {
        requireNonNull(config, "config is null");
        return KeycloakGroupProviders.shared(config);
    }
}
