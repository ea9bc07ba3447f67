package dev.trinobundle.it.deployment;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the checked-in {@code deployment/} directory: the tests read exactly what operators get. */
final class DeploymentFiles
{
    private DeploymentFiles() {}

    static Path deploymentDir()
    {
        // surefire runs with the module directory (testing/integration-tests) as working directory
        Path deployment = Path.of("").toAbsolutePath().resolve("../../deployment").normalize();
        if (!Files.isRegularFile(deployment.resolve("helm/values.yaml"))) {
            throw new IllegalStateException("deployment directory not found at " + deployment);
        }
        return deployment;
    }
}
