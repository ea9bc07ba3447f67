package dev.trinobundle.authenticator;

import com.google.common.base.Ticker;
import com.google.common.util.concurrent.ThreadFactoryBuilder;
import com.google.inject.Inject;
import io.airlift.log.Logger;
import io.trino.spi.security.AccessDeniedException;
import io.trino.spi.security.BasicPrincipal;
import io.trino.spi.security.PasswordAuthenticator;
import jakarta.annotation.PreDestroy;

import java.security.Principal;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;

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
    private static final String INVALID_CREDENTIALS = "Invalid credentials";

    private final VaultAuthenticatorConfig config;
    private final VaultLoginConfig loginConfig;
    private final VaultClient vault;
    private final SecretCache secrets;
    private final VerifiedCredentials verifiedCredentials;
    private final LoginThrottle throttle;
    private final VerificationSlots verificationSlots;
    private final Optional<ExecutorService> ownedRefreshExecutor;
    private final Optional<ScheduledExecutorService> maintenance;
    // the dummy for unknown users follows the strongest stored kind and cost, never the last user tried
    private final DummySelection dummies = new DummySelection();
    private final Set<String> plainWarned = ConcurrentHashMap.newKeySet();
    private volatile Map<String, String> refusedShapeReported;

    @Inject
    public VaultAuthenticator(VaultAuthenticatorConfig config, VaultLoginConfig loginConfig, VaultClient vault, Ticker ticker)
    {
        this(config, loginConfig, vault, ticker, Executors.newFixedThreadPool(2, daemon("vault-authenticator-refresh-%s")), true);
    }

    /** For tests: the caller owns {@code refreshExecutor} and drives {@link #runMaintenance()} itself. */
    VaultAuthenticator(VaultAuthenticatorConfig config, VaultLoginConfig loginConfig, VaultClient vault, Ticker ticker, Executor refreshExecutor)
    {
        this(config, loginConfig, vault, ticker, refreshExecutor, false);
    }

    private VaultAuthenticator(VaultAuthenticatorConfig config, VaultLoginConfig loginConfig, VaultClient vault, Ticker ticker, Executor refreshExecutor, boolean ownThreads)
    {
        this.config = requireNonNull(config, "config is null");
        this.loginConfig = requireNonNull(loginConfig, "loginConfig is null");
        this.vault = requireNonNull(vault, "vault is null");
        requireNonNull(ticker, "ticker is null");
        if (config.getLayout() == PasswordLayout.SINGLE_USER && config.getDefaultUser() != null && !UserNames.isValid(config.getDefaultUser())) {
            throw new IllegalArgumentException("vault.single-user.default-user is not a valid user name: " + UserNames.forLog(config.getDefaultUser()));
        }
        this.secrets = new SecretCache(vault::readSecret, refreshExecutor, ticker, loginConfig);
        this.verifiedCredentials = new VerifiedCredentials(ticker, loginConfig.getCredentialCacheMaxSize(), loginConfig.getCredentialCacheTtl());
        this.throttle = new LoginThrottle(ticker, loginConfig.getThrottleMaxFailures(), loginConfig.getThrottleLockout(), loginConfig.getThrottleMaxLockout(),
                loginConfig.getThrottleExemptUsers());
        this.verificationSlots = new VerificationSlots(loginConfig.getHashingMaxConcurrent(), loginConfig.getHashingMaxWait());
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
            return deny(user, password, "user name refused (characters outside [A-Za-z0-9_.@+-], '..' or too long)", false);
        }
        Optional<String> stored;
        try {
            stored = storedPassword(user);
        }
        catch (VaultUnavailableException e) {
            logAttempt(user, "ERROR", "password could not be checked: " + e.getMessage());
            throw e;
        }
        catch (SingleUserShapeException e) {
            return deny(user, password, "MAP secret has the SINGLE_USER shape", true);
        }

        // A remembered digest implies the stored value parsed and matched this password before. It is checked before the
        // lock-out: someone who only knows the user name must not stop a client that holds the right password.
        String digest = stored.map(value -> verifiedCredentials.digest(user, value, password)).orElse(null);
        if (digest != null && verifiedCredentials.contains(digest)) {
            // Trino calls the authenticator once per query submission (POST /v1/statement; nextUri polls are PUBLIC
            // resources guarded by the slug): a repeat is the same client's next query, not a new login, hence DEBUG
            if (log.isDebugEnabled()) {
                log.debug("Vault password authentication: user=%s outcome=SUCCESS reason=password verified (cached)", UserNames.forLog(user));
            }
            return new BasicPrincipal(user);
        }
        if (throttle.isLockedOut(user)) {
            logAttempt(user, "DENIED", "locked out after repeated failures");
            throw new AccessDeniedException(INVALID_CREDENTIALS);
        }
        if (stored.isEmpty()) {
            return deny(user, password, "unknown user", true);
        }

        StoredPassword expected;
        try {
            expected = StoredPassword.parse(stored.get(), loginConfig.getPlaintextPasswords());
        }
        catch (IllegalArgumentException e) {
            // the message names the format or rule, never the value
            log.error("The password stored in Vault for user %s cannot be used: %s", UserNames.forLog(user), e.getMessage());
            return deny(user, password, "stored password unusable", true);
        }
        if (expected instanceof StoredPassword.Plain && plainWarned.add(user)) {
            log.warn("The password of user %s is stored in Vault as plain text (vault.plaintext-passwords=%s): store a bcrypt hash, or set vault.plaintext-passwords=DENY once none is left",
                    UserNames.forLog(user), loginConfig.getPlaintextPasswords());
        }
        if (config.getLayout() == PasswordLayout.PER_USER) {
            dummies.seen(expected);
        }
        boolean[] matches = new boolean[1];
        if (!verify(expected, password, matches)) {
            logAttempt(user, "DENIED", "too many password verifications at once (vault.hashing.max-concurrent)");
            throw new AccessDeniedException(INVALID_CREDENTIALS);
        }
        if (!matches[0]) {
            throttle.recordFailure(user);
            logAttempt(user, "DENIED", "wrong password");
            throw new AccessDeniedException(INVALID_CREDENTIALS);
        }
        verifiedCredentials.add(digest);
        logAttempt(user, "SUCCESS", "password verified");
        return new BasicPrincipal(user);
    }

    /** @return false when no verification slot was free in time; else {@code matches[0]} holds the result */
    private boolean verify(StoredPassword expected, String password, boolean[] matches)
    {
        if (expected.workFactor() == 0) {
            // a plain comparison costs nothing worth bounding
            matches[0] = expected.matches(password);
            return true;
        }
        return verificationSlots.runInSlot(() -> matches[0] = expected.matches(password));
    }

    private Principal deny(String user, String password, String reason, boolean countFailure)
    {
        // spend the time a real verification would take, so that the answer time does not tell which users exist
        verify(dummies.current(), password, new boolean[1]);
        if (countFailure) {
            throttle.recordFailure(user);
        }
        logAttempt(user, "DENIED", reason);
        throw new AccessDeniedException(INVALID_CREDENTIALS);
    }

    private Optional<String> storedPassword(String user)
    {
        return switch (config.getLayout()) {
            case MAP -> requiredSecret(config.getKvPath()).map(this::checkMapShape).map(fields -> fields.get(user));
            case SINGLE_USER -> requiredSecret(config.getKvPath()).flatMap(fields -> {
                String owner = Optional.ofNullable(fields.get(config.getUsernameField())).orElse(config.getDefaultUser());
                if (owner == null) {
                    log.error("Secret '%s' has no '%s' field and vault.single-user.default-user is not set: nobody can log in",
                            config.getKvPath(), config.getUsernameField());
                    return Optional.empty();
                }
                return owner.equals(user) ? Optional.ofNullable(fields.get(config.getPasswordField())) : Optional.empty();
            });
            case PER_USER -> secrets.get(config.getUserPathPrefix() + "/" + user).map(fields -> fields.get(config.getPasswordField()));
        };
    }

    private Optional<Map<String, String>> requiredSecret(String path)
    {
        Optional<Map<String, String>> secret = secrets.get(path);
        if (secret.isEmpty()) {
            log.warn("Vault has no secret at '%s' in mount '%s' (404: never written, deleted, or hidden by policy): nobody can log in", path, config.getKvMount());
            return secret;
        }
        Map<String, String> fields = secret.get();
        if (config.getLayout() == PasswordLayout.SINGLE_USER) {
            Optional.ofNullable(fields.get(config.getPasswordField())).ifPresent(value -> dummies.strongestOf(fields, Set.of(value), loginConfig.getPlaintextPasswords()));
        }
        else {
            dummies.strongestOf(fields, fields.values(), loginConfig.getPlaintextPasswords());
        }
        return secret;
    }

    /**
     * Under MAP every field is a user; a secret with the SINGLE_USER fields ({@code username=admin password=<hash>}, the
     * seed's shape) would make "username" a user whose password is "admin". Such a secret is refused as a whole.
     */
    private Map<String, String> checkMapShape(Map<String, String> fields)
    {
        if (!fields.containsKey(config.getUsernameField()) && !fields.containsKey(config.getPasswordField())) {
            return fields;
        }
        if (refusedShapeReported != fields) {
            refusedShapeReported = fields;
            log.error("Secret '%s' has a '%s' or '%s' field, the SINGLE_USER shape, but vault.password-layout=MAP treats every field as a user, so nobody can log in: "
                    + "set vault.password-layout=SINGLE_USER, or rename the fields (MAP reserves the names in vault.kv.username-field and vault.kv.password-field)",
                    config.getKvPath(), config.getUsernameField(), config.getPasswordField());
        }
        throw new SingleUserShapeException();
    }

    private static final class SingleUserShapeException
            extends RuntimeException
    {
        SingleUserShapeException()
        {
            super(null, null, false, false);
        }
    }

    /** The dummy verified for unknown users, for tests: its kind and cost. */
    String dummyForUnknownUsers()
    {
        return dummies.current().toString();
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
