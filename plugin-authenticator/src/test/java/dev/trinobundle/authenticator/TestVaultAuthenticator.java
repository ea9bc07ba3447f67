package dev.trinobundle.authenticator;

import at.favre.lib.crypto.bcrypt.BCrypt;
import com.google.common.util.concurrent.ThreadFactoryBuilder;
import com.google.common.util.concurrent.Uninterruptibles;
import dev.trinobundle.authenticator.testing.TestingVaultServer;
import dev.trinobundle.testing.LogCapture;
import io.airlift.units.Duration;
import io.trino.spi.security.AccessDeniedException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;

import static dev.trinobundle.authenticator.testing.TestingVaultServer.fields;
import static io.trino.testing.assertions.Assert.assertEventually;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.MINUTES;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

final class TestVaultAuthenticator
{
    private static final String MAP_PATH = "/v1/secret/data/trino/password";

    private TestingVaultServer vault;
    private final ManualTicker ticker = new ManualTicker();

    @BeforeEach
    void setUp()
    {
        vault = TestingVaultServer.start();
    }

    @AfterEach
    void tearDown()
    {
        vault.close();
    }

    @Test
    void testMapLayoutWithEveryStoredFormat()
            throws Exception
    {
        vault.putSecret("secret", "trino/password", fields(
                "admin", "plain:plain-secret",
                "querybook", bcrypt("qb-pass", BCrypt.Version.VERSION_2Y, 8),
                "metabase", bcrypt("mb-pass", BCrypt.Version.VERSION_2B, 8),
                "legacy", bcrypt("legacy-pass", BCrypt.Version.VERSION_2A, 8),
                "etl", pbkdf2("etl-pass", 1000)));
        VaultAuthenticator authenticator = VaultTesting.authenticator(VaultTesting.config(vault), ticker);

        assertThat(authenticator.createAuthenticatedPrincipal("admin", "plain-secret").toString()).isEqualTo("admin");
        assertThat(authenticator.createAuthenticatedPrincipal("querybook", "qb-pass").getName()).isEqualTo("querybook");
        assertThat(authenticator.createAuthenticatedPrincipal("metabase", "mb-pass").getName()).isEqualTo("metabase");
        assertThat(authenticator.createAuthenticatedPrincipal("legacy", "legacy-pass").getName()).isEqualTo("legacy");
        assertThat(authenticator.createAuthenticatedPrincipal("etl", "etl-pass").getName()).isEqualTo("etl");

        assertDenied(authenticator, "admin", "plain-secreT");
        assertDenied(authenticator, "admin", "plain-secret ");
        assertDenied(authenticator, "querybook", "mb-pass");
        assertDenied(authenticator, "etl", "etl-pas");
        assertDenied(authenticator, "nobody", "plain-secret");
        // one Vault read served all of the above
        assertThat(vault.requestCount(MAP_PATH)).isEqualTo(1);
    }

    @Test
    void testUnusableStoredHashDeniesOnlyThatUser()
    {
        vault.putSecret("secret", "trino/password", fields(
                "weak", bcrypt("weak-pass", BCrypt.Version.VERSION_2Y, 4),
                "admin", "plain:plain-secret"));
        VaultAuthenticator authenticator = VaultTesting.authenticator(VaultTesting.config(vault), ticker);
        try (LogCapture logs = new LogCapture("dev.trinobundle.authenticator")) {
            assertDenied(authenticator, "weak", "weak-pass");
            assertThat(logs.messages(Level.SEVERE)).anyMatch(line -> line.contains("bcrypt cost 4 is outside 8..31"));
        }
        assertThat(authenticator.createAuthenticatedPrincipal("admin", "plain-secret").getName()).isEqualTo("admin");
    }

    @Test
    void testEmptyStoredOrGivenPasswordNeverMatches()
    {
        vault.putSecret("secret", "trino/password", fields("admin", "", "querybook", "plain:qb-pass"));
        VaultAuthenticator authenticator = VaultTesting.authenticator(VaultTesting.config(vault), ticker);
        assertDenied(authenticator, "admin", "");
        assertDenied(authenticator, "admin", "anything");
        assertDenied(authenticator, "querybook", "");
        assertThat(authenticator.createAuthenticatedPrincipal("querybook", "qb-pass").getName()).isEqualTo("querybook");
    }

    @Test
    void testSingleUserLayout()
    {
        vault.putSecret("secret", "trino/password", fields("username", "svc-trino", "password", "plain:s3cret"));
        VaultAuthenticator withUsernameField = VaultTesting.authenticator(VaultTesting.config(vault).setLayout(PasswordLayout.SINGLE_USER), ticker);
        assertThat(withUsernameField.createAuthenticatedPrincipal("svc-trino", "s3cret").getName()).isEqualTo("svc-trino");
        assertDenied(withUsernameField, "admin", "s3cret");
        // the field names are fields, not users
        assertDenied(withUsernameField, "password", "s3cret");

        vault.putSecret("secret", "trino/seed", fields("password", "plain:seed-pass"));
        VaultAuthenticator withDefaultUser = VaultTesting.authenticator(VaultTesting.config(vault)
                .setLayout(PasswordLayout.SINGLE_USER)
                .setKvPath("trino/seed")
                .setDefaultUser("admin"), ticker);
        assertThat(withDefaultUser.createAuthenticatedPrincipal("admin", "seed-pass").getName()).isEqualTo("admin");
        assertDenied(withDefaultUser, "root", "seed-pass");

        VaultAuthenticator withoutUser = VaultTesting.authenticator(VaultTesting.config(vault)
                .setLayout(PasswordLayout.SINGLE_USER)
                .setKvPath("trino/seed"), ticker);
        assertDenied(withoutUser, "admin", "seed-pass");
    }

    @Test
    void testPerUserLayoutRefusesPathTricksWithoutAskingVault()
    {
        vault.putSecret("secret", "trino/users/alice", fields("password", "plain:alice-pass"));
        vault.putSecret("secret", "trino/password", fields("password", "plain:not-a-user"));
        VaultAuthenticator authenticator = VaultTesting.authenticator(VaultTesting.config(vault).setLayout(PasswordLayout.PER_USER), ticker);

        assertThat(authenticator.createAuthenticatedPrincipal("alice", "alice-pass").getName()).isEqualTo("alice");
        assertDenied(authenticator, "alice", "bob-pass");
        assertDenied(authenticator, "bob", "alice-pass");
        assertThat(vault.requestCount("/v1/secret/data/trino/users/bob")).isEqualTo(1);

        vault.resetRequestCounts();
        for (String trick : List.of("../password", "..", ".", "a/../../password", "alice/..", "%2e%2e", "%2E%2E%2Fpassword", "alice%2f",
                "alice\u0000", "alice\n", "al\tice", "alice\\..", "", "-x", "\u0430lice", "a".repeat(129))) {
            assertDenied(authenticator, trick, "not-a-user");
        }
        assertThat(vault.totalRequestCount()).isZero();
    }

    @Test
    void testKvVersion1()
    {
        vault.mountKv("kv", 1);
        vault.putSecret("kv", "trino/password", fields("admin", "plain:v1-pass"));
        VaultAuthenticator authenticator = VaultTesting.authenticator(VaultTesting.config(vault).setKvMount("kv").setKvVersion(1), ticker);
        assertThat(authenticator.createAuthenticatedPrincipal("admin", "v1-pass").getName()).isEqualTo("admin");
        assertDenied(authenticator, "admin", "v2-pass");
        assertThat(vault.requestCount("/v1/kv/trino/password")).isEqualTo(1);
    }

    @Test
    void testSoftDeletedAndDestroyedSecretsAreUnknownUsers()
    {
        vault.putSecret("secret", "trino/users/alice", fields("password", "plain:alice-pass"));
        vault.putSecret("secret", "trino/users/bob", fields("password", "plain:bob-pass"));
        vault.deleteSecret("secret", "trino/users/alice");
        vault.destroySecret("secret", "trino/users/bob");
        VaultAuthenticator authenticator = VaultTesting.authenticator(VaultTesting.config(vault).setLayout(PasswordLayout.PER_USER), ticker);
        assertDenied(authenticator, "alice", "alice-pass");
        assertDenied(authenticator, "bob", "bob-pass");
    }

    @Test
    void testWarmCacheAndRotation()
    {
        vault.putSecret("secret", "trino/password", fields("admin", bcrypt("old-pass", BCrypt.Version.VERSION_2Y, 8)));
        VaultAuthenticator authenticator = VaultTesting.authenticator(VaultTesting.config(vault), new VaultLoginConfig().setCacheTtl(new Duration(60, SECONDS)), ticker);
        for (int i = 0; i < 50; i++) {
            authenticator.createAuthenticatedPrincipal("admin", "old-pass");
        }
        assertThat(vault.requestCount(MAP_PATH)).isEqualTo(1);

        vault.putSecret("secret", "trino/password", fields("admin", bcrypt("new-pass", BCrypt.Version.VERSION_2Y, 8)));
        // before the refresh point the cached copy is still used
        ticker.advance(java.time.Duration.ofSeconds(40));
        authenticator.createAuthenticatedPrincipal("admin", "old-pass");
        assertThat(vault.requestCount(MAP_PATH)).isEqualTo(1);

        // past 3/4 of the TTL a login triggers the refresh (here on the same thread) and is answered from the cached copy
        ticker.advance(java.time.Duration.ofSeconds(6));
        authenticator.createAuthenticatedPrincipal("admin", "old-pass");
        assertThat(vault.requestCount(MAP_PATH)).isEqualTo(2);

        // within the TTL of the rotation, the old password is refused (also from the verified-credential cache) and the new one works
        assertDenied(authenticator, "admin", "old-pass");
        assertThat(authenticator.createAuthenticatedPrincipal("admin", "new-pass").getName()).isEqualTo("admin");
    }

    @Test
    void testExpiredSecretIsReadAgainBeforeAnswering()
    {
        vault.putSecret("secret", "trino/password", fields("admin", "plain:old-pass"));
        VaultAuthenticator authenticator = VaultTesting.authenticator(VaultTesting.config(vault), new VaultLoginConfig().setCacheTtl(new Duration(10, SECONDS)), ticker);
        authenticator.createAuthenticatedPrincipal("admin", "old-pass");
        vault.putSecret("secret", "trino/password", fields("admin", "plain:new-pass"));
        ticker.advance(java.time.Duration.ofSeconds(11));
        assertDenied(authenticator, "admin", "old-pass");
        assertThat(authenticator.createAuthenticatedPrincipal("admin", "new-pass").getName()).isEqualTo("admin");
    }

    @Test
    void testBackgroundMaintenanceRefreshesIdleSecrets()
    {
        vault.putSecret("secret", "trino/password", fields("admin", "plain:old-pass"));
        VaultAuthenticator authenticator = VaultTesting.authenticator(VaultTesting.config(vault), new VaultLoginConfig().setCacheTtl(new Duration(60, SECONDS)), ticker);
        authenticator.createAuthenticatedPrincipal("admin", "old-pass");
        vault.putSecret("secret", "trino/password", fields("admin", "plain:new-pass"));
        ticker.advance(java.time.Duration.ofSeconds(50));
        authenticator.runMaintenance();
        assertThat(vault.requestCount(MAP_PATH)).isEqualTo(2);

        // the login after the TTL needs no Vault request: the copy was refreshed in the background
        ticker.advance(java.time.Duration.ofSeconds(20));
        assertThat(authenticator.createAuthenticatedPrincipal("admin", "new-pass").getName()).isEqualTo("admin");
        assertThat(vault.requestCount(MAP_PATH)).isEqualTo(2);
    }

    @Test
    void testOutageInsideAndBeyondStaleWindow()
    {
        vault.putSecret("secret", "trino/password", fields("admin", "plain:admin-pass"));
        VaultAuthenticator authenticator = VaultTesting.authenticator(VaultTesting.config(vault), new VaultLoginConfig()
                .setCacheTtl(new Duration(1, MINUTES))
                .setStaleWindow(new Duration(10, MINUTES)), ticker);
        authenticator.createAuthenticatedPrincipal("admin", "admin-pass");

        vault.setSealed(true);
        try (LogCapture logs = new LogCapture("dev.trinobundle.authenticator")) {
            ticker.advance(java.time.Duration.ofMinutes(5));
            assertThat(authenticator.createAuthenticatedPrincipal("admin", "admin-pass").getName()).isEqualTo("admin");
            assertDenied(authenticator, "admin", "wrong");
            // one failed refresh (3 attempts); further logins within the failure backoff (TTL/4 = 15s) leave Vault alone
            assertThat(vault.requestCount(MAP_PATH)).isEqualTo(1 + 3);
            for (int i = 0; i < 10; i++) {
                authenticator.createAuthenticatedPrincipal("admin", "admin-pass");
            }
            assertThat(vault.requestCount(MAP_PATH)).isEqualTo(1 + 3);
            ticker.advance(java.time.Duration.ofSeconds(16));
            authenticator.createAuthenticatedPrincipal("admin", "admin-pass");
            assertThat(vault.requestCount(MAP_PATH)).isEqualTo(1 + 3 + 3);
            assertThat(logs.messages(Level.WARNING)).anyMatch(line -> line.contains("Vault is unavailable; using the copy of secret 'trino/password'"));
            assertThat(logs.messages(Level.WARNING)).filteredOn(line -> line.contains("using the copy")).hasSize(1);
        }

        // Vault stopped answering at all: same behaviour
        vault.setSealed(false);
        vault.stop();
        ticker.advance(java.time.Duration.ofMinutes(5));
        assertThat(authenticator.createAuthenticatedPrincipal("admin", "admin-pass").getName()).isEqualTo("admin");

        // past TTL + stale window: fail closed, and not as "wrong password"
        ticker.advance(java.time.Duration.ofMinutes(2));
        assertThatThrownBy(() -> authenticator.createAuthenticatedPrincipal("admin", "admin-pass"))
                .isInstanceOf(VaultUnavailableException.class)
                .isNotInstanceOf(AccessDeniedException.class)
                .hasMessageContaining("Vault is unavailable")
                .hasMessageContaining("vault.cache.stale-window")
                .hasMessageNotContaining("admin-pass");
        // and right after that failure it fails fast, without waiting for Vault again
        assertThatThrownBy(() -> authenticator.createAuthenticatedPrincipal("admin", "admin-pass"))
                .isInstanceOf(VaultUnavailableException.class)
                .hasMessageContaining("the last attempt failed less than 15.00s ago");
        ticker.advance(java.time.Duration.ofSeconds(16));

        // Vault back: logins work again
        vault.restart();
        assertThat(authenticator.createAuthenticatedPrincipal("admin", "admin-pass").getName()).isEqualTo("admin");
    }

    @Test
    void testColdCacheWithVaultSealedFailsClosed()
    {
        vault.putSecret("secret", "trino/password", fields("admin", "plain:admin-pass"));
        vault.setSealed(true);
        VaultAuthenticator authenticator = VaultTesting.authenticator(VaultTesting.config(vault), ticker);
        assertThatThrownBy(() -> authenticator.createAuthenticatedPrincipal("admin", "admin-pass"))
                .isInstanceOf(VaultUnavailableException.class)
                .hasMessageContaining("Vault is unavailable")
                .hasMessageContaining("HTTP 503 (Vault is sealed)")
                .hasMessageContaining("after 3 attempt(s)");
    }

    @Test
    void testRateLimitAndStandbyAnswersAreRetried()
    {
        vault.putSecret("secret", "trino/password", fields("admin", "plain:admin-pass"));
        VaultAuthenticator authenticator = VaultTesting.authenticator(VaultTesting.config(vault), ticker);
        // the first request is the token lookup; then two rejections of the KV read
        authenticator.createAuthenticatedPrincipal("admin", "admin-pass");
        ticker.advance(java.time.Duration.ofMinutes(2));
        vault.resetRequestCounts();
        vault.failNextRequests(429, 1);
        vault.failNextRequests(503, 1);
        assertThat(authenticator.createAuthenticatedPrincipal("admin", "admin-pass").getName()).isEqualTo("admin");
        assertThat(vault.requestCount(MAP_PATH)).isEqualTo(3);
    }

    @Test
    void testThrottlingBoundsGuessesButNotAVerifiedCredential()
    {
        vault.putSecret("secret", "trino/users/alice", fields("password", "plain:alice-pass"));
        VaultAuthenticator authenticator = VaultTesting.authenticator(VaultTesting.config(vault).setLayout(PasswordLayout.PER_USER), new VaultLoginConfig()
                .setCacheTtl(new Duration(1, SECONDS))
                .setThrottleMaxFailures(3)
                .setThrottleLockout(new Duration(30, SECONDS))
                .setThrottleMaxLockout(new Duration(2, MINUTES)), ticker);
        for (int i = 0; i < 3; i++) {
            assertDenied(authenticator, "alice", "guess-" + i);
        }
        int requestsBefore = vault.requestCount("/v1/secret/data/trino/users/alice");
        // locked out: a password never verified is refused, even the right one; Vault is asked once the copy expired, not per attempt
        ticker.advance(java.time.Duration.ofSeconds(5));
        for (int i = 0; i < 20; i++) {
            assertDenied(authenticator, "alice", "alice-pass");
        }
        assertThat(vault.requestCount("/v1/secret/data/trino/users/alice")).isLessThanOrEqualTo(requestsBefore + 1);

        // after the lock-out the right password works; the success does not clear the failures
        ticker.advance(java.time.Duration.ofSeconds(26));
        assertThat(authenticator.createAuthenticatedPrincipal("alice", "alice-pass").getName()).isEqualTo("alice");
        // so the very next guess is the 4th failure and locks for 60s, during which guesses are not even checked ...
        assertDenied(authenticator, "alice", "guess-again");
        try (LogCapture logs = new LogCapture("dev.trinobundle.authenticator")) {
            assertDenied(authenticator, "alice", "guess-more");
            assertThat(logs.messages(Level.INFO)).contains("Vault password authentication: user=alice outcome=DENIED reason=locked out after repeated failures");
        }
        // ... while the client that holds the verified password is not stopped
        for (int i = 0; i < 5; i++) {
            assertThat(authenticator.createAuthenticatedPrincipal("alice", "alice-pass").getName()).isEqualTo("alice");
        }

        // unknown users are throttled the same way, so the lock-out does not reveal who exists
        try (LogCapture logs = new LogCapture("dev.trinobundle.authenticator")) {
            for (int i = 0; i < 4; i++) {
                assertDenied(authenticator, "mallory", "guess-" + i);
            }
            assertThat(logs.messages(Level.INFO)).contains("Vault password authentication: user=mallory outcome=DENIED reason=locked out after repeated failures");
        }
    }

    @Test
    void testExemptUserIsNeverLockedOut()
    {
        vault.putSecret("secret", "trino/password", fields("metabase", "plain:mb-pass", "alice", "plain:alice-pass"));
        VaultAuthenticator authenticator = VaultTesting.authenticator(VaultTesting.config(vault), new VaultLoginConfig()
                .setThrottleMaxFailures(2)
                .setThrottleExemptUsers("metabase"), ticker);
        for (int i = 0; i < 10; i++) {
            assertDenied(authenticator, "metabase", "guess-" + i);
            assertDenied(authenticator, "alice", "guess-" + i);
        }
        // a new client of the exempt user (its password never verified in this process) still gets in; alice does not
        assertThat(authenticator.createAuthenticatedPrincipal("metabase", "mb-pass").getName()).isEqualTo("metabase");
        assertDenied(authenticator, "alice", "alice-pass");
    }

    @Test
    void testConcurrentLoginsShareOneVaultRequest()
            throws Exception
    {
        vault.putSecret("secret", "trino/password", fields("admin", "plain:admin-pass"));
        vault.setResponseDelay(java.time.Duration.ofMillis(300));
        VaultAuthenticatorConfig config = VaultTesting.config(vault);
        ExecutorService refresh = Executors.newFixedThreadPool(2);
        ExecutorService clients = Executors.newFixedThreadPool(32);
        try {
            VaultAuthenticator authenticator = new VaultAuthenticator(config, new VaultLoginConfig(), VaultTesting.client(config, ticker), ticker, PasswordVerifier.DIRECT, refresh);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<String>> logins = new java.util.ArrayList<>();
            for (int i = 0; i < 32; i++) {
                logins.add(clients.submit(() -> {
                    start.await();
                    return authenticator.createAuthenticatedPrincipal("admin", "admin-pass").getName();
                }));
            }
            start.countDown();
            for (Future<String> login : logins) {
                assertThat(login.get(30, SECONDS)).isEqualTo("admin");
            }
            assertThat(vault.requestCount(MAP_PATH)).isEqualTo(1);
        }
        finally {
            clients.shutdownNow();
            refresh.shutdownNow();
        }
    }

    @Test
    void testAPoolOfNewConnectionsIsOneVerificationNotALockOut()
            throws Exception
    {
        // a BI tool that restarts opens its connection pool at once, all with a password this process has not verified yet
        vault.putSecret("secret", "trino/password", fields("admin", "plain:admin-pass", "bob", "plain:bob-pass"));
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger adminVerifications = new AtomicInteger();
        PasswordVerifier slowForAdmin = (stored, password) -> {
            if (password.equals("admin-pass")) {
                adminVerifications.incrementAndGet();
                Uninterruptibles.awaitUninterruptibly(release);
            }
            return PasswordVerifier.DIRECT.verify(stored, password);
        };
        VaultAuthenticatorConfig config = VaultTesting.config(vault);
        ExecutorService refresh = Executors.newFixedThreadPool(2);
        int poolSize = 32;
        ExecutorService clients = Executors.newFixedThreadPool(poolSize, new ThreadFactoryBuilder().setNameFormat("bi-client-%s").build());
        try {
            VaultAuthenticator authenticator = new VaultAuthenticator(config, new VaultLoginConfig(), VaultTesting.client(config, ticker), ticker, slowForAdmin, refresh);
            // reads the secret, so that the pool below waits on the verification only
            assertThat(authenticator.createAuthenticatedPrincipal("bob", "bob-pass").getName()).isEqualTo("bob");

            AtomicInteger arrived = new AtomicInteger();
            List<Future<String>> logins = new java.util.ArrayList<>();
            for (int i = 0; i < poolSize; i++) {
                logins.add(clients.submit(() -> {
                    arrived.incrementAndGet();
                    return authenticator.createAuthenticatedPrincipal("admin", "admin-pass").getName();
                }));
            }
            // all 32 clients started and none is running (an idle pool thread waits too: what proves the sharing is the
            // one verification and the 32 successes below); before single-flight verification the throttle admitted five
            // (vault.throttle.max-failures) at a time and refused the rest of the pool
            assertEventually(() -> {
                assertThat(arrived.get()).isEqualTo(poolSize);
                assertThat(Thread.getAllStackTraces().keySet()).filteredOn(thread -> thread.getName().startsWith("bi-client-"))
                        .hasSize(poolSize)
                        .allMatch(thread -> thread.getState() == Thread.State.WAITING);
            });
            release.countDown();
            for (Future<String> login : logins) {
                assertThat(login.get(30, SECONDS)).isEqualTo("admin");
            }
            assertThat(adminVerifications.get()).isEqualTo(1);
        }
        finally {
            release.countDown();
            clients.shutdownNow();
            refresh.shutdownNow();
        }
    }

    @Test
    void testAnAttemptThatJoinsAnIdenticalOneIsLoggedAndGetsAVerdictOfItsOwn()
            throws Exception
    {
        // bob's verification holds the only hashing slot; admin's attempt then waits for it, an identical one joins
        vault.putSecret("secret", "trino/password", fields("admin", bcrypt("admin-pass", BCrypt.Version.VERSION_2B, 8), "bob", bcrypt("bob-pass", BCrypt.Version.VERSION_2B, 8)));
        CountDownLatch releaseBob = new CountDownLatch(1);
        AtomicInteger adminChecks = new AtomicInteger();
        PasswordVerifier bobBlocks = (stored, password) -> {
            adminChecks.addAndGet(password.equals("admin-pass") ? 1 : 0);
            if (password.equals("bob-pass")) {
                Uninterruptibles.awaitUninterruptibly(releaseBob);
            }
            return PasswordVerifier.DIRECT.verify(stored, password);
        };
        VaultAuthenticatorConfig config = VaultTesting.config(vault);
        ExecutorService refresh = Executors.newFixedThreadPool(2);
        ExecutorService clients = Executors.newFixedThreadPool(3, new ThreadFactoryBuilder().setNameFormat("joining-client-%s").build());
        VaultLoginConfig loginConfig = new VaultLoginConfig()
                .setHashingMaxConcurrent(1)
                .setHashingMaxQueued(4)
                .setHashingMaxWait(new Duration(5, SECONDS));
        try (LogCapture logs = new LogCapture("dev.trinobundle.authenticator")) {
            VaultAuthenticator authenticator = new VaultAuthenticator(config, loginConfig, VaultTesting.client(config, ticker), ticker, bobBlocks, refresh);
            Future<String> bob = clients.submit(() -> authenticator.createAuthenticatedPrincipal("bob", "bob-pass").getName());
            assertEventually(() -> assertThat(threadStates("joining-client-")).containsExactly(Thread.State.WAITING));
            Future<String> first = clients.submit(() -> authenticator.createAuthenticatedPrincipal("admin", "admin-pass").getName());
            assertEventually(() -> assertThat(threadStates("joining-client-")).hasSize(2).doesNotContain(Thread.State.RUNNABLE));
            Future<String> joined = clients.submit(() -> authenticator.createAuthenticatedPrincipal("admin", "admin-pass").getName());
            assertEventually(() -> assertThat(threadStates("joining-client-")).hasSize(3).doesNotContain(Thread.State.RUNNABLE));
            // the first gives up waiting for the slot: no verdict on the password, so the joined one must not share it
            assertThatThrownBy(() -> first.get(30, SECONDS)).hasCauseInstanceOf(AccessDeniedException.class);
            releaseBob.countDown();
            assertThat(joined.get(30, SECONDS)).isEqualTo("admin");
            assertThat(bob.get(30, SECONDS)).isEqualTo("bob");
            // its own verification is remembered like any other: the next query of that client is not hashed again
            int checks = adminChecks.get();
            assertThat(authenticator.createAuthenticatedPrincipal("admin", "admin-pass").getName()).isEqualTo("admin");
            assertThat(adminChecks).hasValue(checks);

            // two identical wrong guesses at the same time: both are logged, one verification
            CountDownLatch releaseGuess = new CountDownLatch(1);
            AtomicInteger guesses = new AtomicInteger();
            VaultAuthenticator guessed = new VaultAuthenticator(config, new VaultLoginConfig(), VaultTesting.client(config, ticker), ticker, (stored, password) -> {
                guesses.incrementAndGet();
                Uninterruptibles.awaitUninterruptibly(releaseGuess);
                return PasswordVerifier.DIRECT.verify(stored, password);
            }, refresh);
            Future<String> guess = clients.submit(() -> guessed.createAuthenticatedPrincipal("admin", "guess").getName());
            assertEventually(() -> assertThat(guesses).hasValue(1));
            AtomicInteger arrived = new AtomicInteger();
            Future<String> sameGuess = clients.submit(() -> {
                arrived.incrementAndGet();
                return guessed.createAuthenticatedPrincipal("admin", "guess").getName();
            });
            assertEventually(() -> {
                assertThat(arrived).hasValue(1);
                assertThat(threadStates("joining-client-")).hasSize(3).containsOnly(Thread.State.WAITING);
            });
            releaseGuess.countDown();
            assertThatThrownBy(() -> guess.get(30, SECONDS)).hasCauseInstanceOf(AccessDeniedException.class);
            assertThatThrownBy(() -> sameGuess.get(30, SECONDS)).hasCauseInstanceOf(AccessDeniedException.class);
            assertThat(guesses).hasValue(1);
            assertThat(logs.messages(Level.INFO)).contains(
                    "Vault password authentication: user=admin outcome=DENIED reason=wrong password",
                    "Vault password authentication: user=admin outcome=DENIED reason=an identical attempt at the same time was denied");
        }
        finally {
            releaseBob.countDown();
            clients.shutdownNow();
            refresh.shutdownNow();
        }
    }

    private static List<Thread.State> threadStates(String namePrefix)
    {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().startsWith(namePrefix))
                .map(Thread::getState)
                .toList();
    }

    @Test
    void testEveryAttemptIsLoggedWithoutThePassword()
    {
        vault.putSecret("secret", "trino/password", fields("admin", "plain:Pa55-word-admin"));
        VaultAuthenticator authenticator = VaultTesting.authenticator(VaultTesting.config(vault), ticker);
        try (LogCapture logs = new LogCapture("dev.trinobundle.authenticator")) {
            authenticator.createAuthenticatedPrincipal("admin", "Pa55-word-admin");
            // the same credential again (the same client's next query): not one INFO line per query
            authenticator.createAuthenticatedPrincipal("admin", "Pa55-word-admin");
            assertThat(logs.messages(Level.INFO)).filteredOn(line -> line.contains("outcome=SUCCESS")).hasSize(1);
            assertDenied(authenticator, "admin", "Guess-word-admin");
            assertDenied(authenticator, "ghost", "Pa55-word-admin");
            assertDenied(authenticator, "evil\nuser=admin outcome=SUCCESS", "x");
            vault.setSealed(true);
            ticker.advance(java.time.Duration.ofHours(1));
            assertThatThrownBy(() -> authenticator.createAuthenticatedPrincipal("admin", "Pa55-word-admin"))
                    .isInstanceOf(VaultUnavailableException.class);

            List<String> lines = logs.messages(Level.INFO);
            assertThat(lines).contains(
                    "Vault password authentication: user=admin outcome=SUCCESS reason=password verified",
                    "Vault password authentication: user=admin outcome=DENIED reason=wrong password",
                    "Vault password authentication: user=ghost outcome=DENIED reason=unknown user",
                    "Vault password authentication: user=evil?user=admin?outcome=SUCCESS outcome=DENIED reason=user name refused (characters outside [A-Za-z0-9_.@+-], '..' or too long)");
            assertThat(lines).anyMatch(line -> line.startsWith("Vault password authentication: user=admin outcome=ERROR reason=password could not be checked: Vault is unavailable"));
            assertThat(logs.messages()).noneMatch(line -> line.contains("Pa55-word-admin") || line.contains("Guess-word-admin") || line.contains(vault.rootToken()));
        }
    }

    @Test
    void testToStringsRevealNoSecret()
    {
        VaultAuthenticatorConfig config = VaultTesting.config(vault).setToken("hvs.very-secret-token");
        assertThat(VaultLogin.create(config, new VaultEnvironment(java.util.Map.of())).toString()).doesNotContain("very-secret-token");
        assertThat(new VaultToken("hvs.very-secret-token", true, 10, 0).toString()).doesNotContain("very-secret-token");
        assertThat(StoredPassword.parse("plain:plain-password").toString()).doesNotContain("plain-password");
        assertThat(new VaultEnvironment(java.util.Map.of("VAULT_TOKEN", "hvs.very-secret-token")).toString()).doesNotContain("very-secret-token");
        assertThat(VaultTesting.authenticator(config, ticker).toString()).doesNotContain("very-secret-token");
    }

    private static void assertDenied(VaultAuthenticator authenticator, String user, String password)
    {
        assertThatThrownBy(() -> authenticator.createAuthenticatedPrincipal(user, password))
                .isInstanceOf(AccessDeniedException.class)
                .hasMessage("Access Denied: Invalid credentials");
    }

    static String bcrypt(String password, BCrypt.Version version, int cost)
    {
        return BCrypt.with(version).hashToString(cost, password.toCharArray());
    }

    static String pbkdf2(String password, int iterations)
            throws Exception
    {
        byte[] salt = HexFormat.of().parseHex("00112233445566778899aabbccddeeff");
        byte[] hash = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA1")
                .generateSecret(new PBEKeySpec(password.toCharArray(), salt, iterations, 256))
                .getEncoded();
        return iterations + ":" + HexFormat.of().formatHex(salt) + ":" + HexFormat.of().formatHex(hash);
    }
}
