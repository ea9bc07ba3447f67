package dev.trinobundle.accesscontrol.groups;

import com.google.common.base.Ticker;
import io.airlift.units.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static io.airlift.concurrent.Threads.daemonThreadsNamed;
import static io.trino.testing.assertions.Assert.assertEventually;
import static java.util.concurrent.Executors.newCachedThreadPool;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The cache's promises with a controlled clock and a fake Keycloak; the real one is in TestKeycloakGroupsOnTrino. */
final class TestKeycloakGroupProvider
{
    private final AtomicLong now = new AtomicLong();
    private final Ticker ticker = new Ticker() {
        @Override
        public long read()
        {
            return now.get();
        }
    };
    private final Map<String, Set<String>> keycloak = new ConcurrentHashMap<>(Map.of("carol", Set.of("contractors")));
    private final AtomicInteger requests = new AtomicInteger();
    private volatile boolean down;
    private volatile CountDownLatch hang;
    private final ExecutorService executor = newCachedThreadPool(daemonThreadsNamed("test-keycloak-%s"));
    private final KeycloakGroupProvider provider = new KeycloakGroupProvider(user -> {
        requests.incrementAndGet();
        if (hang != null) {
            hang.await();
        }
        if (down) {
            throw new java.net.ConnectException("Connection refused");
        }
        return Optional.ofNullable(keycloak.get(user));
    }, executor, executor, ticker, new KeycloakGroupProviderConfig()
            .setCacheTtl(new Duration(60, SECONDS))
            .setStaleWindow(new Duration(600, SECONDS))
            .setLookupTimeout(new Duration(200, MILLISECONDS)));

    @AfterEach
    void tearDown()
    {
        if (hang != null) {
            hang.countDown();
        }
        executor.shutdownNow();
    }

    private void advanceSeconds(long seconds)
    {
        now.addAndGet(SECONDS.toNanos(seconds));
    }

    @Test
    void testCachedWithinHalfTtlThenRefreshedInBackground()
    {
        assertThat(provider.getGroups("carol")).containsExactly("contractors");
        advanceSeconds(29);
        assertThat(provider.getGroups("carol")).containsExactly("contractors");
        assertThat(requests).hasValue(1);

        keycloak.put("carol", Set.of());
        advanceSeconds(2);
        // past half the TTL: the cached answer now, the fresh one after the background refresh
        assertThat(provider.getGroups("carol")).containsExactly("contractors");
        assertEventually(new io.airlift.units.Duration(10, SECONDS), () -> assertThat(provider.getGroups("carol")).isEmpty());
    }

    @Test
    void testRemovalSeenWithinTtl()
    {
        assertThat(provider.getGroups("carol")).containsExactly("contractors");
        keycloak.put("carol", Set.of());
        advanceSeconds(60);
        // at the TTL the caller waits for Keycloak: never an answer older than the TTL while Keycloak answers
        assertThat(provider.getGroups("carol")).isEmpty();
    }

    @Test
    void testStaleWindowWhileKeycloakIsDown()
    {
        assertThat(provider.getGroups("carol")).containsExactly("contractors");
        down = true;
        advanceSeconds(60 + 599);
        assertThat(provider.getGroups("carol")).containsExactly("contractors");
        advanceSeconds(2);
        assertThatThrownBy(() -> provider.getGroups("carol"))
                .isInstanceOf(KeycloakGroupProvider.GroupLookupException.class)
                .hasMessage("Cannot read the groups of carol from Keycloak: Connection refused");
    }

    @Test
    void testColdMissWaitsAtMostTheTimeout()
    {
        hang = new CountDownLatch(1);
        long start = System.nanoTime();
        assertThatThrownBy(() -> provider.getGroups("carol"))
                .isInstanceOf(KeycloakGroupProvider.GroupLookupException.class)
                .hasMessage("Keycloak did not answer the group lookup within 200ms (keycloak.lookup-timeout)");
        assertThat(System.nanoTime() - start).isLessThan(SECONDS.toNanos(5));
    }

    @Test
    void testConcurrentMissesShareOneRequest()
            throws Exception
    {
        hang = new CountDownLatch(1);
        for (int i = 0; i < 20; i++) {
            assertThatThrownBy(() -> provider.getGroups("carol")).isInstanceOf(KeycloakGroupProvider.GroupLookupException.class);
        }
        assertThat(requests).hasValue(1);
        hang.countDown();
        assertEventually(new io.airlift.units.Duration(10, SECONDS), () -> assertThat(provider.getGroups("carol")).containsExactly("contractors"));
        assertThat(requests).hasValue(1);
    }

    @Test
    void testFloodOfRequestedNamesIsBoundedAndKnownUsersKeepTheirGroups()
    {
        // any authenticated client picks the names (X-Trino-User is looked up before the impersonation check)
        KeycloakGroupProviderConfig config = new KeycloakGroupProviderConfig()
                .setCacheTtl(new Duration(60, SECONDS))
                .setLookupTimeout(new Duration(200, MILLISECONDS))
                .setMaxConcurrentLookups(2);
        ExecutorService refreshes = KeycloakGroupProviders.lookupExecutor(config, "test-refresh-%s");
        ExecutorService bounded = KeycloakGroupProviders.lookupExecutor(config, "test-lookup-%s");
        try {
            KeycloakGroupProvider flooded = new KeycloakGroupProvider(user -> {
                requests.incrementAndGet();
                if (hang != null && user.startsWith("made-up-")) {
                    hang.await();
                }
                return Optional.ofNullable(keycloak.get(user));
            }, refreshes, bounded, ticker, config);
            assertThat(flooded.getGroups("carol")).containsExactly("contractors");
            advanceSeconds(31);
            hang = new CountDownLatch(1);
            requests.set(0);
            int refusedAtOnce = 0;
            for (int i = 0; i < 1_000; i++) {
                try {
                    flooded.getGroups("made-up-" + i);
                }
                catch (KeycloakGroupProvider.GroupLookupException e) {
                    if (e.getMessage().equals("Too many group lookups are waiting for Keycloak (keycloak.max-concurrent-lookups)")) {
                        refusedAtOnce++;
                    }
                }
            }
            // two lookups in flight, sixteen queued, the rest refused without a thread or a request each
            assertThat(requests).hasValue(2);
            assertThat(refusedAtOnce).isEqualTo(1_000 - 2 - 16);
            // carol's cached groups answer; she is removed from her group in Keycloak during the flood, and her
            // refreshes (a pool no made-up name reaches) still see it within the TTL
            assertThat(flooded.getGroups("carol")).containsExactly("contractors");
            keycloak.put("carol", Set.of());
            advanceSeconds(60);
            assertThat(flooded.getGroups("carol")).isEmpty();
        }
        finally {
            hang.countDown();
            refreshes.shutdownNow();
            bounded.shutdownNow();
        }
    }

    @Test
    void testMadeUpNamesDoNotEvictKnownUsers()
    {
        KeycloakGroupProvider small = new KeycloakGroupProvider(user -> {
            requests.incrementAndGet();
            return Optional.ofNullable(keycloak.get(user));
        }, executor, executor, ticker, new KeycloakGroupProviderConfig()
                .setCacheMaximumSize(10)
                .setLookupTimeout(new Duration(5, SECONDS)));
        assertThat(small.getGroups("carol")).containsExactly("contractors");
        for (int i = 0; i < 100; i++) {
            assertThat(small.getGroups("made-up-" + i)).isEmpty();
        }
        requests.set(0);
        assertThat(small.getGroups("carol")).containsExactly("contractors");
        assertThat(requests).hasValue(0);
        // a made-up name asked again within the TTL is answered from its own cache
        assertThat(small.getGroups("made-up-99")).isEmpty();
        assertThat(requests).hasValue(0);
    }
}
