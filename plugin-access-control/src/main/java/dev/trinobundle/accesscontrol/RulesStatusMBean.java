package dev.trinobundle.accesscontrol;

/** Reload status of the rules file, exported through JMX. */
public interface RulesStatusMBean
{
    String getConfigFile();

    /** SHA-256 of the content of the rules in force. */
    String getRulesHash();

    /** When the rules in force were loaded (ISO-8601). */
    String getLoadedAt();

    long getLoadSuccesses();

    long getLoadFailures();

    /** The last load error (file, line, column, problem), or null if the last attempt succeeded. */
    String getLastError();

    /** When the last load error happened (ISO-8601), or null. */
    String getLastErrorAt();
}
