package dev.trinobundle.accesscontrol.rules;

/**
 * A rules file that cannot be loaded. The message always names the file and, when the problem is
 * inside the content, the line and column: {@code rules.json:12:5: unknown field 'catlog' ...}.
 */
public class RulesException
        extends RuntimeException
{
    private final String fileName;
    private final int line;
    private final int column;
    private final String problem;

    RulesException(String fileName, JsonTree.Position position, String problem)
    {
        this(fileName, position == null ? 0 : position.line(), position == null ? 0 : position.column(), problem, null);
    }

    public RulesException(String fileName, int line, int column, String problem, Throwable cause)
    {
        super(format(fileName, line, column, problem), cause);
        this.fileName = fileName;
        this.line = line;
        this.column = column;
        this.problem = problem;
    }

    private static String format(String fileName, int line, int column, String problem)
    {
        if (line <= 0) {
            return "Invalid access control rules file " + fileName + ": " + problem;
        }
        return "Invalid access control rules file " + fileName + " at line " + line + ", column " + column + ": " + problem;
    }

    public String getFileName()
    {
        return fileName;
    }

    /** 1-based line of the problem, or 0 when it is not inside the content (missing file, empty file). */
    public int getLine()
    {
        return line;
    }

    public int getColumn()
    {
        return column;
    }

    public String getProblem()
    {
        return problem;
    }
}
