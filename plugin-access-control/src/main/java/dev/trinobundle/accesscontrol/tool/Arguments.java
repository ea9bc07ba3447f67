package dev.trinobundle.accesscontrol.tool;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A subcommand's positional arguments and {@code --option value} pairs; unknown or repeated options are usage errors. */
public record Arguments(List<String> positional, Map<String, String> options)
{
    public static final class UsageException
            extends RuntimeException
    {
        public UsageException(String message)
        {
            super(message);
        }
    }

    static Arguments parse(List<String> args, Set<String> options)
    {
        return parse(args, options, Set.of());
    }

    /** {@code flags} take no value; a given flag maps to {@code "true"}. */
    static Arguments parse(List<String> args, Set<String> options, Set<String> flags)
    {
        List<String> positional = new ArrayList<>();
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String argument = args.get(i);
            if (!argument.startsWith("--")) {
                positional.add(argument);
                continue;
            }
            if (flags.contains(argument)) {
                if (values.put(argument, "true") != null) {
                    throw new UsageException(argument + " is given twice");
                }
                continue;
            }
            if (!options.contains(argument)) {
                throw new UsageException("unknown option " + argument + " (options: " + String.join(", ", java.util.stream.Stream.concat(options.stream(), flags.stream()).sorted().toList()) + ")");
            }
            if (i + 1 >= args.size()) {
                throw new UsageException("missing value for " + argument);
            }
            if (values.put(argument, args.get(++i)) != null) {
                throw new UsageException(argument + " is given twice");
            }
        }
        return new Arguments(positional, values);
    }

    boolean flag(String name)
    {
        return options.containsKey(name);
    }

    String option(String name, String defaultValue)
    {
        return options.getOrDefault(name, defaultValue);
    }
}
