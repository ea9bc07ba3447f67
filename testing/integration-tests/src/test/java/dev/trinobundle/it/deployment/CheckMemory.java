package dev.trinobundle.it.deployment;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static com.google.common.base.Preconditions.checkState;
import static java.nio.charset.StandardCharsets.UTF_8;

/** {@code deployment/check-memory} as an operator runs it on files of a pod: {@code jvm.config} and {@code config.properties}. */
final class CheckMemory
{
    private CheckMemory() {}

    record Result(int exitCode, String output) {}

    /** On the files the chart renders for {@code coordinator} or {@code worker}, with the container's memory limit. */
    static Result onRendered(RenderedChart chart, String role)
            throws IOException, InterruptedException
    {
        Path directory = Files.createTempDirectory("check-memory-" + role);
        try {
            Path jvmConfig = Files.writeString(directory.resolve("jvm.config"), chart.file("trino-" + role, "jvm.config"));
            Path config = Files.writeString(directory.resolve("config.properties"), chart.file("trino-" + role, "config.properties"));
            String limit = chart.named("Deployment", "trino-" + role).at("/spec/template/spec/containers/0/resources/limits/memory").asText();
            checkState(!limit.isEmpty(), "the %s has no memory limit", role);
            return run("--jvm-config", jvmConfig.toString(), "--config-properties", config.toString(), "--container-memory", limit);
        }
        finally {
            try (var files = Files.list(directory)) {
                for (Path file : files.toList()) {
                    Files.delete(file);
                }
            }
            Files.delete(directory);
        }
    }

    static Result run(String... arguments)
            throws IOException, InterruptedException
    {
        List<String> command = new ArrayList<>();
        command.add(DeploymentFiles.deploymentDir().resolve("check-memory").toString());
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), UTF_8);
        checkState(process.waitFor(1, TimeUnit.MINUTES), "check-memory did not finish: %s", output);
        return new Result(process.exitValue(), output);
    }
}
