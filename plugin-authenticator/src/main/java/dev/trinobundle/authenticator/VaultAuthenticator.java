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
    private final VaultClient vault;
    private final SecretCache secrets;
    private final VerifiedCredentials verifiedCredentials;
    private final LoginThrottle throttle;
    private final Optional<ExecutorService> ownedRefreshExecutor;
    private final Optional<ScheduledExecutorService> maintenance;
    private volatile StoredPassword dummyReference = DummyPasswords.bcrypt(DummyPasswords.DEFAULT_BCRYPT_COST);

    @Inject
    public VaultAuthenticator(VaultAuthenticatorConfig config, VaultClient vault, Ticker ticker)
    {
        this(config, vault, ticker, Executors.newFixedThreadPool(2, daemon("vault-authenticator-refresh-%s")), true);
    }

    /** For tests: the caller owns {@code refreshExecutor} and drives {@link #runMaintenance()} itself. */
    VaultAuthenticator(VaultAuthenticatorConfig config, VaultClient vault, Ticker ticker, Executor refreshExecutor)
    {
        this(config, vault, ticker, refreshExecutor, false);
    }

    private VaultAuthenticator(VaultAuthenticatorConfig config, VaultClient vault, Ticker ticker, Executor refreshExecutor, boolean ownThreads)
    {
        this.config = requireNonNull(config, "config is null");
        this.vault = requireNonNull(vault, "vault is null");
        requireNonNull(ticker, "ticker is null");
        if (config.getLayout() == PasswordLayout.SINGLE_USER && config.getDefaultUser() != null && !UserNames.isValid(config.getDefaultUser())) {
            throw new IllegalArgumentException("vault.single-user.default-user is not a valid user name: " + UserNames.forLog(config.getDefaultUser()));
        }
        this.secrets = new SecretCache(vault::readSecret, refreshExecutor, ticker, config.getCacheTtl(), config.getStaleWindow(), config.getCacheMaxEntries());
        this.verifiedCredentials = new VerifiedCredentials(ticker, config.getCredentialCacheMaxSize(), config.getCredentialCacheTtl());
        this.throttle = new LoginThrottle(ticker, config.getThrottleMaxFailures(), config.getThrottleLockout(), config.getThrottleMaxLockout());
        if (ownThreads) {
            this.ownedRefreshExecutor = Optional.of((ExecutorService) refreshExecutor);
            ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(daemon("vault-authenticator-maintenance-%s"));
            long period = Math.clamp(config.getCacheTtl().toMillis() / 4, 50, 15_000);
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
        if (throttle.isLockedOut(user)) {
            logAttempt(user, "DENIED", "locked out after repeated failures");
            throw new AccessDeniedException(INVALID_CREDENTIALS);
        }

        Optional<String> stored;
        try {
            stored = storedPassword(user);
        }
        catch (VaultUnavailableException e) {
            logAttempt(user, "ERROR", "password could not be checked: " + e.getMessage());
            throw e;
        }
        if (stored.isEmpty()) {
            return deny(user, password, "unknown user", true);
        }

        // a remembered digest implies the stored value parsed and matched this password before
        String digest = verifiedCredentials.digest(user, stored.get(), password);
        if (verifiedCredentials.contains(digest)) {
            // Trino authenticates every HTTP request of a query (each nextUri poll): repeats of a verified credential
            // are not new logins, so they are logged at DEBUG instead of adding an INFO line per poll
            throttle.recordSuccess(user);
            if (log.isDebugEnabled()) {
                // this runs for every poll of every query: no log string unless someone asked for it
                log.debug("Vault password authentication: user=%s outcome=SUCCESS reason=password verified (cached)", UserNames.forLog(user));
            }
            return new BasicPrincipal(user);
        }

        StoredPassword expected;
        try {
            expected = StoredPassword.parse(stored.get());
        }
        catch (IllegalArgumentException e) {
            log.error("The password stored in Vault for user %s cannot be used: %s", UserNames.forLog(user), e.getMessage());
            return deny(user, password, "stored password unusable", true);
        }
        boolean matches = expected.matches(password);
        dummyReference = expected.dummy();
        if (!matches) {
            throttle.recordFailure(user);
            logAttempt(user, "DENIED", "wrong password");
            throw new AccessDeniedException(INVALID_CREDENTIALS);
        }
        verifiedCredentials.add(digest);
        return accept(user, "password verified");
    }

    private Principal accept(String user, String reason)
    {
        throttle.recordSuccess(user);
        logAttempt(user, "SUCCESS", reason);
        return new BasicPrincipal(user);
    }

    private Principal deny(String user, String password, String reason, boolean countFailure)
    {
        // spend the time a real verification would take, so that the answer time does not tell which users exist
        dummyReference.matches(password);
        if (countFailure) {
            throttle.recordFailure(user);
        }
        logAttempt(user, "DENIED", reason);
        throw new AccessDeniedException(INVALID_CREDENTIALS);
    }

    private Optional<String> storedPassword(String user)
    {
        return switch (config.getLayout()) {
            case MAP -> requiredSecret(config.getKvPath()).map(fields -> fields.get(user));
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
        }
        return secret;
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
