package dev.trinobundle.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static java.util.Objects.requireNonNull;

/**
 * S3Proxy ({@code org.gaul:s3proxy:jar-with-dependencies}, path in system property {@value #JAR_PROPERTY}): a real S3
 * API server (SigV4) on 127.0.0.1, storing objects as files under {@link #storageDir()} (jclouds' filesystem provider:
 * one directory per bucket), with one static access key. Path-style addressing only.
 */
public final class TestingS3Proxy
        implements AutoCloseable
{
    public static final String JAR_PROPERTY = "s3proxy.jar";

    private final ChildProcess process;
    private final URI endpoint;
    private final Path storageDir;
    private final String accessKey;
    private final String secretKey;

    private TestingS3Proxy(ChildProcess process, URI endpoint, Path storageDir, String accessKey, String secretKey)
    {
        this.process = requireNonNull(process, "process is null");
        this.endpoint = requireNonNull(endpoint, "endpoint is null");
        this.storageDir = requireNonNull(storageDir, "storageDir is null");
        this.accessKey = requireNonNull(accessKey, "accessKey is null");
        this.secretKey = requireNonNull(secretKey, "secretKey is null");
    }

    /** Starts S3Proxy on a free port with these (empty) buckets and a fresh random key pair. */
    public static TestingS3Proxy start(Path workDir, String... buckets)
    {
        String jar = System.getProperty(JAR_PROPERTY);
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException("System property %s must name the S3Proxy jar-with-dependencies (set by the module's pom), got %s".formatted(JAR_PROPERTY, jar));
        }
        try {
            Files.createDirectories(workDir);
            Path storage = Files.createDirectories(workDir.resolve("storage"));
            for (String bucket : buckets) {
                Files.createDirectories(storage.resolve(bucket));
            }
            URI endpoint = URI.create("http://127.0.0.1:" + TrinoServer.freePort());
            String accessKey = "access-" + UUID.randomUUID();
            String secretKey = "secret-" + UUID.randomUUID();
            // the secret key in a file only its owner reads, never on a command line
            Path properties = workDir.resolve("s3proxy.properties");
            Files.deleteIfExists(properties);
            Files.createFile(properties, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(properties, String.join("\n",
                    "s3proxy.endpoint=" + endpoint,
                    "s3proxy.authorization=aws-v2-or-v4",
                    "s3proxy.identity=" + accessKey,
                    "s3proxy.credential=" + secretKey,
                    // 501 NotImplemented otherwise for x-amz-* headers of newer S3 features Trino's native S3 client sends
                    // (its listings failed with "A header you provided implies functionality that is not implemented")
                    "s3proxy.ignore-unknown-headers=true",
                    "jclouds.provider=filesystem",
                    "jclouds.filesystem.basedir=" + storage) + "\n");
            Path java = Jdk.findAny("S3Proxy", 17, 21, 25).resolve("bin/java");
            ChildProcess process = ChildProcess.start("s3proxy",
                    List.of(java.toString(), "-Xmx256m", "-jar", jar, "--properties", properties.toString()),
                    Map.of(), workDir, endpoint.resolve("/"),
                    // anonymous GET of the service: 403 once the handler runs
                    status -> status == 403 || status == 200, Duration.ofMinutes(2));
            return new TestingS3Proxy(process, endpoint, storage, accessKey, secretKey);
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot start S3Proxy in " + workDir, e);
        }
    }

    public URI endpoint()
    {
        return endpoint;
    }

    /** The filesystem provider's base directory: {@code <bucket>/<object key>} files. */
    public Path storageDir()
    {
        return storageDir;
    }

    public String accessKey()
    {
        return accessKey;
    }

    public String secretKey()
    {
        return secretKey;
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
