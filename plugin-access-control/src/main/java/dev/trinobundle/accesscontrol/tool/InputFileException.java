package dev.trinobundle.accesscontrol.tool;

import dev.trinobundle.accesscontrol.rules.JsonTree.Position;

/**
 * A test, identities or objects file the tools cannot use, in the form of the rules file's errors:
 * {@code Invalid test file tests.yaml at line 12, column 5: unknown field 'expcet' in tests[3]; allowed: ...}.
 */
public final class InputFileException
        extends RuntimeException
{
    InputFileException(String what, String fileName, Position position, String problem)
    {
        super("Invalid " + what + " " + fileName + (position == null || position.line() <= 0 ? "" : " at line " + position.line() + ", column " + position.column()) + ": " + problem);
    }
}
