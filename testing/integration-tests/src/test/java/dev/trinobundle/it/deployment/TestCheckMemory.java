package dev.trinobundle.it.deployment;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.trinobundle.it.deployment.DeploymentFiles.deploymentDir;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code deployment/check-memory} as operators run it: on the shipped files, and on broken memory settings. */
final class TestCheckMemory
{
    @TempDir
    Path tempDir;

    @Test
    void testShippedChartValuesPass()
            throws Exception
    {
        Result result = run(deploymentDir().resolve("helm/values.yaml").toString());
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).contains("check-memory: OK");
    }

    @Test
    void testShippedPlainInstallPasses()
            throws Exception
    {
        Result result = run(
                "--jvm-config", deploymentDir().resolve("etc/jvm.config").toString(),
                "--config-properties", deploymentDir().resolve("etc/config.properties").toString(),
                "--container-memory", "10Gi");
        assertThat(result.exitCode()).as(result.output()).isZero();
    }

    @Test
    void testQueryMemoryPlusHeadroomAboveHeapIsRejected()
            throws Exception
    {
        // 6GB + 30 % of 8G = 8.4G > 8G: Trino would fail with "Invalid memory configuration"
        Path values = write("values.yaml", """
                coordinator:
                  jvm:
                    maxHeapSize: "8G"
                  config:
                    query:
                      maxMemoryPerNode: "6GB"
                  resources:
                    limits:
                      memory: 10Gi
                worker:
                  jvm:
                    maxHeapSize: "8G"
                  config:
                    query:
                      maxMemoryPerNode: "5GB"
                  resources:
                    limits:
                      memory: 10Gi
                """);
        Result result = run(values.toString());
        assertThat(result.exitCode()).as(result.output()).isEqualTo(1);
        assertThat(result.output())
                .contains("coordinator.config.query.maxMemoryPerNode (6.00 GiB)")
                .contains("Invalid memory configuration")
                .contains("lower coordinator.config.query.maxMemoryPerNode to at most 5.60GB")
                .contains("raise coordinator.jvm.maxHeapSize to at least 9G")
                // 5GB + 2.4G fits into 8G
                .doesNotContain("worker.config.query.maxMemoryPerNode");
    }

    @Test
    void testExplicitHeadroomIsUsedInsteadOfTheDefault()
            throws Exception
    {
        String values = """
                server:
                  coordinatorExtraConfig: |
                    memory.heap-headroom-per-node=%s
                coordinator:
                  jvm:
                    maxHeapSize: 8G
                  config:
                    query:
                      maxMemoryPerNode: 6GB
                worker:
                  config:
                    query:
                      maxMemoryPerNode: 1GB
                """;
        assertThat(run(write("small-headroom.yaml", values.formatted("1GB")).toString()).exitCode()).isZero();
        Result result = run(write("large-headroom.yaml", values.formatted("3GB")).toString());
        assertThat(result.exitCode()).as(result.output()).isEqualTo(1);
        assertThat(result.output()).contains("memory.heap-headroom-per-node");
    }

    @Test
    void testHeapNotFittingTheContainerIsRejected()
            throws Exception
    {
        Path values = write("values.yaml", """
                worker:
                  jvm:
                    maxHeapSize: 16G
                  config:
                    query:
                      maxMemoryPerNode: 4GB
                  resources:
                    requests:
                      memory: 8Gi
                    limits:
                      memory: 16Gi
                """);
        Result result = run(values.toString());
        assertThat(result.exitCode()).as(result.output()).isEqualTo(1);
        assertThat(result.output())
                .contains("worker.jvm.maxHeapSize (16.00 GiB) does not fit into worker.resources.limits.memory (16.00 GiB)")
                .contains("raise worker.resources.limits.memory to at least 20Gi");
    }

    @Test
    void testPlainInstallRejectsBadSettings()
            throws Exception
    {
        Path jvmConfig = write("jvm.config", "-server\n-Xmx4G\n");
        Path config = write("config.properties", "coordinator=true\nquery.max-memory-per-node=3GB\n");
        Result result = run("--jvm-config", jvmConfig.toString(), "--config-properties", config.toString(), "--container-memory", "4Gi");
        assertThat(result.exitCode()).as(result.output()).isEqualTo(1);
        assertThat(result.output())
                .contains("query.max-memory-per-node in " + config)
                .contains("-Xmx in " + jvmConfig)
                .contains("does not fit into the container memory");
    }

    @Test
    void testUnreadableInputNamesTheFile()
            throws Exception
    {
        Result missing = run(tempDir.resolve("missing.yaml").toString());
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.output()).contains("missing.yaml: cannot read");

        Result badSize = run(write("values.yaml", "coordinator:\n  jvm:\n    maxHeapSize: lots\n").toString());
        assertThat(badSize.exitCode()).isEqualTo(2);
        assertThat(badSize.output()).contains("coordinator.jvm.maxHeapSize: 'lots' is not a JVM heap size");

        Result noHeap = run("--jvm-config", write("jvm.config", "-server\n").toString(), "--config-properties", write("c.properties", "").toString());
        assertThat(noHeap.exitCode()).isEqualTo(2);
        assertThat(noHeap.output()).contains("no -Xmx line");
    }

    private Path write(String name, String content)
            throws IOException
    {
        return Files.writeString(tempDir.resolve(name), content, UTF_8);
    }

    private static Result run(String... arguments)
            throws IOException, InterruptedException
    {
        List<String> command = new ArrayList<>();
        command.add(deploymentDir().resolve("check-memory").toString());
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), UTF_8);
        assertThat(process.waitFor(1, TimeUnit.MINUTES)).isTrue();
        return new Result(process.exitValue(), output);
    }

    private record Result(int exitCode, String output) {}
}
