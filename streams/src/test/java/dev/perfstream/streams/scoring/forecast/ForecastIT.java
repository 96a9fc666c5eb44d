package dev.perfstream.streams.scoring.forecast;

import static dev.perfstream.streams.scoring.ScoringTestData.MIN;
import static dev.perfstream.streams.scoring.ScoringTestData.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.schemas.avro.Forecast;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.config.TopicKeys;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.testkit.KafkaTestCluster;
import dev.perfstream.testkit.Poll;
import dev.perfstream.testkit.StageSettings;
import dev.perfstream.testkit.TopicTail;
import dev.perfstream.schemas.series.SeriesKey;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import dev.perfstream.streams.scoring.ScoringApp;
import dev.perfstream.streams.scoring.ScoringStageSettings;

/**
 * The scoring stage's forecasts against a real KRaft broker: a traffic surge ramps checkout's throughput
 * from 20 to 45 req/s (+0.5 req/s per 1-minute window, split evenly over its routes /cart and /pay, so
 * neither route alone comes near it) against a configured capacity of 40 req/s for the service. The
 * FORECAST capacity alert on the service total must fire before the first window at or above capacity,
 * and resolve once after the surge. The lead time (end of the window that first reached capacity minus end of the window whose
 * forecast fired the alert) is printed.
 */
class ForecastIT {
    private final Settings empty = Settings.of(Map.of());
    private final RecordCodec<WindowStats> statsCodec = Codecs.create(WindowStats.getClassSchema(), empty);
    private final RecordCodec<Forecast> forecastCodec = Codecs.create(Forecast.getClassSchema(), empty);
    private final RecordCodec<Alert> alertCodec = Codecs.create(Alert.getClassSchema(), empty);

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldRaiseTheCapacityAlertAheadOfATrafficSurgeAndResolveItAfter() throws Exception {
        try (KafkaTestCluster kafka = KafkaTestCluster.start()) {
            StageSettings s = ScoringStageSettings.of(kafka, "forecast").put("capacity.checkout.rate", "40")
                // checkout's first joint vector (which carries the service total) waits for the deadline
                .put("multivariate.deadline", "5s");
            String stats = s.topicName(TopicKeys.STATS);
            String alertsTopic = s.topicName(TopicKeys.ALERTS);
            String forecastsTopic = s.topicName(TopicKeys.FORECASTS);
            Random rnd = new Random(31);
            List<WindowStats> windows = new ArrayList<>();
            int i = 0;
            for (; i < 90; i++) {
                addBoth(windows, i, 20, rnd);
            }
            long crossedAt = -1;
            for (double rate = 20.5; rate <= 45; rate += 0.5, i++) {
                double total = addBoth(windows, i, rate, rnd);
                if (crossedAt < 0 && total >= 40) {
                    crossedAt = windows.get(windows.size() - 1).getWindowEnd().toEpochMilli();
                }
            }
            for (int j = 0; j < 20; j++, i++) {
                addBoth(windows, i, 20, rnd);
            }
            try (ScoringApp app = ScoringApp.start(s.settings());
                 KafkaProducer<byte[], byte[]> producer = kafka.clients().producer();
                 TopicTail tail = kafka.clients().tail(alertsTopic, forecastsTopic)) {
                for (WindowStats w : windows) {
                    producer.send(new ProducerRecord<>(stats, null, w.getWindowEnd().toEpochMilli(),
                        SeriesKey.of(w).id().getBytes(StandardCharsets.UTF_8), statsCodec.encode(stats, w)));
                }
                producer.flush();
                // per route window: 2 statistics x 3 horizons; per service window (half as many): rate x 3 horizons
                int expectedForecasts = windows.size() * 2 * 3 + windows.size() / 2 * 3;
                // the RESOLVED capacity alert itself: an ANOMALY alert on the ramp may resolve first, and the
                // alerts topic may be fetched behind the forecasts topic
                Poll.until(Duration.ofSeconds(120), "all forecasts and the RESOLVED capacity alert",
                    () -> tail.poll().records(forecastsTopic).size() >= expectedForecasts
                        && tail.decoded(alertsTopic, alertCodec::decode).stream().anyMatch(a ->
                            a.getSource().name().equals("FORECAST") && a.getState().name().equals("RESOLVED")) ? true : null);
                List<Alert> alerts = tail.decoded(alertsTopic, alertCodec::decode);
                List<Forecast> forecasts = tail.decoded(forecastsTopic, forecastCodec::decode);
                assertThat(forecasts).hasSize(expectedForecasts);
                assertThat(forecasts).allSatisfy(f -> assertThat(f.getLower()).isLessThan(f.getUpper()));
                assertThat(tail.records(forecastsTopic)).extracting(r -> new String(r.key(), StandardCharsets.UTF_8)).containsOnly("METRIC|http.server.duration|checkout|/cart",
                    "METRIC|http.server.duration|checkout|/pay", "METRIC|http.server.duration|checkout|*");
                List<Alert> capacity = alerts.stream().filter(a -> a.getSource().name().equals("FORECAST")).toList();
                assertThat(capacity).extracting(a -> a.getState().name()).containsExactly("FIRING", "RESOLVED");
                Alert firing = capacity.get(0);
                assertThat(firing.getFingerprint()).isEqualTo("forecast|capacity|METRIC|http.server.duration|checkout|*|rate");
                assertThat(firing.getSummary()).startsWith("checkout throughput (all routes) forecast to exceed 40 req/s in about");
                long firedAt = firing.getWindowEnd().toEpochMilli();
                long leadMs = crossedAt - firedAt;
                System.out.printf("ForecastIT: capacity alert fired at window end +%d min, rate first >= 40 req/s at "
                        + "+%d min: lead time %d min; alert said \"%s\"%n", (firedAt - T0) / MIN, (crossedAt - T0) / MIN,
                    leadMs / MIN, firing.getSummary());
                assertThat(leadMs).isPositive();
                assertThat(capacity.get(1).getWindowEnd().toEpochMilli()).isGreaterThan(crossedAt);
            }
        }
    }

    /** Window i of /cart and /pay, half the total rate each; returns the total of their rounded rates. */
    private static double addBoth(List<WindowStats> windows, int i, double total, Random rnd) {
        WindowStats cart = ForecastTopologyTest.window("/cart", i, total / 2, 100, rnd);
        WindowStats pay = ForecastTopologyTest.window("/pay", i, total / 2, 100, rnd);
        windows.add(cart);
        windows.add(pay);
        return cart.getRate() + pay.getRate();
    }
}
