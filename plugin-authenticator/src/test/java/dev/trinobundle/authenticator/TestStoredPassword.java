package dev.trinobundle.authenticator;

import at.favre.lib.crypto.bcrypt.BCrypt;
import org.junit.jupiter.api.Test;

import static dev.trinobundle.authenticator.TestVaultAuthenticator.bcrypt;
import static dev.trinobundle.authenticator.TestVaultAuthenticator.pbkdf2;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

final class TestStoredPassword
{
    @Test
    void testFormatsAreRecognised()
            throws Exception
    {
        assertThat(StoredPassword.parse(bcrypt("pw", BCrypt.Version.VERSION_2Y, 10))).isInstanceOf(StoredPassword.Bcrypt.class);
        assertThat(StoredPassword.parse(pbkdf2("pw", 1000))).isInstanceOf(StoredPassword.Pbkdf2.class);
        assertThat(StoredPassword.parse("plain:correct horse battery staple")).isInstanceOf(StoredPassword.Plain.class);
        // by default an unprefixed value is refused; under ALLOW it is a plain password unless it could be a hash
        assertThatThrownBy(() -> StoredPassword.parse("correct horse battery staple")).hasMessageContaining("refused as an unsupported format");
        assertThat(StoredPassword.parse("correct horse battery staple", PlaintextPasswords.ALLOW)).isInstanceOf(StoredPassword.Plain.class);
        // something with a scheme-like prefix could be a hash line (Werkzeug, htpasswd): refused even under ALLOW
        assertThatThrownBy(() -> StoredPassword.parse("a:b:c", PlaintextPasswords.ALLOW)).hasMessageContaining("a scheme: prefix");
    }

    @Test
    void testWeakOrBrokenHashesAreRefused()
            throws Exception
    {
        assertThatThrownBy(() -> StoredPassword.parse(bcrypt("pw", BCrypt.Version.VERSION_2Y, 7)))
                .hasMessage("bcrypt cost 7 is outside 8..31");
        assertThatThrownBy(() -> StoredPassword.parse(pbkdf2("pw", 999)))
                .hasMessage("PBKDF2 iterations 999 are below 1000");
        assertThatThrownBy(() -> StoredPassword.parse(""))
                .hasMessage("stored password is empty");
        assertThatThrownBy(() -> StoredPassword.parse("$2y$10$tooShort"))
                .hasMessageStartingWith("stored value starts like a bcrypt hash but is not one");
    }

    @Test
    void testDummiesMatchNothingAndKeepTheCost()
            throws Exception
    {
        StoredPassword bcrypt = StoredPassword.parse(bcrypt("pw", BCrypt.Version.VERSION_2Y, 9));
        assertThat(bcrypt.dummy().toString()).isEqualTo("Bcrypt{cost=9}");
        assertThat(bcrypt.dummy().matches("pw")).isFalse();
        StoredPassword pbkdf2 = StoredPassword.parse(pbkdf2("pw", 1500));
        assertThat(pbkdf2.dummy().toString()).isEqualTo("Pbkdf2{iterations=1500}");
        assertThat(pbkdf2.dummy().matches("pw")).isFalse();
        assertThat(StoredPassword.parse("plain:pw").dummy().matches("pw")).isFalse();
    }

    @Test
    void testOverlongPasswordDoesNotMatchBcrypt()
    {
        StoredPassword stored = StoredPassword.parse(bcrypt("short", BCrypt.Version.VERSION_2Y, 8));
        assertThat(stored.matches("x".repeat(200))).isFalse();
    }

    @Test
    void testVerifiedCredentialDigestsHideThePasswordAndFollowRotation()
    {
        VerifiedCredentials credentials = new VerifiedCredentials(new ManualTicker(), 10, new io.airlift.units.Duration(1, java.util.concurrent.TimeUnit.MINUTES));
        String digest = credentials.digest("admin", "stored-v1", "pw");
        assertThat(digest).doesNotContain("pw").hasSize(64);
        assertThat(credentials.digest("admin", "stored-v1", "pw")).isEqualTo(digest);
        assertThat(credentials.digest("admin", "stored-v2", "pw")).isNotEqualTo(digest);
        assertThat(credentials.digest("admin", "stored-v1p", "w")).isNotEqualTo(digest);
        assertThat(credentials.digest("bob", "stored-v1", "pw")).isNotEqualTo(digest);
        // another process (another key) derives different digests
        assertThat(new VerifiedCredentials(new ManualTicker(), 10, new io.airlift.units.Duration(1, java.util.concurrent.TimeUnit.MINUTES))
                .digest("admin", "stored-v1", "pw")).isNotEqualTo(digest);
        assertThat(credentials.contains(digest)).isFalse();
        assertThatThrownBy(() -> credentials.verifyOnce(digest, () -> {
            throw new IllegalStateException("wrong password");
        })).hasMessage("wrong password");
        assertThat(credentials.contains(digest)).isFalse();
        credentials.verifyOnce(digest, () -> {});
        assertThat(credentials.contains(digest)).isTrue();
    }
}
