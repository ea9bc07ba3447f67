package dev.trinobundle.accesscontrol.tool;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

final class TestExamples
{
    @Test
    void testExamplesMatchTheRegex()
    {
        assertThat(Examples.of("admin", "someone")).containsExactly("admin");
        assertThat(Examples.of("alice|bob", "someone")).containsExactly("alice", "bob");
        assertThat(Examples.of(".*", "someone")).containsExactly("someone");
        assertThat(Examples.of(".*@company\\.com", "someone")).containsExactly("someone@company.com");
        assertThat(Examples.of("[^@]+@(corp|company)\\.com", "someone")).containsExactly("someone@corp.com", "someone@company.com");
        assertThat(Examples.of("report_[a-z]{3}", "someone")).containsExactly("report_aaa");
        assertThat(Examples.of("(?i)ADMIN", "someone")).containsExactly("ADMIN");
        assertThat(Examples.of("team_(?<team>[a-z]+)_admin", "someone")).containsExactly("team_someone_admin");
        // the filler does not fit [0-9]+: the atom once does
        assertThat(Examples.of("user[0-9]+", "someone")).containsExactly("user0");
    }

    @Test
    void testNoExampleForWhatItCannotRead()
    {
        assertThat(Examples.of("(a)\\1", "someone")).isEmpty();
        assertThat(Examples.of("(?=x).*", "someone")).isEmpty();
        assertThat(Examples.of("[", "someone")).isEmpty();
    }
}
