package dev.trinobundle.authenticator;

import com.google.common.base.Ticker;
import com.google.common.collect.ImmutableSortedSet;
import com.google.common.util.concurrent.ThreadFactoryBuilder;
import com.google.inject.Inject;
import io.airlift.log.Logger;
import io.trino.spi.security.AccessDeniedException;
import io.trino.spi.security.BasicPrincipal;
import io.trino.spi.security.PasswordAuthenticator;
import jakarta.annotation.PreDestroy;

import java.security.Principal;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.function.Function;

import static java.util.Objects.requireNonNull;
import static java.util.concurrent.TimeUnit.MILLISECONDS;

/**
 * Checks a user's password against the one stored in Vault. Wrong password, unknown user, refused user name and
 * lock-out all give the same {@link AccessDeniedException} ("Invalid credentials") after the same work; when Vault cannot
 * answer and no usable copy is cached, a {@link VaultUnavailableException} fails the login closed. Every attempt is logged
 * with user, outcome and reason, never the password.
 */
public final class VaultAuthenticator
        implements PasswordAuthenticator
{
    private static final Logger log = Logger.get(VaultAuthenticator.class);
    // per kind (names that exist or reached a lock-out / other names): what a flood of made-up names can make it remember
    private static final int MAX_THROTTLE_STATES = 100_000;
    private static final String INVALID_CREDENTIALS = "Invalid credentials";
    private static final String SATURATED_SLOTS = "too many password verifications at once (vault.hashing.max-concurrent, vault.hashing.max-queued)";
    // field names of single-user secrets; under MAP a field so named would be a user
    private static final Set<String> RESERVED_MAP_FIELDS = ImmutableSortedSet.of("user", "username", "login", "name", "pass", "password", "passwd", "secret");

    private final VaultAuthenticatorConfig config;
    private final VaultLoginConfig loginConfig;
    private final VaultClient vault;
    private final SecretCache secrets;
    private final VerifiedCredentials verifiedCredentials;
    private final LoginThrottle throttle;
    private final VerificationSlots verificationSlots;
    private final PasswordVerifier verifier;
    private final Optional<ExecutorService> ownedRefreshExecutor;
    private final Optional<ScheduledExecutorService> maintenance;
    // the dummy for unknown users follows the strongest stored kind and cost, never the last user tried
    private final DummySelection dummies = new DummySelection();
    private final Set<String> plainWarned = ConcurrentHashMap.newKeySet();
    private volatile Map<String, String> refusedShapeReported;

    @Inject
    public VaultAuthenticator(VaultAuthenticatorConfig config, VaultLoginConfig loginConfig, VaultClient vault, Ticker ticker, PasswordVerifier verifier)
    {
        this(config, loginConfig, vault, ticker, verifier, Executors.newFixedThreadPool(2, daemon("vault-authenticator-refresh-%s")), true);
    }

    /** For tests: the caller owns {@code refreshExecutor} and drives {@link #runMaintenance()} itself. */
    VaultAuthenticator(VaultAuthenticatorConfig config, VaultLoginConfig loginConfig, VaultClient vault, Ticker ticker, PasswordVerifier verifier, Executor refreshExecutor)
    {
        this(config, loginConfig, vault, ticker, verifier, refreshExecutor, false);
    }

    private VaultAuthenticator(VaultAuthenticatorConfig config, VaultLoginConfig loginConfig, VaultClient vault, Ticker ticker, PasswordVerifier verifier, Executor refreshExecutor,
            boolean ownThreads)
    {
        this.config = requireNonNull(config, "config is null");
        this.loginConfig = requireNonNull(loginConfig, "loginConfig is null");
        this.vault = requireNonNull(vault, "vault is null");
        requireNonNull(ticker, "ticker is null");
        this.verifier = requireNonNull(verifier, "verifier is null");
        if (config.getLayout() == PasswordLayout.SINGLE_USER && config.getDefaultUser() != null && !UserNames.isValid(config.getDefaultUser())) {
            throw new IllegalArgumentException("vault.single-user.default-user is not a valid user name: " + UserNames.forLog(config.getDefaultUser()));
        }
        this.secrets = new SecretCache(vault::readSecret, refreshExecutor, ticker, loginConfig);
        this.verifiedCredentials = new VerifiedCredentials(ticker, loginConfig.getCredentialCacheMaxSize(), loginConfig.getCredentialCacheTtl());
        this.throttle = new LoginThrottle(ticker, loginConfig.getThrottleMaxFailures(), loginConfig.getThrottleLockout(), loginConfig.getThrottleMaxLockout(),
                loginConfig.getThrottleLockedAttemptInterval(), loginConfig.getThrottleExemptUsers(), MAX_THROTTLE_STATES);
        this.verificationSlots = new VerificationSlots(loginConfig.getHashingMaxConcurrent(), loginConfig.getHashingMaxQueued(), loginConfig.getHashingMaxWait());
        if (loginConfig.getPlaintextPasswords() == PlaintextPasswords.ALLOW) {
            log.warn("vault.plaintext-passwords=ALLOW: stored values that look like no known hash are compared as plain passwords; "
                    + "store bcrypt hashes or plain:<password> values and remove the setting (default PREFIXED)");
        }
        if (ownThreads) {
            this.ownedRefreshExecutor = Optional.of((ExecutorService) refreshExecutor);
            ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(daemon("vault-authenticator-maintenance-%s"));
            long period = Math.clamp(loginConfig.getCacheTtl().toMillis() / 4, 50, 15_000);
            scheduler.scheduleWithFixedDelay(this::runMaintenanceQuietly, period, period, MILLISECONDS);
            this.maintenance = Optional.of(scheduler);
            if (config.getLayout() != PasswordLayout.PER_USER) {
                // warm the cache so that the first login does not wait; a failure here is logged by the first login instead
                secrets.prefetch(config.getKvPath());
            }
        }
        else {
            this.ownedRefreshExecutor = Optional.empty();
            this.maintenance = Optional.empty();
        }
    }

    @Override
    public Principal createAuthenticatedPrincipal(String user, String password)
    {
        if (password == null || password.isEmpty()) {
            // Trino refuses empty passwords before calling us; never let one reach a plain-text comparison
            logAttempt(user, "DENIED", "empty password");
            throw new AccessDeniedException(INVALID_CREDENTIALS);
        }
        if (!UserNames.isValid(user)) {
            return refuse(user, password, "user name refused (characters outside [A-Za-z0-9_.@+-], '..' or too long)");
        }
        Stored stored;
        try {
            stored = storedPassword(user);
        }
        catch (VaultUnavailableException e) {
            logAttempt(user, "ERROR", "password could not be checked: " + e.getMessage());
            throw e;
        }
        if (stored.status() == Stored.Status.SHAPE_REFUSED) {
            // not counted: once the operator fixes the layout, nobody must find themselves locked out
            return refuse(user, password, "MAP secret has the SINGLE_USER shape");
        }

        // A remembered digest implies the stored value parsed and matched this password before. It is checked before the
        // lock-out: someone who only knows the user name must not stop a client that holds the right password.
        boolean known = stored.status() == Stored.Status.FOUND;
        String digest = known ? verifiedCredentials.digest(user, stored.value(), password) : null;
        if (digest != null && verifiedCredentials.contains(digest)) {
            // Trino calls the authenticator once per query submission (POST /v1/statement; nextUri polls are PUBLIC
            // resources guarded by the slug): a repeat is the same client's next query, not a new login, hence DEBUG
            if (log.isDebugEnabled()) {
                log.debug("Vault password authentication: user=%s outcome=SUCCESS reason=password verified (cached)", UserNames.forLog(user));
            }
            return new BasicPrincipal(user);
        }
        if (digest == null) {
            return attempt(user, stored, password, null);
        }
        boolean[] verifiedHere = new boolean[1];
        try {
            verifiedCredentials.verifyOnce(digest, () -> {
                verifiedHere[0] = true;
                attempt(user, stored, password, digest);
            });
        }
        catch (NotVerifiedException e) {
            if (verifiedHere[0]) {
                throw new AccessDeniedException(INVALID_CREDENTIALS);
            }
            // the attempt this one joined was refused without a verdict on the password (lock-out, busy slots, an
            // interrupt): there is nothing to share, so this login makes its own attempt, through the cache again so
            // that a success is remembered (a joined NotVerifiedException reaches Trino as "Invalid credentials")
            verifiedCredentials.verifyOnce(digest, () -> attempt(user, stored, password, digest));
            return new BasicPrincipal(user);
        }
        catch (AccessDeniedException e) {
            if (!verifiedHere[0]) {
                logAttempt(user, "DENIED", "an identical attempt at the same time was denied");
            }
            throw new AccessDeniedException(INVALID_CREDENTIALS);
        }
        if (!verifiedHere[0] && log.isDebugEnabled()) {
            log.debug("Vault password authentication: user=%s outcome=SUCCESS reason=password verified (by an identical attempt at the same time)", UserNames.forLog(user));
        }
        return new BasicPrincipal(user);
    }

    /** One verification of one password, admitted by the throttle; throws unless the password matches. */
    private Principal attempt(String user, Stored stored, String password, String digest)
    {
        boolean known = digest != null;
        // reserved before any verification, and a failure until it succeeds: parallel guesses cannot overtake the count
        if (throttle.admit(user, known) == LoginThrottle.Admission.LOCKED_OUT) {
            logAttempt(user, "DENIED", "locked out after repeated failures");
            throw new NotVerifiedException();
        }
        boolean success = false;
        boolean verified = true;
        try {
            String reason = switch (stored.status()) {
                case SATURATED -> reasonAfterDummy(password, "too many secrets being read from Vault at once (vault.cache.max-concurrent-loads)");
                case ABSENT -> reasonAfterDummy(password, "unknown user");
                default -> verifyStored(user, stored.value(), password);
            };
            success = reason == null;
            // refused without comparing the password (slots or Vault lookups busy): no guess was made, so nothing is
            // counted, for known and unknown names alike; counting would let a spray lock out a client it never tested
            verified = success || (stored.status() != Stored.Status.SATURATED && !SATURATED_SLOTS.equals(reason));
            if (success) {
                logAttempt(user, "SUCCESS", "password verified");
                return new BasicPrincipal(user);
            }
            logAttempt(user, "DENIED", reason);
            throw verified ? new AccessDeniedException(INVALID_CREDENTIALS) : new NotVerifiedException();
        }
        finally {
            throttle.completed(user, known, !success && verified);
        }
    }

    /** @return null when the password matches, else why not */
    private String verifyStored(String user, String value, String password)
    {
        StoredPassword expected;
        try {
            expected = StoredPassword.parse(value, loginConfig.getPlaintextPasswords());
        }
        catch (IllegalArgumentException e) {
            // the message names the format or rule, never the value
            log.error("The password stored in Vault for user %s cannot be used: %s", UserNames.forLog(user), e.getMessage());
            return reasonAfterDummy(password, "stored password unusable");
        }
        if (expected instanceof StoredPassword.Plain && plainWarned.add(user)) {
            log.warn("The password of user %s is stored in Vault as plain text (vault.plaintext-passwords=%s): store a bcrypt hash, or set vault.plaintext-passwords=DENY once none is left",
                    UserNames.forLog(user), loginConfig.getPlaintextPasswords());
        }
        if (config.getLayout() == PasswordLayout.PER_USER) {
            dummies.seen(expected);
        }
        return switch (verify(expected, password)) {
            case MATCH -> null;
            case MISMATCH -> "wrong password";
            case NOT_RUN -> SATURATED_SLOTS;
        };
    }

    private VerificationSlots.Outcome verify(StoredPassword expected, String password)
    {
        if (expected.workFactor() == 0) {
            // a plain comparison costs nothing worth bounding
            return VerificationSlots.Outcome.of(verifier.verify(expected, password));
        }
        return verificationSlots.runInSlot(() -> verifier.verify(expected, password));
    }

    /** Spends the time a real verification would take, so that the answer time does not tell which users exist. */
    private String reasonAfterDummy(String password, String reason)
    {
        // a busy slot is reported alike for every name, known or not
        return verify(dummies.current(), password) == VerificationSlots.Outcome.NOT_RUN ? SATURATED_SLOTS : reason;
    }

    /** Refused before the throttle, so not counted as a failure: a dummy verification, then "Invalid credentials". */
    private Principal refuse(String user, String password, String reason)
    {
        logAttempt(user, "DENIED", reasonAfterDummy(password, reason));
        throw new AccessDeniedException(INVALID_CREDENTIALS);
    }

    /** Refused without a verdict on the password: an identical attempt waiting on this one must not share the refusal. */
    private static final class NotVerifiedException
            extends AccessDeniedException
    {
        NotVerifiedException()
        {
            super(INVALID_CREDENTIALS);
        }
    }

    /** What Vault holds for a user name: a stored value, nothing, or no answer because lookups or the secret's shape refused it. */
    private record Stored(Status status, String value)
    {
        enum Status
        {
            FOUND, ABSENT, SATURATED, SHAPE_REFUSED
        }

        static final Stored ABSENT = new Stored(Status.ABSENT, null);

        static Stored of(Optional<String> value)
        {
            return value.map(found -> new Stored(Status.FOUND, found)).orElse(ABSENT);
        }
    }

    private Stored storedPassword(String user)
    {
        return switch (config.getLayout()) {
            case MAP -> requiredSecret(config.getKvPath(), fields -> isSingleUserShape(fields)
                    ? new Stored(Stored.Status.SHAPE_REFUSED, null)
                    : Stored.of(Optional.ofNullable(fields.get(user))));
            case SINGLE_USER -> requiredSecret(config.getKvPath(), fields -> {
                String owner = Optional.ofNullable(fields.get(config.getUsernameField())).orElse(config.getDefaultUser());
                if (owner == null) {
                    log.error("Secret '%s' has no '%s' field and vault.single-user.default-user is not set: nobody can log in",
                            config.getKvPath(), config.getUsernameField());
                    return Stored.ABSENT;
                }
                return owner.equals(user) ? Stored.of(Optional.ofNullable(fields.get(config.getPasswordField()))) : Stored.ABSENT;
            });
            case PER_USER -> {
                SecretCache.Lookup lookup = secrets.get(config.getUserPathPrefix() + "/" + user);
                yield lookup.saturated()
                        ? new Stored(Stored.Status.SATURATED, null)
                        : Stored.of(lookup.secret().map(fields -> fields.get(config.getPasswordField())));
            }
        };
    }

    private Stored requiredSecret(String path, Function<Map<String, String>, Stored> read)
    {
        SecretCache.Lookup lookup = secrets.get(path);
        if (lookup.saturated()) {
            return new Stored(Stored.Status.SATURATED, null);
        }
        if (lookup.secret().isEmpty()) {
            log.warn("Vault has no secret at '%s' in mount '%s' (404: never written, deleted, or hidden by policy): nobody can log in", path, config.getKvMount());
            return Stored.ABSENT;
        }
        Map<String, String> fields = lookup.secret().get();
        if (config.getLayout() == PasswordLayout.SINGLE_USER) {
            Optional.ofNullable(fields.get(config.getPasswordField())).ifPresent(value -> dummies.strongestOf(fields, Set.of(value), loginConfig.getPlaintextPasswords()));
        }
        else {
            dummies.strongestOf(fields, fields.values(), loginConfig.getPlaintextPasswords());
        }
        return read.apply(fields);
    }

    /**
     * Under MAP every field is a user; a secret with fields of the SINGLE_USER shape ({@code username=admin password=<hash>},
     * the seed's shape, or other common names of such fields) would make "username" a user whose password is "admin". Such a
     * secret is refused as a whole.
     */
    private boolean isSingleUserShape(Map<String, String> fields)
    {
        boolean shape = fields.keySet().stream().anyMatch(field -> RESERVED_MAP_FIELDS.contains(field.toLowerCase(Locale.ROOT))
                || field.equals(config.getUsernameField()) || field.equals(config.getPasswordField()));
        if (shape && refusedShapeReported != fields) {
            refusedShapeReported = fields;
            log.error("Secret '%s' has a field named like a user or password field (%s, or vault.kv.username-field/password-field), the SINGLE_USER shape, "
                    + "but vault.password-layout=MAP treats every field as a user, so nobody can log in: set vault.password-layout=SINGLE_USER, or rename the fields",
                    config.getKvPath(), String.join(", ", RESERVED_MAP_FIELDS));
        }
        return shape;
    }

    private static void logAttempt(String user, String outcome, String reason)
    {
        log.info("Vault password authentication: user=%s outcome=%s reason=%s", UserNames.forLog(user), outcome, reason);
    }

    /** Background upkeep: refresh secrets that are due and renew the plugin's own token before it expires. */
    void runMaintenance()
    {
        secrets.refreshDue();
        vault.maintainToken();
    }

    private void runMaintenanceQuietly()
    {
        try {
            runMaintenance();
        }
        catch (RuntimeException e) {
            log.warn("Vault authenticator background maintenance failed: %s", e.getMessage());
        }
    }

    int cachedSecrets()
    {
        return secrets.size();
    }

    @PreDestroy
    public void shutdown()
    {
        maintenance.ifPresent(ScheduledExecutorService::shutdownNow);
        ownedRefreshExecutor.ifPresent(ExecutorService::shutdownNow);
        vault.close();
    }

    private static ThreadFactory daemon(String nameFormat)
    {
        return new ThreadFactoryBuilder().setNameFormat(nameFormat).setDaemon(true).build();
    }

    @Override
    public String toString()
    {
        return "VaultAuthenticator{layout=" + config.getLayout() + ", mount=" + config.getKvMount() + "}";
    }
}
