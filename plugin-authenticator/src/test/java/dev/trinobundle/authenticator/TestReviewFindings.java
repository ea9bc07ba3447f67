package dev.trinobundle.authenticator;

import at.favre.lib.crypto.bcrypt.BCrypt;
import dev.trinobundle.authenticator.testing.TestingVaultServer;
import dev.trinobundle.testing.LogCapture;
import io.airlift.units.Duration;
import io.trino.spi.security.AccessDeniedException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;

import static dev.trinobundle.authenticator.TestVaultAuthenticator.bcrypt;
import static dev.trinobundle.authenticator.testing.TestingVaultServer.fields;
import static io.trino.testing.assertions.Assert.assertEventually;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The second hostile review (H1-H4, M1-M4): its attacks, as assertions. Verifications are counted, not timed. */
final class TestReviewFindings
{
    private static final String USER_SECRET = "/v1/secret/data/trino/users/";

    private TestingVaultServer vault;
    private final ManualTicker ticker = new ManualTicker();
    private final RecordingVerifier verifier = new RecordingVerifier();
    private final List<ExecutorService> executors = new ArrayList<>();

    @BeforeEach
    void setUp()
    {
        vault = TestingVaultServer.start();
    }

    @AfterEach
    void tearDown()
    {
        verifier.open();
        executors.forEach(ExecutorService::shutdownNow);
        vault.close();
    }

    /** H1: the lock-out is reserved before hashing, so a parallel burst gets no more verifications than max-failures. */
    @Test
    void testParallelGuessesGetAtMostMaxFailuresVerifications()
            throws Exception
    {
        vault.putSecret("secret", "trino/password", fields("admin", bcrypt("right", BCrypt.Version.VERSION_2Y, 8)));
        VaultAuthenticator authenticator = VaultTesting.authenticator(VaultTesting.config(vault), new VaultLoginConfig()
                .setHashingMaxConcurrent(40)
                .setHashingMaxWait(new Duration(60, SECONDS)), ticker, verifier);
        assertDenied(authenticator, "other", "warm-up");
        verifier.reset();
        verifier.close(40);
        ExecutorService pool = executor(40);
        CountDownLatch start = new CountDownLatch(1);
        AtomicInteger refusedWithoutVerification = new AtomicInteger();
        List<Future<Boolean>> guesses = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            String guess = "guess-" + i;
            guesses.add(pool.submit(() -> {
                start.await();
                boolean denied = denied(authenticator, "admin", guess);
                refusedWithoutVerification.incrementAndGet();
                return denied;
            }));
        }
        start.countDown();
        // every guess is either refused or inside a (held) verification
        eventually(() -> refusedWithoutVerification.get() + verifier.count() == 40, "all 40 guesses settled");
        int verified = verifier.count();
        verifier.open();
        for (Future<Boolean> guess : guesses) {
            assertThat(guess.get(30, SECONDS)).isTrue();
        }
        assertThat(verified).isEqualTo(5);
        assertThat(verifier.count()).isEqualTo(5);
    }

    /**
     * H2: a client that keeps using its verified credential is never stopped (the cache entry lives while it is used), and
     * after a restart, with the user name kept locked by a stranger, the client gets one of the slow-rate verifications.
     */
    @Test
    void testStrangerCannotLockOutAClientOverTwentyMinutesNorAfterARestart()
    {
        String stored = bcrypt("right", BCrypt.Version.VERSION_2Y, 8);
        vault.putSecret("secret", "trino/password", fields("metabase", stored, "other", "plain:other-pass"));
        VaultAuthenticator authenticator = VaultTesting.authenticator(VaultTesting.config(vault), new VaultLoginConfig(), ticker, verifier);
        assertThat(authenticator.createAuthenticatedPrincipal("metabase", "right").getName()).isEqualTo("metabase");
        try (LogCapture logs = new LogCapture("dev.trinobundle.authenticator")) {
            for (int i = 0; i < 5; i++) {
                assertDenied(authenticator, "metabase", "guess-" + i);
            }
            // the client queries every 30s for 20 minutes; the stranger sends a guess after each of its queries
            for (int step = 1; step <= 40; step++) {
                ticker.advance(java.time.Duration.ofSeconds(30));
                assertThat(authenticator.createAuthenticatedPrincipal("metabase", "right").getName()).as("client at t=%ss", step * 30).isEqualTo("metabase");
                assertDenied(authenticator, "metabase", "g-" + step);
            }
            assertThat(logs.messages(Level.INFO)).contains("Vault password authentication: user=metabase outcome=DENIED reason=locked out after repeated failures");
        }
        // the remembered credential is keyed by the stored value: a rotation or a removal ends it at once
        vault.putSecret("secret", "trino/password", fields("metabase", bcrypt("rotated", BCrypt.Version.VERSION_2Y, 8), "other", "plain:other-pass"));
        ticker.advance(java.time.Duration.ofSeconds(61));
        assertDenied(authenticator, "metabase", "right");
        vault.putSecret("secret", "trino/password", fields("metabase", stored, "other", "plain:other-pass"));
        ticker.advance(java.time.Duration.ofSeconds(61));
        assertThat(authenticator.createAuthenticatedPrincipal("metabase", "right").getName()).isEqualTo("metabase");
        vault.putSecret("secret", "trino/password", fields("other", "plain:other-pass"));
        ticker.advance(java.time.Duration.ofSeconds(61));
        assertDenied(authenticator, "metabase", "right");
        vault.putSecret("secret", "trino/password", fields("metabase", stored, "other", "plain:other-pass"));

        // restart: nothing is verified; the stranger locks the name and sends one guess each time the lock-out ends
        VaultAuthenticator restarted = VaultTesting.authenticator(VaultTesting.config(vault), new VaultLoginConfig(), ticker, verifier);
        for (int i = 0; i < 5; i++) {
            assertDenied(restarted, "metabase", "guess-" + i);
        }
        long lockout = 30;
        long attackerNext = lockout;
        int clientIn = -1;
        for (int second = 30; second <= 30 * 60 && clientIn < 0; second += 30) {
            ticker.advance(java.time.Duration.ofSeconds(30));
            if (second >= attackerNext) {
                assertDenied(restarted, "metabase", "again-" + second);
                lockout = Math.min(lockout * 2, 900);
                attackerNext = second + lockout;
            }
            if (!denied(restarted, "metabase", "right")) {
                clientIn = second;
            }
        }
        assertThat(clientIn).as("seconds after the restart until the client got in").isBetween(30, 180);
    }

    /** H2, the README's model: a guesser sending one attempt per second to one name, with the defaults (5, 30s, 15m, 1m). */
    @Test
    void testGuessesPerHourOfAFloodedName()
    {
        vault.putSecret("secret", "trino/password", fields("admin", "plain:admin-pass"));
        VaultAuthenticator authenticator = VaultTesting.authenticator(VaultTesting.config(vault), new VaultLoginConfig(), ticker, verifier);
        java.util.logging.Logger logger = java.util.logging.Logger.getLogger("dev.trinobundle.authenticator");
        Level level = logger.getLevel();
        logger.setLevel(Level.WARNING);
        List<Integer> perHour = new ArrayList<>();
        try {
            for (int hour = 0; hour < 3; hour++) {
                verifier.reset();
                for (int second = 0; second < 3600; second++) {
                    assertThat(denied(authenticator, "admin", "guess-" + hour + "-" + second)).isTrue();
                    ticker.advance(java.time.Duration.ofSeconds(1));
                }
                perHour.add(verifier.count());
            }
        }
        finally {
            logger.setLevel(level);
        }
        assertThat(perHour).containsExactly(65, 60, 60);
    }

    /** H3: under the default, only bcrypt, Trino's PBKDF2 and plain: values are used; pass-the-hash fails for every other shape. */
    @Test
    void testOtherHashShapesAreRefusedByDefaultAndUnderAllow()
    {
        String[] hashes = {
                "pbkdf2:sha256:600000$GFo1pSyF$2f1d9a1bb4b8c2cd35c7b6c7ee0f6b0d06e6c0e0d3b4e5e2c2f8a5d8e3e4a1b2",
                "scrypt:32768:8:1$abcdEFGH$0123456789abcdef0123456789abcdef",
                " $6$saltsalt$Hzv5ovWvSBoMtjL.BVx3OnzaiWN6reeO7wGZBqDE2UMEmiXqZ",
                "admin:$apr1$abcdefgh$kzLw5c2Q2CytV5e5vCy3v1",
                "5f4dcc3b5aa765d61d8327deb882cf99\n",
                "XohImNooBHFR0OVvjcYpJ3NgPQ1qq73WKhHvch0VQtg=",
                "sha1:64000:18:B6oWbvtHvu8qCgoE75wxmvpidRnGzGFt:R1gkPOuVjqIoTulWP+PGGr9R",
                "606717496665bcba",
                "$2y$10$dhTwbIIGtMGu9XN5TazHf.sjZqh/9LpoSFME6ROixZQBdWtGxjFIm\n",
                "{bcrypt}$2a$10$dhTwbIIGtMGu9XN5TazHf.sjZqh/9LpoSFME6ROixZQBdWtGxjFIm",
                "PLAIN:secret",
                "plain:",
                "trailing-space ",
                "pa$$word"};
        String[] keysAndValues = new String[hashes.length * 2];
        for (int i = 0; i < hashes.length; i++) {
            keysAndValues[2 * i] = "user" + i;
            keysAndValues[2 * i + 1] = hashes[i];
            String value = hashes[i];
            assertThatThrownBy(() -> StoredPassword.parse(value, PlaintextPasswords.ALLOW)).as(value).isInstanceOf(IllegalArgumentException.class);
        }
        vault.putSecret("secret", "trino/password", fields(keysAndValues));
        VaultAuthenticator authenticator = VaultTesting.authenticator(VaultTesting.config(vault), new VaultLoginConfig().setThrottleMaxFailures(0), ticker);
        for (int i = 0; i < hashes.length; i++) {
            // pass-the-hash: the stored string itself as the password
            assertThat(denied(authenticator, "user" + i, hashes[i])).as(hashes[i]).isTrue();
        }
        assertThat(new VaultLoginConfig().getPlaintextPasswords()).isEqualTo(PlaintextPasswords.PREFIXED);
        // ALLOW is an explicit opt-in that warns when the authenticator starts
        try (LogCapture logs = new LogCapture("dev.trinobundle.authenticator")) {
            VaultTesting.authenticator(VaultTesting.config(vault), new VaultLoginConfig().setPlaintextPasswords(PlaintextPasswords.ALLOW), ticker);
            assertThat(logs.messages(Level.WARNING)).anyMatch(line -> line.contains("vault.plaintext-passwords=ALLOW"));
        }
    }

    /** H4 and M2: a full hashing queue refuses at once, known and unknown names alike, instead of holding HTTP threads. */
    @Test
    void testFullHashingQueueRefusesAtOnce()
            throws Exception
    {
        vault.putSecret("secret", "trino/password", fields("admin", bcrypt("admin-pass", BCrypt.Version.VERSION_2Y, 8)));
        VaultAuthenticator authenticator = VaultTesting.authenticator(VaultTesting.config(vault), new VaultLoginConfig()
                .setHashingMaxWait(new Duration(60, SECONDS)), ticker, verifier);
        assertDenied(authenticator, "warm", "x");
        CountDownLatch holding = verifier.close(1);
        ExecutorService pool = executor(6);
        List<Future<Boolean>> held = new ArrayList<>();
        held.add(pool.submit(() -> denied(authenticator, "junk-holder", "x")));
        assertThat(holding.await(30, SECONDS)).isTrue();
        // appended from the pool's threads
        List<Thread> waiters = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 4; i++) {
            String user = "junk-waiter-" + i;
            held.add(pool.submit(() -> {
                waiters.add(Thread.currentThread());
                return denied(authenticator, user, "x");
            }));
        }
        eventually(() -> waiters.size() == 4 && waiters.stream().allMatch(thread -> thread.getState() == Thread.State.TIMED_WAITING), "four logins queued for the slot");
        // the queue is full: a new client of a known user and an unknown name are refused without waiting for the slot
        Future<Boolean> admin = pool.submit(() -> denied(authenticator, "admin", "admin-pass"));
        assertThat(admin.get(10, SECONDS)).isTrue();
        assertThat(pool.submit(() -> denied(authenticator, "ghost", "x")).get(10, SECONDS)).isTrue();
        verifier.open();
        for (Future<Boolean> login : held) {
            assertThat(login.get(30, SECONDS)).isTrue();
        }
    }

    /** M2: an attempt refused because the hashing slot was busy counts the same for a known user as for an unknown name. */
    @Test
    void testSaturationCountsTheSameForKnownAndUnknownNames()
            throws Exception
    {
        vault.putSecret("secret", "trino/password", fields("alice", bcrypt("alice-pass", BCrypt.Version.VERSION_2Y, 8)));
        VaultAuthenticator authenticator = VaultTesting.authenticator(VaultTesting.config(vault), new VaultLoginConfig()
                .setHashingMaxWait(new Duration(100, MILLISECONDS)), ticker, verifier);
        assertDenied(authenticator, "warm", "x");
        CountDownLatch holding = verifier.close(1);
        Future<Boolean> holder = executor(1).submit(() -> denied(authenticator, "junk-holder", "x"));
        assertThat(holding.await(30, SECONDS)).isTrue();
        // refused while the only slot is held: the password was compared for neither name, so neither is counted
        try (LogCapture logs = new LogCapture("dev.trinobundle.authenticator")) {
            for (int i = 0; i < 10; i++) {
                assertDenied(authenticator, "alice", "g" + i);
                assertDenied(authenticator, "ghost", "g" + i);
            }
            assertThat(logs.messages(Level.INFO)).noneMatch(line -> line.contains("locked out"));
        }
        verifier.open();
        assertThat(holder.get(30, SECONDS)).isTrue();
        verifier.reset();
        // once the slot is free, the right password passes at once and a wrong one is checked: no lock-out was left behind
        assertThat(authenticator.createAuthenticatedPrincipal("alice", "alice-pass").getName()).isEqualTo("alice");
        assertDenied(authenticator, "ghost", "x");
        assertThat(verifier.count()).isEqualTo(2);
    }

    /** M1: an unrecognised $...$ value is refused without naming it; a known identifier is named. */
    @Test
    void testRefusedValueNeverAppearsInTheLog()
    {
        vault.putSecret("secret", "trino/password", fields("bob", "$Summer2024$", "apr", "$apr1$abcdefgh$kzLw5c2Q2CytV5e5vCy3v1", "carol", "$Winter$x$y"));
        VaultAuthenticator authenticator = VaultTesting.authenticator(VaultTesting.config(vault), ticker);
        try (LogCapture logs = new LogCapture("dev.trinobundle.authenticator")) {
            assertDenied(authenticator, "bob", "whatever");
            assertDenied(authenticator, "carol", "whatever");
            assertDenied(authenticator, "apr", "whatever");
            assertThat(logs.messages()).noneMatch(line -> line.contains("Summer2024") || line.contains("Winter") || line.contains("kzLw5c2Q"));
            assertThat(logs.messages(Level.SEVERE))
                    .anyMatch(line -> line.contains("for user bob cannot be used"))
                    .anyMatch(line -> line.contains("for user apr cannot be used: stored value is a '$apr1$' hash"));
        }
    }

    /** M3: with all cold-load permits busy, a real user waits for one, and a saturated lookup answers like a wrong password. */
    @Test
    void testSaturatedColdLoadsWaitThenAnswerLikeAFailure()
            throws Exception
    {
        vault.putSecret("secret", "trino/users/alice", fields("password", "plain:alice-pass"));
        vault.putSecret("secret", "trino/users/bob", fields("password", "plain:bob-pass"));
        VaultAuthenticatorConfig config = VaultTesting.config(vault).setLayout(PasswordLayout.PER_USER);
        VaultLoginConfig loginConfig = new VaultLoginConfig().setMaxConcurrentLoads(1).setLoadTimeout(new Duration(20, SECONDS));
        VaultAuthenticator authenticator = new VaultAuthenticator(config, loginConfig, VaultTesting.client(config, ticker), ticker, verifier, executor(4));
        assertThat(authenticator.createAuthenticatedPrincipal("bob", "bob-pass").getName()).isEqualTo("bob");
        vault.setResponseDelay(java.time.Duration.ofSeconds(1));
        ExecutorService clients = executor(2);
        Future<Boolean> junk = clients.submit(() -> denied(authenticator, "junk0", "x"));
        eventually(() -> vault.requestCount(USER_SECRET + "junk0") == 1, "junk0's read in flight");
        // the only permit is busy: alice, with nothing cached, waits for it instead of failing at once
        assertThat(authenticator.createAuthenticatedPrincipal("alice", "alice-pass").getName()).isEqualTo("alice");
        assertThat(junk.get(30, SECONDS)).isTrue();

        VaultAuthenticator impatient = new VaultAuthenticator(config, new VaultLoginConfig().setMaxConcurrentLoads(1).setLoadTimeout(new Duration(300, MILLISECONDS)),
                VaultTesting.client(config, ticker), ticker, verifier, executor(4));
        vault.setResponseDelay(java.time.Duration.ZERO);
        assertThat(impatient.createAuthenticatedPrincipal("bob", "bob-pass").getName()).isEqualTo("bob");
        vault.setResponseDelay(java.time.Duration.ofSeconds(3));
        Future<Throwable> slow = clients.submit(() -> catchThrowable(() -> impatient.createAuthenticatedPrincipal("junk1", "x")));
        eventually(() -> vault.requestCount(USER_SECRET + "junk1") == 1, "junk1's read in flight");
        verifier.reset();
        // saturated: the same 401 as a wrong password (not a 500), after the same dummy verification
        assertDenied(impatient, "cold", "x");
        assertThat(verifier.count()).isEqualTo(1);
        assertDenied(impatient, "bob", "wrong");
        assertThat(slow.get(30, SECONDS)).isInstanceOf(VaultUnavailableException.class);
    }

    /** M4: a flood of made-up names cannot evict a known user's lock-out. */
    @Test
    void testJunkNamesCannotEvictAKnownUsersLockout()
    {
        vault.putSecret("secret", "trino/password", fields("admin", "plain:admin-pass"));
        VaultAuthenticator authenticator = VaultTesting.authenticator(VaultTesting.config(vault), new VaultLoginConfig(), ticker, verifier);
        for (int i = 0; i < 6; i++) {
            assertDenied(authenticator, "admin", "g" + i);
        }
        java.util.logging.Logger logger = java.util.logging.Logger.getLogger("dev.trinobundle.authenticator");
        Level level = logger.getLevel();
        logger.setLevel(Level.WARNING);
        try {
            for (int i = 0; i < 200_000; i++) {
                assertThat(denied(authenticator, "j" + i, "x")).isTrue();
            }
        }
        finally {
            logger.setLevel(level);
        }
        verifier.reset();
        assertDenied(authenticator, "admin", "admin-pass");
        assertThat(verifier.count()).isZero();
    }

    /** Low: more single-user field names are reserved under MAP, and attempts while a secret is refused for its shape are not failures. */
    @Test
    void testMapReservesCommonFieldNamesWithoutCountingFailures()
    {
        vault.putSecret("secret", "trino/password", fields("login", "admin", "secret", "plain:admin-pass"));
        VaultAuthenticator authenticator = VaultTesting.authenticator(VaultTesting.config(vault), new VaultLoginConfig().setPlaintextPasswords(PlaintextPasswords.ALLOW), ticker);
        try (LogCapture logs = new LogCapture("dev.trinobundle.authenticator")) {
            assertDenied(authenticator, "secret", "admin-pass");
            assertDenied(authenticator, "login", "admin");
            assertThat(logs.messages(Level.SEVERE)).anyMatch(line -> line.contains("set vault.password-layout=SINGLE_USER"));
        }
        for (int i = 0; i < 10; i++) {
            assertDenied(authenticator, "admin", "admin-pass");
        }
        // the operator fixes the secret: admin is not locked out by the attempts made while it was refused
        vault.putSecret("secret", "trino/password", fields("admin", "plain:admin-pass"));
        ticker.advance(java.time.Duration.ofSeconds(61));
        assertThat(authenticator.createAuthenticatedPrincipal("admin", "admin-pass").getName()).isEqualTo("admin");
    }

    /** Finding 4 by behaviour: what an unknown name is verified against is the strongest stored kind, not the last user's. */
    @Test
    void testUnknownNamesAreVerifiedAgainstTheStrongestStoredKind()
            throws Exception
    {
        vault.putSecret("secret", "trino/password", fields(
                "admin", "plain:plain-secret",
                "etl", TestVaultAuthenticator.pbkdf2("etl-pass", 1000),
                "querybook", bcrypt("qb-pass", BCrypt.Version.VERSION_2Y, 9)));
        VaultAuthenticator authenticator = VaultTesting.authenticator(VaultTesting.config(vault), new VaultLoginConfig(), ticker, verifier);
        authenticator.createAuthenticatedPrincipal("admin", "plain-secret");
        authenticator.createAuthenticatedPrincipal("etl", "etl-pass");
        verifier.reset();
        assertDenied(authenticator, "ghost", "x");
        assertThat(verifier.verified()).containsExactly("Bcrypt{cost=9}");

        vault.putSecret("secret", "trino/users/plain", fields("password", "plain:plain-pass"));
        vault.putSecret("secret", "trino/users/strong", fields("password", bcrypt("strong-pass", BCrypt.Version.VERSION_2Y, 9)));
        VaultAuthenticator perUser = VaultTesting.authenticator(VaultTesting.config(vault).setLayout(PasswordLayout.PER_USER), new VaultLoginConfig(), ticker, verifier);
        perUser.createAuthenticatedPrincipal("strong", "strong-pass");
        perUser.createAuthenticatedPrincipal("plain", "plain-pass");
        verifier.reset();
        assertDenied(perUser, "ghost", "x");
        assertThat(verifier.verified()).containsExactly("Bcrypt{cost=9}");
    }

    private ExecutorService executor(int threads)
    {
        ExecutorService executor = Executors.newFixedThreadPool(threads);
        executors.add(executor);
        return executor;
    }

    private static boolean denied(VaultAuthenticator authenticator, String user, String password)
    {
        try {
            authenticator.createAuthenticatedPrincipal(user, password);
            return false;
        }
        catch (AccessDeniedException e) {
            assertThat(e).hasMessage("Access Denied: Invalid credentials");
            return true;
        }
    }

    private static void assertDenied(VaultAuthenticator authenticator, String user, String password)
    {
        assertThatThrownBy(() -> authenticator.createAuthenticatedPrincipal(user, password))
                .isInstanceOf(AccessDeniedException.class)
                .hasMessage("Access Denied: Invalid credentials");
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

    /** Polls a condition (up to a generous 30s), for states another thread reaches. */
    private static void eventually(BooleanSupplier condition, String description)
    {
        assertEventually(new Duration(30, SECONDS), new Duration(5, MILLISECONDS), () -> assertThat(condition.getAsBoolean()).as(description).isTrue());
    }
}
