package dev.trinobundle.authenticator;

import dev.trinobundle.authenticator.testing.TestingVaultServer;
import dev.trinobundle.testing.LogCapture;
import io.airlift.units.Duration;
import io.trino.spi.security.AccessDeniedException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.logging.Level;

import static dev.trinobundle.authenticator.TestVaultAuthenticator.bcrypt;
import static dev.trinobundle.authenticator.TestVaultAuthenticator.pbkdf2;
import static dev.trinobundle.authenticator.testing.TestingVaultServer.fields;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Findings of the hostile review (issue 11): stored formats, the MAP shape, dummies, and what unauthenticated logins cost. */
final class TestLoginHardening
{
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
    void testUnsupportedHashesAreRefusedAndPlainPasswordsFollowThePolicy()
    {
        vault.putSecret("secret", "trino/password", fields(
                "apr", "$apr1$abcdefgh$kzLw5c2Q2CytV5e5vCy3v1",
                "sha", "$6$saltsalt$Hzv5ovWvSBoMtjL.BVx3OnzaiWN6reeO7wGZBqDE2UMEmiXqZGJLfHEqg4mT.HPMkeY9IgUKPBNDluiObR0oo/",
                "argon", "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG",
                "ldap", "{SSHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=",
                "md5hex", "5f4dcc3b5aa765d61d8327deb882cf99",
                "prefixed", "plain:s3cret",
                "bare", "bare-pass"));
        try (LogCapture logs = new LogCapture("dev.trinobundle.authenticator")) {
            VaultAuthenticator allow = VaultTesting.authenticator(VaultTesting.config(vault), new VaultLoginConfig().setPlaintextPasswords(PlaintextPasswords.ALLOW), ticker);
            for (String[] user : new String[][] {
                    {"apr", "$apr1$abcdefgh$kzLw5c2Q2CytV5e5vCy3v1"},
                    {"sha", "$6$saltsalt$Hzv5ovWvSBoMtjL.BVx3OnzaiWN6reeO7wGZBqDE2UMEmiXqZGJLfHEqg4mT.HPMkeY9IgUKPBNDluiObR0oo/"},
                    {"argon", "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG"},
                    {"ldap", "{SSHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g="},
                    {"md5hex", "5f4dcc3b5aa765d61d8327deb882cf99"}}) {
                assertDenied(allow, user[0], user[1]);
            }
            assertThat(logs.messages(Level.SEVERE))
                    .anyMatch(line -> line.contains("for user apr cannot be used: stored value is a '$apr1$' hash"))
                    .anyMatch(line -> line.contains("for user argon cannot be used: stored value is a '$argon2id$' hash"))
                    .anyMatch(line -> line.contains("for user md5hex cannot be used: stored value looks like a hash"))
                    .noneMatch(line -> line.contains("kzLw5c2Q") || line.contains("RdescudvJ") || line.contains("5f4dcc3b"));
            // ALLOW (opt-in): the plain: prefix and bare values work, with one WARN per user
            assertThat(allow.createAuthenticatedPrincipal("prefixed", "s3cret").getName()).isEqualTo("prefixed");
            assertDenied(allow, "prefixed", "plain:s3cret");
            assertThat(allow.createAuthenticatedPrincipal("bare", "bare-pass").getName()).isEqualTo("bare");
            assertThat(logs.messages(Level.WARNING)).filteredOn(line -> line.contains("user bare is stored in Vault as plain text")).hasSize(1);
        }

        // PREFIXED, the default
        VaultAuthenticator prefixed = VaultTesting.authenticator(VaultTesting.config(vault), ticker);
        assertThat(prefixed.createAuthenticatedPrincipal("prefixed", "s3cret").getName()).isEqualTo("prefixed");
        assertDenied(prefixed, "bare", "bare-pass");

        VaultAuthenticator deny = VaultTesting.authenticator(VaultTesting.config(vault), new VaultLoginConfig().setPlaintextPasswords(PlaintextPasswords.DENY), ticker);
        assertDenied(deny, "prefixed", "s3cret");
        assertDenied(deny, "bare", "bare-pass");
    }

    @Test
    void testMapLayoutRefusesTheSingleUserShape()
    {
        vault.putSecret("secret", "trino/password", fields("username", "admin", "password", "plain:admin-pass"));
        VaultAuthenticator authenticator = VaultTesting.authenticator(VaultTesting.config(vault), new VaultLoginConfig().setPlaintextPasswords(PlaintextPasswords.ALLOW), ticker);
        try (LogCapture logs = new LogCapture("dev.trinobundle.authenticator")) {
            assertDenied(authenticator, "username", "admin");
            assertDenied(authenticator, "password", "admin-pass");
            assertDenied(authenticator, "admin", "admin-pass");
            assertThat(logs.messages(Level.SEVERE)).filteredOn(line -> line.contains("set vault.password-layout=SINGLE_USER")).hasSize(1);
        }
        // the same secret under SINGLE_USER is the admin's password
        VaultAuthenticator singleUser = VaultTesting.authenticator(VaultTesting.config(vault).setLayout(PasswordLayout.SINGLE_USER), ticker);
        assertThat(singleUser.createAuthenticatedPrincipal("admin", "admin-pass").getName()).isEqualTo("admin");
    }

    @Test
    void testOneDummyPerKindAndCost()
    {
        assertThat(DummyPasswords.bcrypt(9)).isSameAs(DummyPasswords.bcrypt(9));
        assertThat(DummyPasswords.bcrypt(9).toString()).isEqualTo("Bcrypt{cost=9}");
    }

    @Test
    void testJunkUserNamesCannotFlushRealUsers()
    {
        vault.putSecret("secret", "trino/users/alice", fields("password", "plain:alice-pass"));
        vault.putSecret("secret", "trino/users/bob", fields("password", "plain:bob-pass"));
        VaultAuthenticator authenticator = VaultTesting.authenticator(VaultTesting.config(vault).setLayout(PasswordLayout.PER_USER), new VaultLoginConfig()
                .setCacheMaxEntries(10)
                .setNegativeCacheMaxEntries(5)
                .setThrottleMaxFailures(0), ticker);
        assertThat(authenticator.createAuthenticatedPrincipal("alice", "alice-pass").getName()).isEqualTo("alice");
        for (int i = 0; i < 50; i++) {
            assertDenied(authenticator, "junk" + i, "x");
        }
        // junk only evicted junk: bob, first seen after the flood, is cached like alice
        vault.resetRequestCounts();
        assertThat(authenticator.createAuthenticatedPrincipal("bob", "bob-pass").getName()).isEqualTo("bob");
        assertThat(authenticator.createAuthenticatedPrincipal("bob", "bob-pass").getName()).isEqualTo("bob");
        assertThat(authenticator.createAuthenticatedPrincipal("alice", "alice-pass").getName()).isEqualTo("alice");
        assertThat(vault.requestCount("/v1/secret/data/trino/users/bob")).isEqualTo(1);
        assertThat(vault.requestCount("/v1/secret/data/trino/users/alice")).isZero();
        assertThat(authenticator.cachedSecrets()).isEqualTo(2);
        // a recent unknown name is answered from the negative cache, without Vault
        assertDenied(authenticator, "junk49", "x");
        assertThat(vault.requestCount("/v1/secret/data/trino/users/junk49")).isZero();
    }

    @Test
    void testColdLookupsAreCappedAndTimeBounded()
            throws Exception
    {
        vault.setResponseDelay(java.time.Duration.ofSeconds(3));
        VaultAuthenticatorConfig config = VaultTesting.config(vault).setLayout(PasswordLayout.PER_USER);
        VaultLoginConfig loginConfig = new VaultLoginConfig()
                .setMaxConcurrentLoads(2)
                .setLoadTimeout(new Duration(200, MILLISECONDS));
        ExecutorService refresh = Executors.newFixedThreadPool(8);
        try {
            VaultAuthenticator authenticator = new VaultAuthenticator(config, loginConfig, VaultTesting.client(config, ticker), ticker, PasswordVerifier.DIRECT, refresh);
            // the first two cold names take the two slots and give up after the load timeout, not after Vault's 3s
            List<Future<Throwable>> first = new ArrayList<>();
            ExecutorService clients = Executors.newFixedThreadPool(2);
            for (int i = 0; i < 2; i++) {
                String user = "cold" + i;
                first.add(clients.submit(() -> catchThrowable(() -> authenticator.createAuthenticatedPrincipal(user, "x"))));
            }
            for (Future<Throwable> login : first) {
                assertThat(login.get(30, SECONDS))
                        .isInstanceOf(VaultUnavailableException.class)
                        .hasMessageContaining("within vault.cache.load-timeout (200.00ms)");
            }
            clients.shutdownNow();
            // both reads are still in flight (Vault takes 3s): a third cold name waits at most the load timeout for a
            // slot, then is answered like a wrong password (401, not 500: the answer does not tell whether it was cached)
            assertThatThrownBy(() -> authenticator.createAuthenticatedPrincipal("cold2", "x"))
                    .isInstanceOf(AccessDeniedException.class)
                    .hasMessage("Access Denied: Invalid credentials");
        }
        finally {
            refresh.shutdownNow();
        }
    }

    @Test
    void testVerificationSlotsBoundConcurrentHashing()
            throws Exception
    {
        VerificationSlots slots = new VerificationSlots(1, 0, new Duration(0, MILLISECONDS));
        java.util.concurrent.CountDownLatch inside = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            Future<VerificationSlots.Outcome> holder = executor.submit(() -> slots.runInSlot(() -> {
                inside.countDown();
                try {
                    release.await();
                }
                catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return true;
            }));
            inside.await();
            // the only slot is taken and no queueing is allowed: a second verification is refused, not run
            java.util.concurrent.atomic.AtomicInteger runs = new java.util.concurrent.atomic.AtomicInteger();
            assertThat(slots.runInSlot(() -> runs.incrementAndGet() < 0)).isEqualTo(VerificationSlots.Outcome.NOT_RUN);
            assertThat(runs).hasValue(0);
            release.countDown();
            assertThat(holder.get(10, SECONDS)).isEqualTo(VerificationSlots.Outcome.MATCH);
            assertThat(slots.runInSlot(() -> runs.incrementAndGet() < 0)).isEqualTo(VerificationSlots.Outcome.MISMATCH);
            assertThat(runs).hasValue(1);
        }
        finally {
            executor.shutdownNow();
        }
    }

    private static Throwable catchThrowable(Runnable runnable)
    {
        try {
            runnable.run();
            return null;
        }
        catch (Throwable t) {
            return t;
        }
    }

    private static void assertDenied(VaultAuthenticator authenticator, String user, String password)
    {
        assertThatThrownBy(() -> authenticator.createAuthenticatedPrincipal(user, password))
                .isInstanceOf(AccessDeniedException.class)
                .hasMessage("Access Denied: Invalid credentials");
    }
}
