package dev.trinobundle.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;

import static java.util.Objects.requireNonNull;

/**
 * A server the tests start as a child JVM (S3Proxy, the Iceberg REST catalog): its output in a log file, started when
 * an HTTP probe answers, and always stopped, by {@link #close()} or by a JVM shutdown hook if a test run is interrupted.
 */
final class ChildProcess
        implements AutoCloseable
{
    private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(20);
    private static final Set<ChildProcess> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(child -> child.process.destroyForcibly()), "child-process-reaper"));
    }

    private final String name;
    private final Process process;
    private final Path log;

    private ChildProcess(String name, Process process, Path log)
    {
        this.name = requireNonNull(name, "name is null");
        this.process = requireNonNull(process, "process is null");
        this.log = requireNonNull(log, "log is null");
    }

    /**
     * Starts the command with exactly this environment added (the rest inherited) and waits until a GET of the probe
     * answers a status the predicate accepts.
     */
    static ChildProcess start(String name, List<String> command, Map<String, String> environment, Path directory, URI probe, IntPredicate ready, Duration timeout)
    {
        Path log = directory.resolve(name + ".log");
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(directory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(environment);
        ChildProcess child;
        try {
            child = new ChildProcess(name, builder.start(), log);
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot start " + name + " in " + directory, e);
        }
        RUNNING.add(child);
        try {
            child.awaitReady(probe, ready, timeout);
        }
        catch (RuntimeException e) {
            child.close();
            throw e;
        }
        return child;
    }

    private void awaitReady(URI probe, IntPredicate ready, Duration timeout)
    {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest request = HttpRequest.newBuilder(probe).timeout(Duration.ofSeconds(5)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        String lastAnswer = "no answer";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("%s exited with code %s during startup. Tail of %s:%n%s".formatted(name, process.exitValue(), log, logTail(60)));
            }
            try {
                int status = client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
                lastAnswer = String.valueOf(status);
                if (ready.test(status)) {
                    return;
                }
            }
            catch (IOException e) {
                lastAnswer = e.toString();
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while waiting for " + name, e);
            }
            try {
                // the port opens once: poll it, as TestingKeycloakServer does
                Thread.sleep(200);
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while waiting for " + name, e);
            }
        }
        throw new IllegalStateException("%s did not answer %s within %s (last answer: %s). Tail of %s:%n%s".formatted(name, probe, timeout, lastAnswer, log, logTail(60)));
    }

    Path log()
    {
        return log;
    }

    String logTail(int lines)
    {
        return tail(log, lines);
    }

    /** The last lines of a server's log, for failure messages; never throws. */
    static String tail(Path file, int lines)
    {
        try {
            List<String> all = Files.readAllLines(file);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        }
        catch (IOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }

    /** SIGTERM to the process and its descendants, SIGKILL to what is left after the timeout. */
    @Override
    public void close()
    {
        List<ProcessHandle> tree = new ArrayList<>();
        process.toHandle().descendants().forEach(tree::add);
        tree.add(process.toHandle());
        tree.forEach(ProcessHandle::destroy);
        for (ProcessHandle handle : tree) {
            try {
                handle.onExit().get(SHUTDOWN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
            catch (Exception _) {
                handle.destroyForcibly();
            }
        }
        RUNNING.remove(this);
    }
}
