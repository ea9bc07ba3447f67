package dev.trinobundle.it.deployment;

import com.google.common.collect.ImmutableMap;
import io.airlift.units.Duration;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.trino.testing.assertions.Assert.assertEventually;
import static java.util.Objects.requireNonNull;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;

/**
 * Debian's nginx as Traefik stands in production: terminates TLS on 127.0.0.1 and forwards plain HTTP to Trino with
 * {@code X-Forwarded-Proto/Host/Port}. Everything it writes (config, pid, logs, temp files) stays in its own directory.
 */
final class TlsTerminatingNginx
        implements AutoCloseable
{
    /**
     * What Traefik sends with the Middleware of {@code manifests.yaml} (Proto, Port) and by itself (Host, For); the
     * port is the proxy's own here, 443 in production.
     */
    static final Map<String, String> FORWARDED_HEADERS = ImmutableMap.of(
            "X-Forwarded-Proto", "https",
            "X-Forwarded-Host", "$host",
            "X-Forwarded-Port", "$server_port",
            "X-Forwarded-For", "$proxy_add_x_forwarded_for");

    private final Process process;
    private final int port;
    private final Path certificatePem;
    private final Path directory;

    private TlsTerminatingNginx(Process process, int port, Path certificatePem, Path directory)
    {
        this.process = requireNonNull(process, "process is null");
        this.port = port;
        this.certificatePem = requireNonNull(certificatePem, "certificatePem is null");
        this.directory = requireNonNull(directory, "directory is null");
    }

    static TlsTerminatingNginx start(Path directory, int upstreamHttpPort)
            throws IOException, InterruptedException
    {
        Path nginx = List.of(Path.of("/usr/sbin/nginx"), Path.of("/usr/bin/nginx")).stream().filter(Files::isExecutable).findFirst()
                .orElseThrow(() -> new IllegalStateException("nginx not found: install the Debian package (apt-get install -y nginx; .ci/run does)"));
        Files.createDirectories(directory);
        Path key = directory.resolve("proxy-key.pem");
        Path certificate = directory.resolve("proxy-cert.pem");
        run(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                "-keyout", key.toString(), "-out", certificate.toString()), directory);

        int port = freeLoopbackPort();
        Files.writeString(directory.resolve("nginx.conf"), """
                # the user directive only matters when started as root; a worker must reach these files
                user %1$s;
                worker_processes 1;
                daemon off;
                pid %2$s/nginx.pid;
                error_log %2$s/error.log info;
                events {
                    worker_connections 256;
                }
                http {
                    access_log %2$s/access.log;
                    client_body_temp_path %2$s/client_body;
                    proxy_temp_path %2$s/proxy;
                    fastcgi_temp_path %2$s/fastcgi;
                    uwsgi_temp_path %2$s/uwsgi;
                    scgi_temp_path %2$s/scgi;
                    server {
                        listen 127.0.0.1:%3$d ssl;
                        ssl_certificate %4$s;
                        ssl_certificate_key %5$s;
                        location / {
                            proxy_pass http://127.0.0.1:%6$d;
                            proxy_http_version 1.1;
                            proxy_set_header Host $http_host;
%7$s                        }
                    }
                }
                """.formatted(System.getProperty("user.name"), directory, port, certificate, key, upstreamHttpPort, forwardedHeaders()));
        Process process = new ProcessBuilder(nginx.toString(), "-p", directory.toString(), "-c", directory.resolve("nginx.conf").toString(),
                "-e", directory.resolve("error.log").toString())
                .redirectErrorStream(true)
                .redirectOutput(directory.resolve("nginx.out").toFile())
                .start();
        TlsTerminatingNginx proxy = new TlsTerminatingNginx(process, port, certificate, directory);
        try {
            assertEventually(new Duration(30, SECONDS), new Duration(50, MILLISECONDS), () -> {
                if (!process.isAlive()) {
                    throw new IllegalStateException("nginx exited with %s: %s".formatted(process.exitValue(), proxy.errorLog()));
                }
                try (Socket socket = new Socket()) {
                    socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
                }
                catch (IOException e) {
                    throw new AssertionError("nginx does not listen on 127.0.0.1:%s yet: %s".formatted(port, proxy.errorLog()), e);
                }
            });
            return proxy;
        }
        catch (RuntimeException | Error e) {
            proxy.close();
            throw e;
        }
    }

    private static String forwardedHeaders()
    {
        StringBuilder lines = new StringBuilder();
        FORWARDED_HEADERS.forEach((name, value) -> lines.append("                proxy_set_header %s %s;%n".formatted(name, value)));
        return lines.toString();
    }

    int port()
    {
        return port;
    }

    Path certificatePem()
    {
        return certificatePem;
    }

    String errorLog()
    {
        try {
            Path log = directory.resolve("error.log");
            return Files.exists(log) ? Files.readString(log) : "(no error.log)";
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close()
    {
        // SIGTERM: nginx's fast shutdown of master and worker
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static int freeLoopbackPort()
            throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void run(List<String> command, Path directory)
            throws IOException, InterruptedException
    {
        Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(1, TimeUnit.MINUTES) || process.exitValue() != 0) {
            throw new IOException("%s failed: %s".formatted(command, output));
        }
    }
}
