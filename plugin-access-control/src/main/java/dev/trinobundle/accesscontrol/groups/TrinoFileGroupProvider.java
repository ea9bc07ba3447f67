package dev.trinobundle.accesscontrol.groups;

import com.google.common.base.Suppliers;
import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import io.airlift.log.Logger;
import io.trino.spi.security.GroupProvider;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;
import static java.util.concurrent.TimeUnit.MILLISECONDS;

/**
 * Trino's {@code group-provider.name=file} format ({@code group:user1,user2} per line), read by the access control
 * itself: Trino's own provider lives in another plugin's class loader, out of reach. The file is re-read at most every
 * {@code file.refresh-period} (Trino's default 5s); a re-read that fails keeps the last good content and logs why.
 */
public final class TrinoFileGroupProvider
        implements GroupProvider
{
    private static final Logger log = Logger.get(TrinoFileGroupProvider.class);

    private final Path file;
    private final Supplier<Map<String, Set<String>>> groups;
    private volatile Map<String, Set<String>> lastGood;

    public TrinoFileGroupProvider(Path file, Duration refreshPeriod)
    {
        this.file = requireNonNull(file, "file is null");
        this.lastGood = parse(file);
        this.groups = Suppliers.memoizeWithExpiration(this::reload, refreshPeriod.toMillis(), MILLISECONDS);
    }

    @Override
    public Set<String> getGroups(String user)
    {
        return groups.get().getOrDefault(requireNonNull(user, "user is null"), Set.of());
    }

    private Map<String, Set<String>> reload()
    {
        try {
            lastGood = parse(file);
        }
        catch (IllegalArgumentException | UncheckedIOException e) {
            log.error("Keeping the last good groups: %s", e.getMessage());
        }
        return lastGood;
    }

    static Map<String, Set<String>> parse(Path file)
    {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot read group file " + file + " (file.group-file): " + e, e);
        }
        Map<String, Set<String>> userGroups = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("Group file %s line %s: expected group:user1,user2".formatted(file, i + 1));
            }
            String group = line.substring(0, colon).strip();
            for (String user : line.substring(colon + 1).split(",")) {
                if (!user.isBlank()) {
                    userGroups.computeIfAbsent(user.strip(), _ -> new HashSet<>()).add(group);
                }
            }
        }
        ImmutableMap.Builder<String, Set<String>> result = ImmutableMap.builder();
        userGroups.forEach((user, groups) -> result.put(user, ImmutableSet.copyOf(groups)));
        return result.buildOrThrow();
    }
}
