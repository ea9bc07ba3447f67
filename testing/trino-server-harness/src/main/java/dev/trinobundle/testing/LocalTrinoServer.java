package dev.trinobundle.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * {@code ./deployment/run-local-server}: a real Trino with the bundle loaded, for trying it out. HTTPS with a
 * self-signed certificate, our access control with the example rules, the audit listener writing under
 * {@code local-server/audit}, and password authentication through Vault when {@code VAULT_ADDR} and {@code VAULT_TOKEN}
 * are set, otherwise through Trino's {@code file} authenticator with a generated {@code admin} password.
 */
public final class LocalTrinoServer
{
    private LocalTrinoServer() {}

    public static void main(String[] args)
            throws IOException, InterruptedException
    {
        if (args.length != 2) {
            System.err.println("Usage: LocalTrinoServer <deployment directory> <state directory>");
            System.exit(2);
        }
        Path deployment = Path.of(args[0]).toAbsolutePath();
        Path state = Path.of(args[1]).toAbsolutePath();
        int httpsPort = Integer.parseInt(System.getenv().getOrDefault("TRINO_HTTPS_PORT", "8443"));
        Path auditDir = state.resolve("audit");
        Files.createDirectories(auditDir);
        // the audit log's MAC key (the listener requires one), created once and kept with the log
        Path auditKey = auditDir.resolve("key");
        if (!Files.exists(auditKey)) {
            byte[] key = new byte[32];
            new java.security.SecureRandom().nextBytes(key);
            Files.writeString(Files.createFile(auditKey, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"))),
                    java.util.HexFormat.of().formatHex(key));
        }

        TrinoServer.Builder builder = TrinoServer.builder()
                .withNodeEnvironment("local")
                .withHeapSize("2G")
                .withHttpsPort(httpsPort)
                .withBundledPlugins("tpch", "memory")
                .withBundlePlugins("rules-access-control", "vault-authenticator", "audit-event-listener")
                .withCatalog("tpch", Map.of("connector.name", "tpch"))
                .withCatalog("memory", Map.of("connector.name", "memory"))
                .withEtcFile("rules.json", Files.readString(deployment.resolve("etc/rules.json")));
        builder.withEtcProperties("access-control.properties", Map.of(
                "access-control.name", "rules",
                "security.config-file", builder.etcDir().resolve("rules.json").toString(),
                "security.refresh-period", "5s"));
        builder.withEtcProperties("event-listener.properties", Map.of(
                "event-listener.name", "audit",
                "audit.journal.directory", auditDir.resolve("log").toString(),
                "audit.mac.key-file", auditKey.toString()));

        String vaultAddress = System.getenv("VAULT_ADDR");
        String login;
        String password;
        if (vaultAddress != null && System.getenv("VAULT_TOKEN") != null) {
            // The authenticator reads VAULT_ADDR, VAULT_TOKEN, VAULT_NAMESPACE and VAULT_CACERT from the environment.
            builder.withPasswordAuthentication()
                    .withEnvironment("VAULT_ADDR", vaultAddress)
                    .withEnvironment("VAULT_TOKEN", System.getenv("VAULT_TOKEN"))
                    .withEtcProperties("password-authenticator.properties", Map.of(
                            "password-authenticator.name", "vault",
                            "vault.allow-insecure", String.valueOf(vaultAddress.startsWith("http://"))));
            System.getenv().entrySet().stream()
                    .filter(entry -> entry.getKey().equals("VAULT_NAMESPACE") || entry.getKey().equals("VAULT_CACERT"))
                    .forEach(entry -> builder.withEnvironment(entry.getKey(), entry.getValue()));
            password = "<password>";
            login = "a user and password stored in Vault at %s (KV v2 secret/trino/password, e.g. vault kv put secret/trino/password admin=<a bcrypt hash, or plain:the-password>)".formatted(vaultAddress);
        }
        else {
            password = HexFormat.of().formatHex(new SecureRandom().generateSeed(12));
            builder.withBundledPlugins("password-authenticators").withFilePasswords(Map.of("admin", password));
            login = "user admin, password " + password + "   (shown once; VAULT_ADDR + VAULT_TOKEN switch to the Vault authenticator)";
        }

        System.out.println("Starting Trino with the security bundle (server directory " + builder.serverDir() + ") ...");
        TrinoServer server = builder.start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("\nStopping Trino ...");
            server.close();
            stopped.countDown();
        }, "local-trino-stop"));

        // Every command line below is run as printed by the fresh-clone test (TestLocalServerFromFreshClone).
        String uri = server.httpsUri().orElseThrow().toString();
        Path certificate = server.certificatePem().orElseThrow();
        System.out.println("""

                Trino %s is running with the security bundle.
                  Web UI / API : %s/ui/
                  Log in       : %s
                  JDBC URL     : %s
                  Impersonate  : add the JDBC property sessionUser=alice (the rules let admin run queries as anyone)
                  CLI          : %s --server %s --truststore-path %s --user admin --password --session-user alice
                                 (asks for the password, or reads it from TRINO_PASSWORD)
                  curl         : curl --cacert %s -u admin:%s -H 'X-Trino-User: alice' --data 'SELECT 1' %s/v1/statement
                  Rules file   : %s (edits apply within seconds, a broken edit keeps the last good rules)
                  Audit log    : %s (JSON Lines; verify with the plugin's AuditLogVerifier --key %s)
                  Server log   : %s
                Press Ctrl-C to stop.
                """.formatted(
                TrinoDistribution.get().version(),
                uri,
                login,
                server.jdbcUrl(),
                deployment.resolve("trino-cli"),
                uri,
                certificate,
                certificate,
                password,
                uri,
                server.etcDir().resolve("rules.json"),
                auditDir.resolve("log"),
                auditKey,
                server.serverLog()));
        stopped.await();
    }
}
