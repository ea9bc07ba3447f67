package dev.trinobundle.benchmarks.accesscontrol;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.trinobundle.accesscontrol.RulesAccessControlFactory;
import dev.trinobundle.accesscontrol.groups.KeycloakGroupProviderFactory;
import dev.trinobundle.benchmarks.TrinoBuiltinPlugins;
import io.trino.spi.security.GroupProvider;
import io.trino.spi.security.GroupProviderFactory;
import io.trino.spi.security.Identity;
import io.trino.spi.security.SystemAccessControl;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import static com.google.common.base.Preconditions.checkState;
import static dev.trinobundle.testing.TestingPluginContext.TRINO_476;
import static java.util.concurrent.TimeUnit.NANOSECONDS;

/**
 * A warm group lookup and the impersonation check that needs the original user's groups, with Trino's own
 * {@code file} group provider and ours ({@code keycloak}, against a local stub of Keycloak's Admin REST API that
 * counts requests) in the same run. {@code file} for the access control is its reader of Trino's group file format.
 * The {@code keycloak} teardown prints Keycloak requests per minute for lookups of {@code USERS} distinct users at
 * full speed (a login storm): bounded by users and TTL, not by the lookup rate.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(NANOSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
public class BenchmarkGroupLookup
{
    private static final int USERS = 1000;
    private static final String RULES = """
            {"impersonation": [
              {"original_group": "contractors", "new_user": ".*", "allow": false},
              {"original_user": "admin", "new_user": ".*"},
              {"original_user": ".*", "new_user": "report_.*"}
            ]}
            """;

    @Param({"file", "keycloak"})
    public String provider;

    private Path directory;
    private HttpServer keycloak;
    private final AtomicLong keycloakRequests = new AtomicLong();
    private final AtomicLong lookups = new AtomicLong();
    private long startNanos;
    private GroupProvider groupProvider;
    private SystemAccessControl accessControl;
    private int next;

    @Setup
    public void setUp()
            throws IOException
    {
        directory = Files.createTempDirectory("group-benchmark");
        Map<String, String> properties;
        if (provider.equals("file")) {
            StringBuilder groups = new StringBuilder("contractors:carol\nanalysts:");
            for (int i = 0; i < USERS; i++) {
                groups.append(i == 0 ? "" : ",").append("user").append(i);
            }
            Path groupFile = Files.writeString(directory.resolve("groups.txt"), groups.append('\n'));
            properties = Map.of("group-provider.name", "file", "file.group-file", groupFile.toString());
            groupProvider = TrinoBuiltinPlugins.create("password-authenticators", plugin -> {
                for (GroupProviderFactory factory : plugin.getGroupProviderFactories()) {
                    if (factory.getName().equals("file")) {
                        return Optional.of(factory.create(Map.of("file.group-file", groupFile.toString())));
                    }
                }
                return Optional.empty();
            });
        }
        else {
            keycloak = startStubKeycloak();
            properties = Map.of(
                    "group-provider.name", "keycloak",
                    "keycloak.url", "http://127.0.0.1:" + keycloak.getAddress().getPort(),
                    "keycloak.realm", "trino",
                    "keycloak.client-id", "trino-groups",
                    "keycloak.client-secret", "benchmark-secret",
                    "keycloak.cache-ttl", "10s",
                    "keycloak.group-format", "NAME");
            Map<String, String> withoutName = new java.util.HashMap<>(properties);
            withoutName.remove("group-provider.name");
            groupProvider = new KeycloakGroupProviderFactory().create(withoutName);
        }
        StringBuilder file = new StringBuilder();
        properties.forEach((key, value) -> file.append(key).append('=').append(value).append('\n'));
        Path groupProviderFile = Files.writeString(directory.resolve("group-provider.properties"), file);
        Path rules = Files.writeString(directory.resolve("rules.json"), RULES);
        accessControl = new RulesAccessControlFactory().create(Map.of(
                "security.config-file", rules.toString(),
                "security.log-denials", "false",
                "security.group-provider.config-file", groupProviderFile.toString()), TRINO_476);

        // wrong answers give no figure
        checkState(groupProvider.getGroups("carol").contains("contractors"), "carol is a contractor");
        try {
            accessControl.checkCanImpersonateUser(Identity.ofUser("carol"), "report_x");
            throw new IllegalStateException("carol must be denied");
        }
        catch (io.trino.spi.security.AccessDeniedException expected) {
            // the deny rule matched on the looked-up group
        }
        accessControl.checkCanImpersonateUser(Identity.ofUser("user1"), "report_x");
        keycloakRequests.set(0);
        startNanos = System.nanoTime();
    }

    @TearDown
    public void tearDown()
            throws IOException
    {
        if (keycloak != null) {
            double minutes = (System.nanoTime() - startNanos) / 60e9;
            System.out.printf("%nkeycloak: %.0f Keycloak requests/min for %.0f lookups/min of %s users (TTL 10s)%n",
                    keycloakRequests.get() / minutes, lookups.get() / minutes, USERS);
            keycloak.stop(0);
        }
        accessControl.shutdown();
    }

    @Benchmark
    public Object cachedLookup()
    {
        return groupProvider.getGroups("carol");
    }

    @Benchmark
    public void impersonationCheckWithGroups()
    {
        accessControl.checkCanImpersonateUser(Identity.ofUser("user1"), "report_finance");
    }

    /** Distinct users one after another, as a storm of logins of many users. */
    @Benchmark
    public Object loginStorm()
    {
        lookups.incrementAndGet();
        next = (next + 1) % USERS;
        return accessControlUser(next);
    }

    private Object accessControlUser(int user)
    {
        accessControl.checkCanImpersonateUser(Identity.ofUser("user" + user), "report_finance");
        return user;
    }

    private HttpServer startStubKeycloak()
            throws IOException
    {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            keycloakRequests.incrementAndGet();
            String path = exchange.getRequestURI().getPath();
            String query = exchange.getRequestURI().getQuery();
            if (path.endsWith("/token")) {
                respond(exchange, "{\"access_token\":\"t\",\"expires_in\":300}");
            }
            else if (path.endsWith("/users")) {
                String user = query.replaceAll(".*username=([^&]*).*", "$1");
                respond(exchange, "[{\"id\":\"id-%s\",\"username\":\"%s\"}]".formatted(user, user));
            }
            else if (path.endsWith("/groups")) {
                boolean carol = path.contains("id-carol");
                respond(exchange, carol ? "[{\"id\":\"g1\",\"name\":\"contractors\",\"path\":\"/contractors\"}]" : "[{\"id\":\"g2\",\"name\":\"analysts\",\"path\":\"/analysts\"}]");
            }
            else {
                exchange.sendResponseHeaders(404, -1);
                exchange.close();
            }
        });
        server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
        server.start();
        return server;
    }

    private static void respond(HttpExchange exchange, String body)
            throws IOException
    {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
