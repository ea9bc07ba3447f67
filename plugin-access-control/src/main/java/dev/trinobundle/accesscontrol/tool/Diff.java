package dev.trinobundle.accesscontrol.tool;

import java.io.PrintStream;
import java.util.List;

public final class Diff
{
    public static final String USAGE = "RulesTool diff <old-rules.json> <new-rules.json> [--identities <file>] [--objects <file>] [--json-pointer <pointer>]";

    private Diff() {}

    public static int run(List<String> args, PrintStream out, PrintStream err)
    {
        throw new UnsupportedOperationException();
    }
}
