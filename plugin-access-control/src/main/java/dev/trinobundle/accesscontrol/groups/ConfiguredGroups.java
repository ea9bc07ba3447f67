package dev.trinobundle.accesscontrol.groups;

import com.google.common.collect.ImmutableMap;
import dev.trinobundle.accesscontrol.rules.RuleSet;
import dev.trinobundle.accesscontrol.rules.RulesException;
import io.trino.spi.security.GroupProvider;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * The group source Trino itself uses, read from the same {@code etc/group-provider.properties}: Trino 476 hands
 * {@code checkCanImpersonateUser} the authenticated identity without groups (trinodb/trino#19598), so the access
 * control looks the original user's groups up itself. {@code file} is read with Trino's format, {@code keycloak} is
 * the same cached instance Trino's session identities use (one plugin class loader); anything else cannot be read here.
 */
public final class ConfiguredGroups
{
    private static final Pattern ENV = Pattern.compile("\\$\\{ENV:([A-Za-z_][A-Za-z0-9_]*)}");
    private static final Set<String> FILE_PROPERTIES = Set.of("group-provider.name", "file.group-file", "file.refresh-period");

    private final Optional<GroupProvider> provider;
    private final String unavailable;

    private ConfiguredGroups(Optional<GroupProvider> provider, String unavailable)
    {
        this.provider = requireNonNull(provider, "provider is null");
        this.unavailable = unavailable;
    }

    public static ConfiguredGroups none(String why)
    {
        return new ConfiguredGroups(Optional.empty(), why);
    }

    public static ConfiguredGroups of(GroupProvider provider)
    {
        return new ConfiguredGroups(Optional.of(provider), null);
    }

    public static ConfiguredGroups load(Path configFile)
    {
        if (!Files.exists(configFile)) {
            return none(configFile.toAbsolutePath() + " does not exist");
        }
        Map<String, String> properties = read(configFile);
        String name = properties.get("group-provider.name");
        if (name == null) {
            throw new IllegalArgumentException("Group provider configuration " + configFile + " does not set group-provider.name");
        }
        return switch (name) {
            case "file" -> of(fileProvider(configFile, properties));
            case "keycloak" -> of(KeycloakGroupProviders.shared(properties));
            default -> none("%s sets group-provider.name=%s, which access-control.name=rules cannot read".formatted(configFile, name));
        };
    }

    public Optional<GroupProvider> provider()
    {
        return provider;
    }

    /** A rule set that matches {@code original_group} is invalid without a group source: the rule would never match. */
    public void requireFor(RuleSet rules, String rulesFile)
    {
        if (provider.isEmpty() && rules.usesOriginalGroup()) {
            throw new RulesException(rulesFile, 0, 0,
                    "impersonation rules match original_group, but Trino gives the authenticated user no groups and no group source is available (%s). "
                            .formatted(unavailable)
                            + "Configure groups in etc/group-provider.properties with group-provider.name=file (file.group-file=...) or group-provider.name=keycloak, "
                            + "or set security.group-provider.config-file to that file", null);
        }
    }

    private static GroupProvider fileProvider(Path configFile, Map<String, String> properties)
    {
        for (String key : properties.keySet()) {
            if (!FILE_PROPERTIES.contains(key)) {
                throw new IllegalArgumentException("Group provider configuration %s: unknown property %s for group-provider.name=file".formatted(configFile, key));
            }
        }
        String groupFile = properties.get("file.group-file");
        if (groupFile == null) {
            throw new IllegalArgumentException("Group provider configuration " + configFile + " must set file.group-file");
        }
        io.airlift.units.Duration refresh = io.airlift.units.Duration.valueOf(properties.getOrDefault("file.refresh-period", "5s"));
        return new TrinoFileGroupProvider(Path.of(groupFile), refresh.toJavaTime());
    }

    /** Trino's properties format, with the {@code ${ENV:NAME}} references Trino's secrets resolver expands. */
    static Map<String, String> read(Path configFile)
    {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(configFile)) {
            properties.load(reader);
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot read group provider configuration " + configFile, e);
        }
        ImmutableMap.Builder<String, String> result = ImmutableMap.builder();
        for (String key : properties.stringPropertyNames()) {
            result.put(key.strip(), resolveEnvironment(configFile, key, properties.getProperty(key).strip()));
        }
        return result.buildOrThrow();
    }

    private static String resolveEnvironment(Path configFile, String key, String value)
    {
        Matcher matcher = ENV.matcher(value);
        StringBuilder result = new StringBuilder();
        while (matcher.find()) {
            String resolved = System.getenv(matcher.group(1));
            if (resolved == null) {
                throw new IllegalArgumentException("Group provider configuration %s: %s names the unset environment variable %s".formatted(configFile, key, matcher.group(1)));
            }
            matcher.appendReplacement(result, Matcher.quoteReplacement(resolved));
        }
        matcher.appendTail(result);
        return result.toString();
    }
}
