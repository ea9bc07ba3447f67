package dev.trinobundle.accesscontrol;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;

import static java.nio.charset.StandardCharsets.UTF_8;

/** Runs {@link RulesTool} in-process as its {@code main} would, capturing what it prints. */
final class RulesToolRunner
{
    record Result(int exitCode, String out, String err) {}

    private RulesToolRunner() {}

    static Result run(String... args)
    {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exitCode = RulesTool.run(args, new PrintStream(out, true, UTF_8), new PrintStream(err, true, UTF_8));
        return new Result(exitCode, out.toString(UTF_8), err.toString(UTF_8));
    }
}
