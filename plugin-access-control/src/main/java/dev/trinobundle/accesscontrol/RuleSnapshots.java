package dev.trinobundle.accesscontrol;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import dev.trinobundle.accesscontrol.rules.Decision;
import dev.trinobundle.accesscontrol.rules.RuleSet;
import io.trino.spi.QueryId;

import java.util.List;
import java.util.Optional;

import static java.util.Objects.requireNonNull;
import static java.util.concurrent.TimeUnit.MINUTES;

/**
 * The rule set a check decides on. A reload may happen while a query is analysed, so a query's first check takes a
 * snapshot of the rules in force, keyed by query id, and its later checks (column masks, row filters, views) decide on
 * the same one. Snapshots are dropped when the query completes (the access control's event listener) and, as a
 * fallback, after {@link #IDLE_MINUTES} without a check or beyond {@link #MAX_QUERIES} queries.
 * Checks that Trino makes without a query id (impersonation, other users' queries, system information) read the rules
 * in force.
 */
final class RuleSnapshots
{
    static final int IDLE_MINUTES = 15;
    static final int MAX_QUERIES = 100_000;

    // every section present and empty: nothing is allowed (Trino's implicit system catalog rule only opens the catalog)
    private static final RuleSet DENY_ALL = RuleSet.builder("deny-all")
            .catalogs(Optional.of(List.of())).schemas(Optional.of(List.of())).tables(Optional.of(List.of()))
            .systemInformation(Optional.of(List.of())).systemSessionProperties(Optional.of(List.of()))
            .catalogSessionProperties(Optional.of(List.of())).functions(Optional.of(List.of())).procedures(Optional.of(List.of()))
            .queries(Optional.of(List.of())).impersonation(Optional.of(List.of())).principals(Optional.of(List.of()))
            .authorization(Optional.of(List.of()))
            .build();

    private final ReloadingRules rules;
    private final Cache<String, RuleSet> byQuery = CacheBuilder.newBuilder()
            .maximumSize(MAX_QUERIES)
            .expireAfterAccess(IDLE_MINUTES, MINUTES)
            .build();

    RuleSnapshots(ReloadingRules rules)
    {
        this.rules = requireNonNull(rules, "rules is null");
    }

    /** The rules in force now: the last good ones, or none with {@code security.on-invalid-rules=deny-all} while the file is invalid. */
    RuleSet current()
    {
        return rules.denyAll() ? DENY_ALL : rules.get();
    }

    /** The query's snapshot, taken at its first check. */
    RuleSet forQuery(QueryId queryId)
    {
        if (queryId == null) {
            return current();
        }
        RuleSet snapshot = byQuery.getIfPresent(queryId.getId());
        if (snapshot != null) {
            return snapshot;
        }
        return byQuery.asMap().computeIfAbsent(queryId.getId(), id -> current());
    }

    void queryCompleted(String queryId)
    {
        byQuery.invalidate(queryId);
    }

    /** What a denial says: the deciding rule, and the rules file's error while it is invalid. */
    String denialInfo(Decision decision)
    {
        String note = rules.staleNote();
        return note == null ? decision.denialInfo() : decision.denialInfo() + "; " + note;
    }
}
