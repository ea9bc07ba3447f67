package dev.trinobundle.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * A self-signed server certificate for {@code localhost}/{@code 127.0.0.1}, generated at test time with the JDK's
 * {@code keytool}: a PKCS12 key store for Trino ({@code http-server.https.keystore.path}) and the certificate as PEM for
 * clients ({@code SSLTrustStorePath} of trino-jdbc, {@code verify=} of the Python client, nginx, curl).
 */
public record SelfSignedCertificate(Path keyStore, String keyStorePassword, Path certificatePem)
{
    public SelfSignedCertificate
    {
        requireNonNull(keyStore, "keyStore is null");
        requireNonNull(keyStorePassword, "keyStorePassword is null");
        requireNonNull(certificatePem, "certificatePem is null");
    }

    public static SelfSignedCertificate generate(Path directory, Path jdk, String... extraDnsNames)
    {
        Path keyStore = directory.resolve("server.p12");
        Path pem = directory.resolve("server.pem");
        String password = "changeit-" + Long.toHexString(System.nanoTime());
        StringBuilder san = new StringBuilder("SAN=dns:localhost,ip:127.0.0.1");
        for (String name : extraDnsNames) {
            san.append(",dns:").append(name);
        }
        String keytool = jdk.resolve("bin/keytool").toString();
        try {
            TrinoDistribution.deleteRecursively(keyStore);
            TrinoDistribution.run(List.of(keytool, "-genkeypair", "-alias", "trino", "-keyalg", "RSA", "-keysize", "2048",
                    "-validity", "30", "-dname", "CN=localhost", "-ext", san.toString(),
                    "-storetype", "PKCS12", "-keystore", keyStore.toString(), "-storepass", password, "-keypass", password));
            TrinoDistribution.run(List.of(keytool, "-exportcert", "-rfc", "-alias", "trino",
                    "-keystore", keyStore.toString(), "-storepass", password, "-file", pem.toString()));
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot generate a self-signed certificate in " + directory, e);
        }
        return new SelfSignedCertificate(keyStore, password, pem);
    }
}
