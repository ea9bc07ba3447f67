package dev.trinobundle.it.deployment;

import dev.trinobundle.it.deployment.SoakSchedule.Fault;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The short soak ({@link SoakSchedule#ci()}, 90 s): the bundle as the chart configures it, behind the proxy, under the
 * BI-like load, with the faults that need no restart and no long outage: the rules file broken, then revoking, then
 * restored; a wrong-password burst for the service user; NUL and 1,000,000-character query texts; Vault sealed inside
 * the stale window while PostgreSQL is down. {@code deployment/soak} runs the full schedule.
 */
@Tag("server")
final class TestSoakUnderFaults
{
    @Test
    void testShortSoak()
            throws Exception
    {
        SoakSchedule.Timing timing = SoakSchedule.ci();
        SoakRun.Result run = SoakRun.run(SoakCluster.Flavor.BUNDLE, timing, System.out);
        System.out.println(SoakTable.render(run, Optional.empty()));

        assertThat(run.faults()).allSatisfy(fault -> assertThat(fault.applied()).as(fault.toString()).isTrue());
        assertThat(SoakReport.mustBeZero(run)).hasSize(3).allSatisfy((figure, value) -> assertThat(value).as(figure).isZero());
        assertThat(SoakReport.burstRefused(run)).isEqualTo(timing.burstAttempts());
        // verified credentials pass a locked-out name; a stale copy of the secret is used while Vault is sealed
        assertThat(SoakReport.serviceUserRefusedDuringBurst(run)).isZero();
        assertThat(run.outcomes())
                .filteredOn(outcome -> outcome.kind().expectAllowed() && outcome.result() == SoakLoad.Result.REFUSED)
                .filteredOn(outcome -> outcome.start() >= SoakReport.executed(run, Fault.VAULT_SEALED_IN_WINDOW).start()
                        && outcome.start() < SoakReport.executed(run, Fault.VAULT_SEALED_IN_WINDOW).end())
                .isEmpty();
        // the revoked user did query while revoked (and was denied): the stale figure above is not vacuous
        assertThat(SoakReport.firstDenialAfterRevoke(run)).isNotNull();

        SoakAudit.Result audit = run.audit().orElseThrow();
        assertThat(audit.clientCompleted()).isPositive();
        for (SoakAudit.SinkCheck sink : List.of(audit.file(), audit.postgresql())) {
            assertThat(sink.lost()).as("%s lost", sink.sink()).isZero();
            assertThat(sink.duplicated()).as("%s duplicated", sink.sink()).isZero();
            assertThat(sink.extra()).as("%s extra", sink.sink()).isZero();
        }
        assertThat(audit.failedWithoutCompletedRecord()).isZero();
        assertThat(audit.verifierExitCode()).as(audit.verifierOutput()).isZero();
    }
}
