package dev.trinobundle.authenticator;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * Where and how to reach Vault: the operator's properties with the standard {@code VAULT_*} variables as defaults,
 * checked so that a mistake is reported at startup, naming the property to fix.
 */
public record VaultConnectionSettings(URI address, Optional<String> namespace, Optional<Path> caCertFile)
{
    public VaultConnectionSettings
    {
        requireNonNull(address, "address is null");
        requireNonNull(namespace, "namespace is null");
        requireNonNull(caCertFile, "caCertFile is null");
    }

    public static VaultConnectionSettings resolve(VaultAuthenticatorConfig config, VaultEnvironment environment)
    {
        String addressText = Optional.ofNullable(config.getAddress()).map(String::trim).filter(value -> !value.isEmpty())
                .or(() -> environment.get(VaultEnvironment.VAULT_ADDR))
                .orElseThrow(() -> new IllegalArgumentException(
                        "Vault address is not configured: set vault.address (or the VAULT_ADDR environment variable)"));
        URI address;
        try {
            address = new URI(addressText.endsWith("/") ? addressText.substring(0, addressText.length() - 1) : addressText);
        }
        catch (URISyntaxException e) {
            throw new IllegalArgumentException("vault.address is not a valid URI: " + e.getMessage(), e);
        }
        if (address.getHost() == null || address.getRawQuery() != null || address.getRawFragment() != null || address.getRawUserInfo() != null) {
            throw new IllegalArgumentException("vault.address must look like https://host:8200, got: " + addressText);
        }
        String scheme = address.getScheme();
        if ("http".equalsIgnoreCase(scheme)) {
            if (!config.isAllowInsecure()) {
                throw new IllegalArgumentException("vault.address uses http://, which sends passwords and tokens in clear text; " +
                        "use https:// or set vault.allow-insecure=true");
            }
        }
        else if (!"https".equalsIgnoreCase(scheme)) {
            throw new IllegalArgumentException("vault.address must start with https:// (or http:// with vault.allow-insecure=true), got: " + addressText);
        }

        Optional<String> namespace = Optional.ofNullable(config.getNamespace()).map(String::trim).filter(value -> !value.isEmpty())
                .or(() -> environment.get(VaultEnvironment.VAULT_NAMESPACE));

        Optional<Path> caCertFile = Optional.ofNullable(config.getCaCertFile()).map(String::trim).filter(value -> !value.isEmpty())
                .or(() -> environment.get(VaultEnvironment.VAULT_CACERT))
                .map(Path::of);
        caCertFile.ifPresent(file -> {
            if (!Files.isReadable(file)) {
                throw new IllegalArgumentException("vault.ca-cert-file (or VAULT_CACERT) is not a readable file: " + file);
            }
        });
        return new VaultConnectionSettings(address, namespace, caCertFile);
    }
}
