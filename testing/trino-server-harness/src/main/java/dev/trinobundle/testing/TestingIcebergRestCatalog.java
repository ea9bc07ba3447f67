package dev.trinobundle.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * Apache Iceberg's own REST catalog server ({@code org.apache.iceberg.rest.RESTCatalogServer} of
 * {@code iceberg-open-api:test-fixtures}, the server behind the {@code iceberg-rest-fixture} image) as a child JVM on a
 * free port: a JDBC catalog in an in-memory SQLite database, S3FileIO on an S3 endpoint with static keys, path-style.
 * Its runtime class path is the file named by system property {@value #CLASSPATH_PROPERTY} (module
 * {@code testing/iceberg-rest-catalog} resolves it). No authentication of its own: put a front in front of it.
 */
public final class TestingIcebergRestCatalog
        implements AutoCloseable
{
    public static final String CLASSPATH_PROPERTY = "iceberg.rest-catalog.classpath-file";

    private final ChildProcess process;
    private final URI uri;

    private TestingIcebergRestCatalog(ChildProcess process, URI uri)
    {
        this.process = requireNonNull(process, "process is null");
        this.uri = requireNonNull(uri, "uri is null");
    }

    /** A catalog whose warehouse is {@code s3://<bucket>/} on this S3 endpoint, with these keys. */
    public static TestingIcebergRestCatalog start(Path workDir, URI s3Endpoint, String bucket, String region, String accessKey, String secretKey)
    {
        String classpathFile = System.getProperty(CLASSPATH_PROPERTY);
        if (classpathFile == null || !Files.isRegularFile(Path.of(classpathFile))) {
            throw new IllegalStateException("System property %s must name the REST catalog's class path file (module testing/iceberg-rest-catalog), got %s".formatted(CLASSPATH_PROPERTY, classpathFile));
        }
        try {
            Files.createDirectories(workDir);
            String classpath = Files.readString(Path.of(classpathFile)).strip();
            int port = TrinoServer.freePort();
            // RCKUtils turns CATALOG_<NAME> into catalog property <name> ("__" -> "-", "_" -> ".")
            Map<String, String> environment = new LinkedHashMap<>();
            environment.put("CATALOG_REST_PORT", Integer.toString(port));
            environment.put("CATALOG_WAREHOUSE", "s3://" + bucket + "/");
            environment.put("CATALOG_IO__IMPL", "org.apache.iceberg.aws.s3.S3FileIO");
            environment.put("CATALOG_S3_ENDPOINT", s3Endpoint.toString());
            environment.put("CATALOG_S3_PATH__STYLE__ACCESS", "true");
            environment.put("CATALOG_CLIENT_REGION", region);
            // the keys through the SDK's default credential chain, not catalog properties: the server logs those
            environment.put("AWS_ACCESS_KEY_ID", accessKey);
            environment.put("AWS_SECRET_ACCESS_KEY", secretKey);
            environment.put("AWS_REGION", region);
            // S3Proxy answers 501 to the SDK's default flexible checksums (aws-chunked trailers)
            environment.put("AWS_REQUEST_CHECKSUM_CALCULATION", "when_required");
            environment.put("AWS_RESPONSE_CHECKSUM_VALIDATION", "when_required");
            Path java = Jdk.findAny("the Iceberg REST catalog", 17, 21).resolve("bin/java");
            URI uri = URI.create("http://127.0.0.1:" + port);
            ChildProcess process = ChildProcess.start("iceberg-rest-catalog",
                    List.of(java.toString(), "-Xmx256m", "-cp", classpath, "org.apache.iceberg.rest.RESTCatalogServer"),
                    environment, workDir, uri.resolve("/v1/config"), status -> status == 200, Duration.ofMinutes(2));
            return new TestingIcebergRestCatalog(process, uri);
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot start the Iceberg REST catalog in " + workDir, e);
        }
    }

    /** {@code http://127.0.0.1:<port>}: the REST API is under {@code /v1/}. */
    public URI uri()
    {
        return uri;
    }

    public Path log()
    {
        return process.log();
    }

    @Override
    public void close()
    {
        process.close();
    }
}
