package dev.trinobundle.authenticator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * Obtains a fresh token for the plugin. Implementations read their credential files at every call, because the files
 * rotate underneath us (Kubernetes projected tokens, secret ids renewed by an operator, token files written by Vault Agent).
 */
sealed interface VaultLogin
        permits VaultLogin.StaticToken, VaultLogin.AppRole, VaultLogin.Kubernetes
{
    VaultToken login(VaultHttp http, long nowNanos);

    /** Whether a rejected token can be replaced by logging in again (a static inline token cannot). */
    boolean canLogInAgain();

    static VaultLogin create(VaultAuthenticatorConfig config, VaultEnvironment environment)
    {
        return switch (config.getAuthMethod()) {
            case TOKEN -> {
                if (config.getToken() != null && config.getTokenFile() != null) {
                    throw new IllegalArgumentException("vault.token and vault.token-file cannot both be set: keep one");
                }
                if (config.getTokenFile() != null) {
                    yield new StaticToken(Optional.empty(), Optional.of(Path.of(config.getTokenFile())));
                }
                Optional<String> inline = Optional.ofNullable(config.getToken()).map(String::trim).filter(value -> !value.isEmpty())
                        .or(() -> environment.get(VaultEnvironment.VAULT_TOKEN));
                if (inline.isEmpty()) {
                    throw new IllegalArgumentException("vault.auth-method=TOKEN needs a token: set vault.token-file, vault.token or the VAULT_TOKEN environment variable");
                }
                yield new StaticToken(inline, Optional.empty());
            }
            case APPROLE -> new AppRole(config.getAppRoleMount(), config.getAppRoleRoleId(), Path.of(config.getAppRoleSecretIdFile()));
            case KUBERNETES -> new Kubernetes(config.getKubernetesMount(), config.getKubernetesRole(), Path.of(config.getKubernetesJwtFile()));
        };
    }

    /**
     * A token given to us; "logging in" is {@code auth/token/lookup-self}, which tells whether it is valid, renewable and
     * how long it lives.
     */
    record StaticToken(Optional<String> inline, Optional<Path> file)
            implements VaultLogin
    {
        public StaticToken
        {
            requireNonNull(inline, "inline is null");
            requireNonNull(file, "file is null");
        }

        @Override
        public VaultToken login(VaultHttp http, long nowNanos)
        {
            String token = inline.orElseGet(() -> readCredentialFile(file.orElseThrow(), "vault.token-file"));
            VaultHttp.Response response = http.get("auth/token/lookup-self", Optional.of(token));
            if (response.status() == 403) {
                throw new VaultUnavailableException("Vault rejected the plugin's token (" + response.describe() + " on auth/token/lookup-self): " +
                        "it is invalid, expired or revoked; put a valid token in " + (file.isPresent() ? "vault.token-file" : "vault.token / VAULT_TOKEN"));
            }
            if (response.status() != 200) {
                throw new VaultUnavailableException("Vault token lookup failed: " + response.describe() + " on auth/token/lookup-self");
            }
            JsonNode data = response.body().path("data");
            return new VaultToken(token, data.path("renewable").asBoolean(false), data.path("ttl").asLong(0), nowNanos);
        }

        @Override
        public boolean canLogInAgain()
        {
            return file.isPresent();
        }

        @Override
        public String toString()
        {
            return "StaticToken{" + file.map(path -> "file=" + path).orElse("inline=<redacted>") + "}";
        }
    }

    record AppRole(String mount, String roleId, Path secretIdFile)
            implements VaultLogin
    {
        public AppRole
        {
            requireNonNull(mount, "mount is null");
            requireNonNull(roleId, "roleId is null");
            requireNonNull(secretIdFile, "secretIdFile is null");
        }

        @Override
        public VaultToken login(VaultHttp http, long nowNanos)
        {
            ObjectNode body = VaultHttp.mapper().createObjectNode()
                    .put("role_id", roleId)
                    .put("secret_id", readCredentialFile(secretIdFile, "vault.approle.secret-id-file"));
            return loginResponse(http.post("auth/" + mount + "/login", Optional.empty(), body), "auth/" + mount + "/login",
                    "check vault.approle.role-id and the secret id in " + secretIdFile, nowNanos);
        }

        @Override
        public boolean canLogInAgain()
        {
            return true;
        }

        @Override
        public String toString()
        {
            return "AppRole{mount=" + mount + ", secretIdFile=" + secretIdFile + "}";
        }
    }

    record Kubernetes(String mount, String role, Path jwtFile)
            implements VaultLogin
    {
        public Kubernetes
        {
            requireNonNull(mount, "mount is null");
            requireNonNull(role, "role is null");
            requireNonNull(jwtFile, "jwtFile is null");
        }

        @Override
        public VaultToken login(VaultHttp http, long nowNanos)
        {
            ObjectNode body = VaultHttp.mapper().createObjectNode()
                    .put("role", role)
                    .put("jwt", readCredentialFile(jwtFile, "vault.kubernetes.jwt-file"));
            return loginResponse(http.post("auth/" + mount + "/login", Optional.empty(), body), "auth/" + mount + "/login",
                    "check vault.kubernetes.role=" + role + " and that the service account token in " + jwtFile + " is bound to it", nowNanos);
        }

        @Override
        public boolean canLogInAgain()
        {
            return true;
        }
    }

    private static VaultToken loginResponse(VaultHttp.Response response, String path, String hint, long nowNanos)
    {
        if (response.status() != 200) {
            throw new VaultUnavailableException("Vault login failed: " + response.describe() + " on " + path + "; " + hint);
        }
        JsonNode auth = response.body().path("auth");
        String token = auth.path("client_token").asText("");
        if (token.isEmpty()) {
            throw new VaultUnavailableException("Vault login on " + path + " returned no auth.client_token");
        }
        return new VaultToken(token, auth.path("renewable").asBoolean(false), auth.path("lease_duration").asLong(0), nowNanos);
    }

    private static String readCredentialFile(Path file, String property)
    {
        try {
            String value = Files.readString(file, StandardCharsets.UTF_8).trim();
            if (value.isEmpty()) {
                throw new VaultUnavailableException(property + " " + file + " is empty");
            }
            return value;
        }
        catch (IOException e) {
            throw new VaultUnavailableException("Cannot read " + property + " " + file + ": " + e, e);
        }
    }
}
