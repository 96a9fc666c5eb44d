package dev.perfstream.streams.scoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.perfstream.models.anomaly.DetectorConfig;
import dev.perfstream.models.anomaly.MultivariateConfig;
import dev.perfstream.schemas.config.Settings;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import dev.perfstream.streams.scoring.multivariate.MultivariateScoringConfig;

class ScoringKeysTest {
    @Test
    void shouldDeclareTheModelsOwnDefaults() {
        Settings none = Settings.of(Map.of());
        assertThat(ModelKeys.detector(none)).isEqualTo(DetectorConfig.defaults());
        assertThat(ModelKeys.multivariate(none)).isEqualTo(MultivariateConfig.defaults());
        assertThat(ModelKeys.detector(none)).isEqualTo(DetectorConfig.from(Settings.of(Map.of())));
    }

    @Test
    void shouldReadTheTailGrowthInBothPlacesAndRefuseItOutOfRange() {
        Settings growing = Settings.of(Map.of("anomaly.tail.growth", "2"));
        assertThat(ModelKeys.detector(growing).tailGrowth()).isEqualTo(2.0);
        assertThat(DetectorConfig.from(Settings.of(Map.of("anomaly.tail.growth", "2")))).isEqualTo(ModelKeys.detector(growing));
        assertThat(DetectorConfig.defaults().tailGrowth()).isEqualTo(1.0);
        assertThatThrownBy(() -> ScoringConfig.from(Settings.of(Map.of("anomaly.tail.growth", "0.5"))))
            .hasMessageContaining("anomaly.tail.growth");
    }

    @Test
    void shouldReadTheFormerScoringMultivariateKeysUnderTheirNewNames() {
        MultivariateScoringConfig c = MultivariateScoringConfig.from(Settings.of(Map.of("scoring.multivariate.alerts", "true",
            "scoring.multivariate.window", "5m", "scoring.multivariate.metric.cpu", "cpu.busy")));
        assertThat(c.alerts()).isTrue();
        assertThat(c.window()).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.metrics().cpu()).isEqualTo("cpu.busy");
        assertThat(MultivariateScoringConfig.from(Settings.of(Map.of("multivariate.alerts", "true",
            "scoring.multivariate.alerts", "false"))).alerts()).as("the new name wins").isTrue();
    }

    @Test
    void shouldReportCrossKeyProblemsOfTheModelsWithTheOthersAtOnce() {
        assertThatThrownBy(() -> ScoringConfig.from(Settings.of(Map.of("anomaly.p.half", "1e-6", "multivariate.train.first",
            "2000", "forecast.statistics", "p96", "capacity.checkout.rate", "-1"))))
            .hasMessageContaining("anomaly.p.half (1.0E-6) must be above anomaly.p.alert")
            .hasMessageContaining("multivariate.train.first (2000) must not exceed multivariate.capacity (1440)")
            .hasMessageContaining("forecast.statistics: p96 names an unknown statistic")
            .hasMessageContaining("capacity.checkout.rate: -1 is out of range");
    }
}
