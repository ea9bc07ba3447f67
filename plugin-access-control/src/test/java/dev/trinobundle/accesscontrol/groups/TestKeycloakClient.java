package dev.trinobundle.accesscontrol.groups;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

final class TestKeycloakClient
{
    @Test
    void testOnlyTheExactUserNameGetsTheUsersGroups()
            throws Exception
    {
        // what Keycloak answers to users?exact=true&username=ALICE: its lower-cased user
        JsonNode users = new ObjectMapper().readTree("[{\"id\": \"4b1c\", \"username\": \"alice\"}]");
        assertThat(KeycloakClient.idOf(users, "alice")).isEqualTo("4b1c");
        assertThat(KeycloakClient.idOf(users, "ALICE")).isNull();
        assertThat(KeycloakClient.idOf(users, "Alice")).isNull();
    }
}
