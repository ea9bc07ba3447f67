package dev.trinobundle.authenticator;

import io.airlift.configuration.Config;
import io.airlift.configuration.ConfigDescription;
import io.airlift.configuration.ConfigSecuritySensitive;
import io.airlift.units.Duration;
import io.airlift.units.MaxDuration;
import io.airlift.units.MinDuration;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;

import static java.util.concurrent.TimeUnit.SECONDS;

/**
 * Properties of {@code password-authenticator.name=vault}. The address, token, namespace and CA file fall back to
 * {@code VAULT_ADDR}, {@code VAULT_TOKEN}, {@code VAULT_NAMESPACE} and {@code VAULT_CACERT} when unset; that merge is done
 * by {@link VaultConnectionSettings} so that this class stays a plain record of what the operator wrote. How logins are
 * cached and protected is in {@link VaultLoginConfig}, how Vault requests are retried in {@link VaultRetryConfig}.
 */
public class VaultAuthenticatorConfig
{
    // relative Vault paths: segments of safe characters, no empty, "." or ".." segment
    private static final String SAFE_PATH = "(?!(.*/)?\\.\\.?(/.*)?$)[A-Za-z0-9_.@+-]+(/[A-Za-z0-9_.@+-]+)*";

    private String address;
    private boolean allowInsecure;
    private String namespace;
    private String caCertFile;
    private Duration httpTimeout = new Duration(10, SECONDS);

    private AuthMethod authMethod = AuthMethod.TOKEN;
    private String token;
    private String tokenFile;
    private String appRoleMount = "approle";
    private String appRoleRoleId;
    private String appRoleSecretIdFile;
    private String kubernetesMount = "kubernetes";
    private String kubernetesRole;
    private String kubernetesJwtFile = "/var/run/secrets/kubernetes.io/serviceaccount/token";

    private String kvMount = "secret";
    private int kvVersion = 2;
    private PasswordLayout layout = PasswordLayout.MAP;
    private String kvPath = "trino/password";
    private String userPathPrefix = "trino/users";
    private String passwordField = "password";
    private String usernameField = "username";
    private String defaultUser;

    public String getAddress()
    {
        return address;
    }

    @Config("vault.address")
    @ConfigDescription("Vault address, e.g. https://vault.example.com:8200 (default: VAULT_ADDR)")
    public VaultAuthenticatorConfig setAddress(String address)
    {
        this.address = address;
        return this;
    }

    public boolean isAllowInsecure()
    {
        return allowInsecure;
    }

    @Config("vault.allow-insecure")
    @ConfigDescription("Allow an http:// Vault address (passwords and tokens travel in clear text)")
    public VaultAuthenticatorConfig setAllowInsecure(boolean allowInsecure)
    {
        this.allowInsecure = allowInsecure;
        return this;
    }

    public String getNamespace()
    {
        return namespace;
    }

    @Config("vault.namespace")
    @ConfigDescription("Vault Enterprise/OpenBao namespace sent as X-Vault-Namespace (default: VAULT_NAMESPACE)")
    public VaultAuthenticatorConfig setNamespace(String namespace)
    {
        this.namespace = namespace;
        return this;
    }

    public String getCaCertFile()
    {
        return caCertFile;
    }

    @Config("vault.ca-cert-file")
    @ConfigDescription("PEM file with the CA certificate(s) that sign Vault's TLS certificate (default: VAULT_CACERT)")
    public VaultAuthenticatorConfig setCaCertFile(String caCertFile)
    {
        this.caCertFile = caCertFile;
        return this;
    }

    @NotNull
    @MinDuration("1ms")
    @MaxDuration("5m")
    public Duration getHttpTimeout()
    {
        return httpTimeout;
    }

    @Config("vault.http-timeout")
    @ConfigDescription("Connect and response timeout of one Vault HTTP request")
    public VaultAuthenticatorConfig setHttpTimeout(Duration httpTimeout)
    {
        this.httpTimeout = httpTimeout;
        return this;
    }

    @NotNull
    public AuthMethod getAuthMethod()
    {
        return authMethod;
    }

    @Config("vault.auth-method")
    @ConfigDescription("How the plugin logs in to Vault: TOKEN, APPROLE or KUBERNETES")
    public VaultAuthenticatorConfig setAuthMethod(AuthMethod authMethod)
    {
        this.authMethod = authMethod;
        return this;
    }

    public String getToken()
    {
        return token;
    }

    @Config("vault.token")
    @ConfigSecuritySensitive
    @ConfigDescription("Vault token for vault.auth-method=TOKEN (default: VAULT_TOKEN); prefer vault.token-file")
    public VaultAuthenticatorConfig setToken(String token)
    {
        this.token = token;
        return this;
    }

    public String getTokenFile()
    {
        return tokenFile;
    }

    @Config("vault.token-file")
    @ConfigDescription("File holding the Vault token for vault.auth-method=TOKEN; re-read when Vault rejects the token")
    public VaultAuthenticatorConfig setTokenFile(String tokenFile)
    {
        this.tokenFile = tokenFile;
        return this;
    }

    @NotNull
    @Pattern(regexp = SAFE_PATH, message = "must be a Vault mount path such as approle")
    public String getAppRoleMount()
    {
        return appRoleMount;
    }

    @Config("vault.approle.mount")
    @ConfigDescription("Mount path of the AppRole auth method")
    public VaultAuthenticatorConfig setAppRoleMount(String appRoleMount)
    {
        this.appRoleMount = appRoleMount;
        return this;
    }

    public String getAppRoleRoleId()
    {
        return appRoleRoleId;
    }

    @Config("vault.approle.role-id")
    @ConfigDescription("AppRole role id")
    public VaultAuthenticatorConfig setAppRoleRoleId(String appRoleRoleId)
    {
        this.appRoleRoleId = appRoleRoleId;
        return this;
    }

    public String getAppRoleSecretIdFile()
    {
        return appRoleSecretIdFile;
    }

    @Config("vault.approle.secret-id-file")
    @ConfigDescription("File holding the AppRole secret id; re-read at every login")
    public VaultAuthenticatorConfig setAppRoleSecretIdFile(String appRoleSecretIdFile)
    {
        this.appRoleSecretIdFile = appRoleSecretIdFile;
        return this;
    }

    @NotNull
    @Pattern(regexp = SAFE_PATH, message = "must be a Vault mount path such as kubernetes")
    public String getKubernetesMount()
    {
        return kubernetesMount;
    }

    @Config("vault.kubernetes.mount")
    @ConfigDescription("Mount path of the Kubernetes auth method")
    public VaultAuthenticatorConfig setKubernetesMount(String kubernetesMount)
    {
        this.kubernetesMount = kubernetesMount;
        return this;
    }

    public String getKubernetesRole()
    {
        return kubernetesRole;
    }

    @Config("vault.kubernetes.role")
    @ConfigDescription("Vault role bound to the Trino service account")
    public VaultAuthenticatorConfig setKubernetesRole(String kubernetesRole)
    {
        this.kubernetesRole = kubernetesRole;
        return this;
    }

    @NotNull
    public String getKubernetesJwtFile()
    {
        return kubernetesJwtFile;
    }

    @Config("vault.kubernetes.jwt-file")
    @ConfigDescription("Service-account JWT file; re-read at every login because projected tokens rotate")
    public VaultAuthenticatorConfig setKubernetesJwtFile(String kubernetesJwtFile)
    {
        this.kubernetesJwtFile = kubernetesJwtFile;
        return this;
    }

    @NotNull
    @Pattern(regexp = SAFE_PATH, message = "must be a Vault mount path such as secret")
    public String getKvMount()
    {
        return kvMount;
    }

    @Config("vault.kv.mount")
    @ConfigDescription("Mount path of the KV secrets engine")
    public VaultAuthenticatorConfig setKvMount(String kvMount)
    {
        this.kvMount = kvMount;
        return this;
    }

    @Min(1)
    @Max(2)
    public int getKvVersion()
    {
        return kvVersion;
    }

    @Config("vault.kv.version")
    @ConfigDescription("Version of the KV secrets engine at vault.kv.mount: 1 or 2")
    public VaultAuthenticatorConfig setKvVersion(int kvVersion)
    {
        this.kvVersion = kvVersion;
        return this;
    }

    @NotNull
    public PasswordLayout getLayout()
    {
        return layout;
    }

    @Config("vault.password-layout")
    @ConfigDescription("Where passwords are: MAP (one secret, user=password fields), SINGLE_USER or PER_USER")
    public VaultAuthenticatorConfig setLayout(PasswordLayout layout)
    {
        this.layout = layout;
        return this;
    }

    @NotNull
    @Pattern(regexp = SAFE_PATH, message = "must be a relative secret path such as trino/password")
    public String getKvPath()
    {
        return kvPath;
    }

    @Config("vault.kv.path")
    @ConfigDescription("Secret path (inside the mount) for the MAP and SINGLE_USER layouts")
    public VaultAuthenticatorConfig setKvPath(String kvPath)
    {
        this.kvPath = kvPath;
        return this;
    }

    @NotNull
    @Pattern(regexp = SAFE_PATH, message = "must be a relative secret path such as trino/users")
    public String getUserPathPrefix()
    {
        return userPathPrefix;
    }

    @Config("vault.kv.user-path-prefix")
    @ConfigDescription("For the PER_USER layout: user U's secret is at <prefix>/U")
    public VaultAuthenticatorConfig setUserPathPrefix(String userPathPrefix)
    {
        this.userPathPrefix = userPathPrefix;
        return this;
    }

    @NotNull
    public String getPasswordField()
    {
        return passwordField;
    }

    @Config("vault.kv.password-field")
    @ConfigDescription("Field holding the password in the SINGLE_USER and PER_USER layouts")
    public VaultAuthenticatorConfig setPasswordField(String passwordField)
    {
        this.passwordField = passwordField;
        return this;
    }

    @NotNull
    public String getUsernameField()
    {
        return usernameField;
    }

    @Config("vault.kv.username-field")
    @ConfigDescription("Field naming the user in the SINGLE_USER layout")
    public VaultAuthenticatorConfig setUsernameField(String usernameField)
    {
        this.usernameField = usernameField;
        return this;
    }

    public String getDefaultUser()
    {
        return defaultUser;
    }

    @Config("vault.single-user.default-user")
    @ConfigDescription("User of the SINGLE_USER layout when the secret has no username field, e.g. admin")
    public VaultAuthenticatorConfig setDefaultUser(String defaultUser)
    {
        this.defaultUser = defaultUser;
        return this;
    }

    @AssertTrue(message = "vault.auth-method=APPROLE requires vault.approle.role-id and vault.approle.secret-id-file")
    public boolean isAppRoleComplete()
    {
        return authMethod != AuthMethod.APPROLE || (appRoleRoleId != null && appRoleSecretIdFile != null);
    }

    @AssertTrue(message = "vault.auth-method=KUBERNETES requires vault.kubernetes.role")
    public boolean isKubernetesComplete()
    {
        return authMethod != AuthMethod.KUBERNETES || kubernetesRole != null;
    }
}
