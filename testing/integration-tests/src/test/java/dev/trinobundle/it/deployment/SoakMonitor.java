package dev.trinobundle.it.deployment;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static java.util.Objects.requireNonNull;

/**
 * The coordinator's resources over time, read from outside as an operator's monitoring would: heap in use
 * ({@code jstat -gc}), CPU ({@code /proc/<pid>/stat}), the audit journal's size on disk, Vault's request count; and the
 * audit listener's own JMX counters through Trino's {@code jmx} catalog.
 */
final class SoakMonitor
        implements AutoCloseable
{
    private static final long CLOCK_TICKS_PER_SECOND = 100;

    record Sample(double time, Double heapMegabytes, Double cpuPercent, Long journalBytes, Long auditVolumeBytes, int vaultRequests) {}

    private final SoakCluster cluster;
    private final SoakClock clock;
    private final Optional<Path> journal;
    private final ConcurrentLinkedQueue<Sample> samples = new ConcurrentLinkedQueue<>();
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "soak-monitor");
        thread.setDaemon(true);
        return thread;
    });
    private long lastPid = -1;
    private long lastTicks;
    private double lastTime;

    private final boolean auditVolume;

    SoakMonitor(SoakCluster cluster, SoakClock clock, Optional<Path> journal, boolean auditVolume)
    {
        this.auditVolume = auditVolume;
        this.cluster = requireNonNull(cluster, "cluster is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.journal = requireNonNull(journal, "journal is null");
    }

    void start()
    {
        executor.scheduleAtFixedRate(this::sample, 0, 5, TimeUnit.SECONDS);
    }

    List<Sample> samples()
    {
        return List.copyOf(samples);
    }

    private void sample()
    {
        try {
            double time = clock.seconds();
            Optional<Long> pid = cluster.coordinatorPid();
            Double cpu = null;
            Double heap = null;
            if (pid.isPresent()) {
                long ticks = cpuTicks(pid.get());
                if (pid.get() == lastPid && ticks >= 0) {
                    cpu = 100.0 * (ticks - lastTicks) / CLOCK_TICKS_PER_SECOND / (time - lastTime);
                }
                lastPid = pid.get();
                lastTicks = ticks;
                lastTime = time;
                heap = heapMegabytes(pid.get());
            }
            samples.add(new Sample(time, heap, cpu, journal.map(SoakMonitor::directorySize).orElse(null),
                    auditVolume ? usedBytes(cluster.auditVolume()) : null, cluster.vaultRequests()));
        }
        catch (RuntimeException e) {
            // a sample while the coordinator restarts may fail; the next one is taken as usual
        }
    }

    /**
     * The audit listener's JMX counters, summed per attribute over the MBeans of one kind ({@code auditjournal},
     * {@code auditsink,sink=file}, ...), read through Trino's jmx catalog as an operator would; empty when the
     * coordinator does not answer.
     */
    static Map<String, Map<String, Long>> auditCounters(SoakLoad load, String mbeanPattern)
    {
        Map<String, Map<String, Long>> counters = new LinkedHashMap<>();
        List<List<String>> tables = load.monitorQuery("SHOW TABLES FROM jmx.current LIKE 'dev.trinobundle.eventlistener:%s'".formatted(mbeanPattern));
        for (List<String> table : tables) {
            String name = table.getFirst();
            // the object name's keys other than the journal's path: auditjournal, auditsink:file, ...
            Matcher type = Pattern.compile("type=(\\w+)").matcher(name);
            Matcher sink = Pattern.compile("sink=(\\w+)").matcher(name);
            String kind = (type.find() ? type.group(1) : name) + (sink.find() ? ":" + sink.group(1) : "");
            List<List<String>> rows = load.monitorQuery("SELECT * FROM jmx.current.\"%s\"".formatted(name.replace("\"", "\"\"")));
            List<List<String>> columns = load.monitorQuery("SELECT column_name FROM jmx.information_schema.columns WHERE table_schema = 'current' AND table_name = '%s' ORDER BY ordinal_position"
                    .formatted(name.replace("'", "''")));
            for (List<String> row : rows) {
                for (int i = 0; i < columns.size() && i < row.size(); i++) {
                    String column = columns.get(i).getFirst();
                    String value = row.get(i);
                    if (value != null && value.matches("-?\\d+")) {
                        counters.computeIfAbsent(kind, _ -> new LinkedHashMap<>()).merge(column, Long.parseLong(value), Long::sum);
                    }
                }
            }
        }
        return counters;
    }

    private static long cpuTicks(long pid)
    {
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
            // fields after the command name in parentheses: state is field 3, utime 14, stime 15
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        }
        catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Heap in use (survivor, eden and old generation), from the JVM's perf data as {@code jstat -gc} prints it. */
    private static Double heapMegabytes(long pid)
    {
        Path jstat = Path.of(System.getProperty("java.home"), "bin", "jstat");
        try {
            Process process = new ProcessBuilder(jstat.toString(), "-gc", String.valueOf(pid)).redirectErrorStream(true).start();
            List<String> lines = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
            if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0 || lines.size() < 2) {
                return null;
            }
            List<String> header = Arrays.asList(lines.get(0).trim().split("\\s+"));
            String[] values = lines.get(1).trim().split("\\s+");
            double kilobytes = 0;
            for (String column : List.of("S0U", "S1U", "EU", "OU")) {
                kilobytes += Double.parseDouble(values[header.indexOf(column)]);
            }
            return kilobytes / 1024;
        }
        catch (IOException | RuntimeException e) {
            return null;
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static Long directorySize(Path directory)
    {
        if (!Files.isDirectory(directory)) {
            return 0L;
        }
        try (Stream<Path> files = Files.walk(directory)) {
            List<Long> sizes = new ArrayList<>();
            files.filter(Files::isRegularFile).forEach(file -> {
                try {
                    sizes.add(Files.size(file));
                }
                catch (IOException _) {
                    // deleted while walking (a delivered segment)
                }
            });
            return sizes.stream().mapToLong(Long::longValue).sum();
        }
        catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static Long usedBytes(Path volume)
    {
        try {
            var store = Files.getFileStore(volume);
            return store.getTotalSpace() - store.getUnallocatedSpace();
        }
        catch (IOException e) {
            return null;
        }
    }

    @Override
    public void close()
    {
        executor.shutdownNow();
    }
}
