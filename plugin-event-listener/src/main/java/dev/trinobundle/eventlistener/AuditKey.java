package dev.trinobundle.eventlistener;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Set;

import static java.lang.String.format;
/**
 * The MAC key of the record chain and the checkpoints: HMAC-SHA256 with the bytes of a key file (one trailing line
 * break ignored, at least 32 bytes, e.g. {@code openssl rand -hex 32}). Without a key the chain is plain SHA-256, which
 * detects accidents but not someone who rewrites the files. The key id is a digest of the key, so it names the key
 * without revealing it. Messages name the file, never its content.
 */
public final class AuditKey
{
    private static final int MIN_KEY_BYTES = 32;

    private final byte[] key;
    private final String keyId;

    private AuditKey(byte[] key)
    {
        this.key = key;
        this.keyId = key == null ? null : HexFormat.of().formatHex(sha256().digest(key), 0, 8);
    }

    public static AuditKey unkeyed()
    {
        return new AuditKey(null);
    }

    public static AuditKey fromFile(Path file)
            throws IOException
    {
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        }
        catch (IOException e) {
            throw new IOException(format("Cannot read the audit MAC key file %s (audit.mac.key-file): %s. It must be readable by the Trino user", file, e), e);
        }
        int length = content.length;
        if (length > 0 && content[length - 1] == '\n') {
            length--;
            if (length > 0 && content[length - 1] == '\r') {
                length--;
            }
        }
        if (length < MIN_KEY_BYTES) {
            throw new IOException(format("The audit MAC key file %s (audit.mac.key-file) holds %s bytes; it needs at least %s. Create one with: openssl rand -hex 32 > %s",
                    file, length, MIN_KEY_BYTES, file));
        }
        return new AuditKey(Arrays.copyOf(content, length));
    }

    /**
     * Whether users other than the file's owner (and group) may read a key file: they could then forge the chain.
     */
    static boolean readableByOthers(Path file)
    {
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
            return permissions.contains(PosixFilePermission.OTHERS_READ) || permissions.contains(PosixFilePermission.GROUP_READ);
        }
        catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    public boolean isKeyed()
    {
        return key != null;
    }

    /**
     * A short digest of the key, or null without a key.
     */
    public String keyId()
    {
        return keyId;
    }

    /**
     * A new (not thread-safe) MAC: HMAC-SHA256 with the key, or SHA-256 without one.
     */
    public Hasher newHasher()
    {
        if (key == null) {
            MessageDigest digest = sha256();
            return new Hasher(digest::update, digest::update, digest::digest);
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return new Hasher(mac::update, mac::update, mac::doFinal);
        }
        catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
        }
    }

    /**
     * The MAC of an ASCII or UTF-8 text, as hex.
     */
    String macHex(byte[] bytes)
    {
        Hasher hasher = newHasher();
        hasher.update(bytes, 0, bytes.length);
        return HexFormat.of().formatHex(hasher.finish());
    }

    private static MessageDigest sha256()
    {
        try {
            return MessageDigest.getInstance("SHA-256");
        }
        catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    }

    public static final class Hasher
    {
        private final RangeUpdate range;
        private final ByteUpdate single;
        private final Finish finish;

        private Hasher(RangeUpdate range, ByteUpdate single, Finish finish)
        {
            this.range = range;
            this.single = single;
            this.finish = finish;
        }

        public void update(byte[] bytes, int offset, int length)
        {
            range.update(bytes, offset, length);
        }

        public void update(byte b)
        {
            single.update(b);
        }

        /**
         * The MAC of everything updated since the last call; the hasher is then reset.
         */
        public byte[] finish()
        {
            return finish.finish();
        }

        private interface RangeUpdate
        {
            void update(byte[] bytes, int offset, int length);
        }

        private interface ByteUpdate
        {
            void update(byte b);
        }

        private interface Finish
        {
            byte[] finish();
        }
    }
}
