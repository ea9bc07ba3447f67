package dev.trinobundle.authenticator;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.base.Ticker;
import com.google.common.collect.ImmutableMap;
import io.airlift.log.Logger;

import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * Reads KV secrets with the plugin's own token, and keeps that token alive: renewed once two thirds of its lease have
 * passed (when renewable), replaced by a new login when it expired or Vault answers 403. A 403 that survives a fresh login
 * is a policy problem and is reported as such.
 */
public final class VaultClient
        implements AutoCloseable
{
    private static final Logger log = Logger.get(VaultClient.class);

    private final VaultHttp http;
    private final VaultLogin login;
    private final String kvMount;
    private final int kvVersion;
    private final Ticker ticker;

    private VaultToken token;

    VaultClient(VaultHttp http, VaultLogin login, String kvMount, int kvVersion, Ticker ticker)
    {
        this.http = requireNonNull(http, "http is null");
        this.login = requireNonNull(login, "login is null");
        this.kvMount = requireNonNull(kvMount, "kvMount is null");
        this.kvVersion = kvVersion;
        this.ticker = requireNonNull(ticker, "ticker is null");
    }

    /**
     * The fields of the secret at {@code path} (relative to the KV mount), or empty when Vault answers 404: never written,
     * soft-deleted or destroyed (KV v2), or hidden from our policy.
     */
    public Optional<Map<String, String>> readSecret(String path)
    {
        String apiPath = kvVersion == 2 ? kvMount + "/data/" + path : kvMount + "/" + path;
        VaultHttp.Response response = http.get(apiPath, Optional.of(currentToken().value()));
        if (response.status() == 403) {
            String first = response.describe();
            VaultToken fresh = replaceRejectedToken();
            response = http.get(apiPath, Optional.of(fresh.value()));
            if (response.status() == 403) {
                throw new VaultUnavailableException("Vault denied reading " + apiPath + " (" + first + ", again after a new login): " +
                        "grant the plugin's policy \"read\" on " + apiPath);
            }
        }
        return switch (response.status()) {
            case 200 -> Optional.of(fields(kvVersion == 2 ? response.body().path("data").path("data") : response.body().path("data"), apiPath));
            case 404 -> Optional.empty();
            default -> throw new VaultUnavailableException("Vault is unavailable: unexpected " + response.describe() + " reading " + apiPath);
        };
    }

    private static Map<String, String> fields(JsonNode data, String apiPath)
    {
        if (data.isNull() || data.isMissingNode()) {
            // KV v2 answers deleted versions with 404; a 200 without data is treated the same way: no passwords here
            return ImmutableMap.of();
        }
        if (!data.isObject()) {
            throw new VaultUnavailableException("Vault returned a secret at " + apiPath + " that is not a JSON object");
        }
        ImmutableMap.Builder<String, String> fields = ImmutableMap.builder();
        data.properties().forEach(field -> {
            JsonNode value = field.getValue();
            if (value.isValueNode() && !value.isNull()) {
                fields.put(field.getKey(), value.asText());
            }
        });
        return fields.buildOrThrow();
    }

    /** Called by the authenticator's background task so that an idle plugin still renews its token in time. */
    public void maintainToken()
    {
        currentToken();
    }

    private synchronized VaultToken currentToken()
    {
        long now = ticker.read();
        if (token == null || token.isExpired(now)) {
            token = login.login(http, now);
            log.info("Logged in to Vault with %s (lease %ss, renewable %s)", login, token.leaseDurationSeconds(), token.renewable());
            return token;
        }
        if (token.isRenewalDue(now)) {
            renew(now);
        }
        return token;
    }

    private void renew(long now)
    {
        VaultHttp.Response response;
        try {
            response = http.post("auth/token/renew-self", Optional.of(token.value()), VaultHttp.mapper().createObjectNode());
        }
        catch (VaultUnavailableException e) {
            // the current token is still valid until it expires: keep using it and try again on the next request
            log.warn("Vault token renewal failed, keeping the current token until it expires: %s", e.getMessage());
            return;
        }
        if (response.status() == 200) {
            JsonNode auth = response.body().path("auth");
            token = new VaultToken(token.value(), auth.path("renewable").asBoolean(false), auth.path("lease_duration").asLong(0), now);
            log.debug("Renewed the Vault token (lease %ss)", token.leaseDurationSeconds());
            return;
        }
        log.warn("Vault refused to renew the plugin's token (%s); logging in again", response.describe());
        if (login.canLogInAgain()) {
            token = login.login(http, now);
        }
        else {
            // an inline static token cannot be replaced; stop renewing it and use it until Vault rejects it
            token = new VaultToken(token.value(), false, token.leaseDurationSeconds(), token.obtainedAtNanos());
        }
    }

    private synchronized VaultToken replaceRejectedToken()
    {
        if (!login.canLogInAgain()) {
            throw new VaultUnavailableException("Vault answered 403 to the plugin's inline token: the token was revoked or its policy " +
                    "does not allow this read; fix the policy, or use vault.token-file, AppRole or Kubernetes auth so the plugin can log in again");
        }
        log.info("Vault answered 403 to the plugin's token; logging in again with %s", login);
        token = login.login(http, ticker.read());
        return token;
    }

    @Override
    public void close()
    {
        http.close();
    }
}
