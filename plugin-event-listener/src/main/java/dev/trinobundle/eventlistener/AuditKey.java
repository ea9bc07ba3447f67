package dev.trinobundle.eventlistener;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;

import static java.lang.String.format;
import static java.nio.charset.StandardCharsets.US_ASCII;

/**
 * The HMAC-SHA256 key of the record chain and the checkpoints: a key file's bytes (one trailing line break ignored, at
 * least 32). A chain anyone can compute shows accidents, not a rewrite. The key id names the key without revealing it,
 * and messages name the file, never its content.
 */
public final class AuditKey
{
    // derives the key id (the MAC of the key under this fixed key), as since the first keyed version
    private static final AuditKey KEY_ID_KEY = new AuditKey("trino-audit-unkeyed".getBytes(US_ASCII), null);

    private final SecretKeySpec key;
    private final String keyId;

    private AuditKey(byte[] key, String keyId)
    {
        this.key = new SecretKeySpec(key, "HmacSHA256");
        this.keyId = keyId;
    }

    public static AuditKey fromFile(Path file)
    {
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        }
        catch (IOException e) {
            throw new IllegalStateException(format("Cannot read the audit MAC key file %s (audit.mac.key-file): %s. It must be readable by the Trino user", file, e), e);
        }
        int length = content.length;
        if (length > 0 && content[length - 1] == '\n') {
            length -= length > 1 && content[length - 2] == '\r' ? 2 : 1;
        }
        if (length < 32) {
            throw new IllegalStateException(format("The audit MAC key file %s (audit.mac.key-file) holds %s bytes; it needs at least 32. Create one with: openssl rand -hex 32 > %s", file, length, file));
        }
        byte[] key = Arrays.copyOf(content, length);
        return new AuditKey(key, KEY_ID_KEY.macHex(key).substring(0, 16));
    }

    public String keyId()
    {
        return keyId;
    }

    // not thread-safe
    public Mac newMac()
    {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac;
        }
        catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
        }
    }

    String macHex(byte[] bytes)
    {
        return HexFormat.of().formatHex(newMac().doFinal(bytes));
    }

    // whether the line carries this key's id and MAC (compared in constant time)
    boolean signed(AuditFiles.Line line)
    {
        Mac mac = newMac();
        mac.update(line.line(), 0, line.signedLength());
        mac.update((byte) '}');
        return keyId.equals(line.keyId()) && MessageDigest.isEqual(HexFormat.of().formatHex(mac.doFinal()).getBytes(US_ASCII), line.mac().getBytes(US_ASCII));
    }
}
