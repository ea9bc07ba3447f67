package dev.trinobundle.authenticator;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Which dummy an unknown user's password is verified against: that of the strongest stored kind and cost, so that an
 * unknown user costs as much as the most expensive known one. For one secret (MAP, SINGLE_USER) it is computed from all
 * its values whenever a new copy arrives; for PER_USER, where only the users tried are seen, it only ever moves up.
 * Before anything was seen it is a bcrypt hash of the default cost.
 */
final class DummySelection
{
    private record Selection(Object source, StoredPassword strongest) {}

    private final AtomicReference<Selection> selection = new AtomicReference<>(new Selection(null, null));

    StoredPassword current()
    {
        StoredPassword strongest = selection.get().strongest();
        return strongest == null ? DummyPasswords.bcrypt(DummyPasswords.DEFAULT_BCRYPT_COST) : strongest.dummy();
    }

    /** PER_USER: a stored value was seen. */
    void seen(StoredPassword stored)
    {
        selection.updateAndGet(current -> current.strongest() == null || stored.workFactor() > current.strongest().workFactor()
                ? new Selection(null, stored)
                : current);
    }

    /** MAP and SINGLE_USER: {@code values} of the secret {@code source} (an immutable copy, replaced on every refresh). */
    void strongestOf(Map<String, String> source, Collection<String> values, PlaintextPasswords plaintext)
    {
        if (selection.get().source() == source) {
            return;
        }
        StoredPassword strongest = null;
        for (String value : values) {
            StoredPassword parsed;
            try {
                parsed = StoredPassword.parse(value, plaintext);
            }
            catch (IllegalArgumentException e) {
                // refused at login with its own error
                continue;
            }
            if (strongest == null || parsed.workFactor() > strongest.workFactor()) {
                strongest = parsed;
            }
        }
        selection.set(new Selection(source, strongest));
    }
}
