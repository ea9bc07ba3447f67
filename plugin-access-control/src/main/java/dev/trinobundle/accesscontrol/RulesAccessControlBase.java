package dev.trinobundle.accesscontrol;

import com.google.common.collect.ImmutableSet;
import dev.trinobundle.accesscontrol.rules.Decision;
import dev.trinobundle.accesscontrol.rules.IdentityRules.CatalogScope;
import dev.trinobundle.accesscontrol.rules.MatchBudget;
import dev.trinobundle.accesscontrol.rules.MatchBudgetExceededException;
import dev.trinobundle.accesscontrol.rules.RuleIdentity;
import dev.trinobundle.accesscontrol.rules.Operation;
import dev.trinobundle.accesscontrol.rules.RuleSet;
import dev.trinobundle.accesscontrol.rules.Target;
import dev.trinobundle.accesscontrol.rules.Visibility;
import io.trino.spi.connector.CatalogSchemaName;
import io.trino.spi.connector.CatalogSchemaRoutineName;
import io.trino.spi.connector.CatalogSchemaTableName;
import io.trino.spi.eventlistener.EventListener;
import io.trino.spi.eventlistener.QueryCompletedEvent;
import io.trino.spi.security.AccessDeniedException;
import io.trino.spi.security.Identity;
import io.trino.spi.security.PrincipalType;
import io.trino.spi.security.SystemAccessControl;
import io.trino.spi.security.SystemSecurityContext;
import io.trino.spi.security.TrinoPrincipal;

import java.security.Principal;
import java.util.function.Consumer;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;


/**
 * What every check of {@link RulesSystemAccessControl} shares: the per-query rule snapshots, enforcement with the
 * denial log and staleness note, the regex budget of filters, row filters and masks, and the helpers of the ownership
 * checks. The checks themselves are split by what they are about: {@link PrincipalChecks} (who the user is, queries,
 * session properties, routines, privileges and ownership changes), {@link CatalogSchemaChecks} and
 * {@link RulesSystemAccessControl} (tables, views, columns, row filters and masks).
 */
abstract sealed class RulesAccessControlBase
        implements SystemAccessControl
        permits PrincipalChecks
{
    protected final RuleSnapshots snapshots;
    protected final DenialLog denialLog;
    private final Runnable shutdown;

    RulesAccessControlBase(ReloadingRules rules, boolean logDenials, Runnable shutdown)
    {
        this.snapshots = new RuleSnapshots(requireNonNull(rules, "rules is null"));
        this.denialLog = new DenialLog(logDenials);
        this.shutdown = requireNonNull(shutdown, "shutdown is null");
    }

    /** The query's snapshot of the rules (see {@link RuleSnapshots}). */
    protected RuleSet rules(SystemSecurityContext context)
    {
        return snapshots.forQuery(context.getQueryId());
    }

    /** The identity's and the catalog's part of a filter, decided once with its own budget. */
    protected CatalogScope scope(SystemSecurityContext context, String catalogName)
    {
        return rules(context).forIdentity(ruleIdentity(context)).forCatalog(catalogName, MatchBudget.forDecision());
    }

    protected static RuleIdentity ruleIdentity(Identity identity)
    {
        return new RuleIdentity(identity.getUser(), identity.getEnabledRoles(), identity.getGroups());
    }

    protected static RuleIdentity ruleIdentity(SystemSecurityContext context)
    {
        return ruleIdentity(context.getIdentity());
    }

    /** Throws through {@code deny} (one of Trino's helpers, given the extra information) if the decision denies. */
    protected void enforce(Decision decision, Identity identity, String check, Object object, Consumer<String> deny)
    {
        if (!decision.allowed()) {
            denialLog.denied(identity.getUser(), identity.getPrincipal().map(Principal::getName).orElse(null), check, object == null ? null : object.toString(), decision);
            deny.accept(snapshots.denialInfo(decision));
            throw new IllegalStateException("deny helper returned");
        }
    }

    /** {@link #check(SystemSecurityContext, Operation, Target, Object, Consumer)} for the checks that take an identity. */
    protected void check(RuleSet rules, Identity identity, Operation operation, Target target, Object object, Consumer<String> deny)
    {
        enforce(operation.decide(rules, ruleIdentity(identity), target), identity, operation.checkName(), object, deny);
    }

    protected void enforce(Decision decision, SystemSecurityContext context, String check, Object object, Consumer<String> deny)
    {
        enforce(decision, context.getIdentity(), check, object, deny);
    }

    /**
     * A filter, row filter or mask. If the part decided once (the identity's rules, the catalog, the table of a mask)
     * gives up on hostile input, it is denied like a check, audited and with the staleness note: showing or hiding
     * everything, or applying no mask, on a guess would fail open. Elements of a filter are decided one by one in
     * {@link RuleFilters}, and only a hostile element is hidden.
     */
    protected <T> T filter(Identity identity, String check, String object, Supplier<T> filter, Consumer<String> deny)
    {
        try {
            return filter.get();
        }
        catch (MatchBudgetExceededException e) {
            enforce(new Decision(false, "regex budget", null, e.getMessage()), identity, check, object, deny);
            throw new IllegalStateException("enforce returned", e);
        }
    }

    /** Logs an element a filter left out; its name is client input and possibly huge, so only its length and hash. */
    protected Visibility.Hidden hidden(Identity identity, String check)
    {
        return (element, e) -> denialLog.hidden(identity.getUser(), identity.getPrincipal().map(Principal::getName).orElse(null), check, element, e.getMessage());
    }

    protected static void denyMasksOrFilters(String what, String object, String info)
    {
        throw new AccessDeniedException("Cannot compute the %s %s: %s".formatted(what, object, info));
    }

    /** Decides {@code operation} on the query's snapshot of the rules, for the context's identity. */
    protected Decision decide(SystemSecurityContext context, Operation operation, Target target)
    {
        return operation.decide(rules(context), ruleIdentity(context), target);
    }

    /** Decides {@code operation} and, if it denies, logs it as {@code object} and throws through {@code deny}. */
    protected void check(SystemSecurityContext context, Operation operation, Target target, Object object, Consumer<String> deny)
    {
        enforce(decide(context, operation, target), context, operation.checkName(), object, deny);
    }

    protected static Target target(CatalogSchemaTableName table)
    {
        return Target.object(table.getCatalogName(), table.getSchemaTableName().getSchemaName(), table.getSchemaTableName().getTableName());
    }

    protected static Target target(CatalogSchemaName schema)
    {
        return Target.schema(schema.getCatalogName(), schema.getSchemaName());
    }

    protected static Target target(CatalogSchemaRoutineName routine)
    {
        return Target.object(routine.getCatalogName(), routine.getSchemaName(), routine.getRoutineName());
    }

    protected static Target.Owner owner(TrinoPrincipal principal)
    {
        return new Target.Owner(principal.getName(), principal.getType() == PrincipalType.ROLE);
    }

    @Override
    public Iterable<EventListener> getEventListeners()
    {
        // drops the query's rule snapshot as soon as the query is done
        return ImmutableSet.of(new EventListener()
        {
            @Override
            public void queryCompleted(QueryCompletedEvent event)
            {
                snapshots.queryCompleted(event.getMetadata().getQueryId());
            }
        });
    }

    @Override
    public void shutdown()
    {
        shutdown.run();
    }
}
