package dev.trinobundle.benchmarks.eventlistener;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A local HTTP endpoint that accepts every POST with 200, as an ingest service would: the target of Trino's
 * {@code http} event listener in the comparison.
 */
final class DummyIngestServer
        implements AutoCloseable
{
    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(2);
    private final AtomicLong requests = new AtomicLong();

    DummyIngestServer()
    {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", exchange -> {
            try (InputStream body = exchange.getRequestBody()) {
                body.transferTo(OutputDiscard.INSTANCE);
            }
            requests.incrementAndGet();
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.setExecutor(executor);
        server.start();
    }

    URI uri()
    {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/events");
    }

    long requests()
    {
        return requests.get();
    }

    @Override
    public void close()
    {
        server.stop(0);
        executor.shutdownNow();
    }

    private static final class OutputDiscard
            extends java.io.OutputStream
    {
        static final OutputDiscard INSTANCE = new OutputDiscard();

        @Override
        public void write(int b) {}

        @Override
        public void write(byte[] b, int off, int len) {}
    }
}
