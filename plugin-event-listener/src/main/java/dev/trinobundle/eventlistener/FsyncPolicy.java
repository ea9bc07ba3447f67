package dev.trinobundle.eventlistener;

/**
 * Every policy survives a killed Trino process (the page cache belongs to the kernel); they differ in what a machine
 * crash or power loss may take.
 */
public enum FsyncPolicy
{
    /** Never fsync explicitly; the kernel writes back dirty pages on its own schedule. */
    NONE,
    /** A background thread fsyncs every second: a machine crash loses at most the last second. */
    INTERVAL,
    /** fsync after every record, on Trino's calling thread: no loss on a machine crash, at the cost of latency. */
    EVERY_RECORD,
}
