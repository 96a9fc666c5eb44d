package dev.perfstream.bench.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * The seeded evaluation of the speed vs conversion estimate: on 50 seeds of the load generator's traffic (one
 * hour each, in process), the 95 % interval of the estimated gain holds the true conversion effect in at least
 * 90 % of the windows.
 */
class ImpactEvalTest {
    @Test
    void shouldRecoverTheTrueConversionEffectWithinItsIntervalInAtLeast90PercentOf50SeededRuns() {
        List<Long> seeds = LongStream.rangeClosed(1, 50).boxed().toList();
        ImpactEval.Report r = ImpactEval.run(seeds, Instant.parse("2026-11-26T10:00:00Z"), Duration.ofHours(1), 200, 0.95);
        System.out.print(r.format());
        assertThat(r.estimated()).as("windows with an estimate (p75 needs-improvement or poor)").isEqualTo(50);
        assertThat(r.coverage()).as("coverage").isGreaterThanOrEqualTo(0.90);
        assertThat(r.runs()).allSatisfy(run -> assertThat(run.truth()).as("slower converts less: a gain").isPositive());
    }
}
