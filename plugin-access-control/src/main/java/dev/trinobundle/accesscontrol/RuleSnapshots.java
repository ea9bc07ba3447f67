package dev.trinobundle.accesscontrol;

import com.google.common.annotations.VisibleForTesting;
import com.google.common.base.Ticker;
import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import dev.trinobundle.accesscontrol.rules.Decision;
import dev.trinobundle.accesscontrol.rules.RuleSet;
import io.trino.spi.QueryId;

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

    private final ReloadingRules rules;
    private final Cache<String, RuleSet> byQuery;

    RuleSnapshots(ReloadingRules rules)
    {
        this(rules, Ticker.systemTicker());
    }

    @VisibleForTesting
    RuleSnapshots(ReloadingRules rules, Ticker ticker)
    {
        this.rules = requireNonNull(rules, "rules is null");
        this.byQuery = CacheBuilder.newBuilder()
                .maximumSize(MAX_QUERIES)
                .expireAfterAccess(IDLE_MINUTES, MINUTES)
                .ticker(ticker)
                .build();
    }

    /** The rules in force now (see {@link ReloadingRules#get()}). */
    RuleSet current()
    {
        return rules.get();
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

    /** What a denial says: the deciding rule, and where the rules file is invalid while it is. */
    String denialInfo(Decision decision)
    {
        String note = rules.staleNote();
        return note == null ? decision.denialInfo() : decision.denialInfo() + "; " + note;
    }
}
