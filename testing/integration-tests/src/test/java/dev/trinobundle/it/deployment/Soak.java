package dev.trinobundle.it.deployment;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.Optional;

import static dev.trinobundle.it.deployment.DeploymentFiles.deploymentDir;

/**
 * The soak under faults ({@code deployment/soak [minutes] [bundle|both]}, default 10 minutes, both): the bundle as
 * the chart configures it under BI-like load and the fault schedule, then Trino's built-ins under the same load and the
 * faults they can take; one table on stdout, the table and a JSON record in {@code target/soak/}. Exits 1 when a figure
 * that must be 0 is not.
 */
public final class Soak
{
    private Soak() {}

    public static void main(String[] args)
            throws Exception
    {
        double minutes = args.length > 0 ? Double.parseDouble(args[0]) : 10;
        boolean baseline = args.length < 2 || !args[1].equals("bundle");
        SoakSchedule.Timing timing = SoakSchedule.full(minutes);
        SoakSchedule.print(timing, System.out);

        SoakRun.Result bundle = SoakRun.run(SoakCluster.Flavor.BUNDLE, timing, System.out);
        Optional<SoakRun.Result> builtins = baseline ? Optional.of(SoakRun.run(SoakCluster.Flavor.BUILTINS, timing, System.out)) : Optional.empty();

        String table = SoakTable.render(bundle, builtins);
        Path directory = Files.createDirectories(deploymentDir().getParent().resolve("target/soak"));
        String name = "soak-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path json = directory.resolve(name + ".json");
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(json.toFile(), SoakTable.json(minutes, bundle, builtins));
        Files.writeString(directory.resolve(name + ".md"), table);
        System.out.printf("%n%s%nTable: %s%nJSON:  %s%n", table, directory.resolve(name + ".md"), json);

        Map<String, Integer> mustBeZero = SoakReport.mustBeZero(bundle);
        // the harness's shutdown hooks stop anything left; exit so that no client thread keeps the JVM alive
        System.exit(mustBeZero.values().stream().allMatch(value -> value == 0) ? 0 : 1);
    }
}
