package dev.perfstream.sink.influx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.influxdb.client.write.Point;
import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.schemas.avro.AlertSource;
import dev.perfstream.schemas.avro.AlertState;
import dev.perfstream.schemas.avro.Attribution;
import dev.perfstream.schemas.avro.AttributionCause;
import dev.perfstream.schemas.avro.Anomaly;
import dev.perfstream.schemas.avro.CacheStats;
import dev.perfstream.schemas.avro.QueryStats;
import dev.perfstream.schemas.avro.RumElementStats;
import dev.perfstream.schemas.avro.Recommendation;
import dev.perfstream.schemas.avro.ScalingAction;
import dev.perfstream.schemas.avro.Forecast;
import dev.perfstream.schemas.avro.SeriesKind;
import dev.perfstream.schemas.avro.Severity;
import dev.perfstream.schemas.avro.WindowStats;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResultPointsTest {
    static final Instant T0 = Instant.parse("2026-11-26T10:00:00Z");
    static final long MS = T0.toEpochMilli();

    static WindowStats.Builder metricStats() {
        return WindowStats.newBuilder().setKind(SeriesKind.METRIC).setName("http.server.duration").setService("checkout")
            .setRoute("/cart/{id}").setDeviceClass(null).setWindowStart(T0).setWindowEnd(T0.plusSeconds(60))
            .setCount(120).setErrors(3).setErrorRate(0.025).setRate(2.0).setMin(1.5).setMax(900).setMean(42.25)
            .setP50(30).setP75(50).setP90(80).setP95(120.5).setP99(400).setP999(880).setUnit("ms");
    }

    @Test
    void shouldMapMetricStatsToExactLineProtocol() throws Exception {
        assertThat(StatsPoints.stats(metricStats().build()).toLineProtocol()).isEqualTo(
            "metric_stats,metric=http.server.duration,route=/cart/{id},service=checkout,unit=ms,window=1m "
                + "count=120i,error_rate=0.025,errors=3i,max=900.0,mean=42.25,min=1.5,p50=30.0,p75=50.0,p90=80.0,"
                + "p95=120.5,p99=400.0,p999=880.0,rate=2.0 " + MS);
    }

    @Test
    void shouldWritePerVersionWindowsToReleaseStatsTaggedWithTheVersion() throws Exception {
        WindowStats s = metricStats().setServiceVersion("2.5.0").setSketch(java.nio.ByteBuffer.wrap(new byte[] {1, 2}))
            .setWindowEnd(T0.plusSeconds(10)).build();
        assertThat(StatsPoints.stats(s).toLineProtocol()).startsWith(
            "release_stats,metric=http.server.duration,route=/cart/{id},service=checkout,unit=ms,version=2.5.0,window=10s "
                + "count=120i,").doesNotContain("sketch");
    }

    @Test
    void shouldMapRumStatsWithDeviceClassAndShares() throws Exception {
        WindowStats rum = metricStats().setKind(SeriesKind.RUM).setName("LCP").setService("shop").setRoute("/product")
            .setDeviceClass("mobile").setWindowEnd(T0.plusSeconds(10)).setGoodShare(0.75).setNeedsImprovementShare(0.2)
            .setPoorShare(0.05).build();
        assertThat(StatsPoints.stats(rum).toLineProtocol())
            .startsWith("rum_stats,app=shop,device_class=mobile,page=/product,unit=ms,vital=LCP,window=10s ")
            .contains(",good_share=0.75,", ",needs_improvement_share=0.2,", ",poor_share=0.05,")
            .endsWith(" " + MS);
    }

    @Test
    void shouldEscapeSpacesCommasAndEqualsInTagValues() throws Exception {
        WindowStats s = metricStats().setService("check out").setRoute("/a,b=c").setName("db query").build();
        assertThat(StatsPoints.stats(s).toLineProtocol()).startsWith(
            "metric_stats,metric=db\\ query,route=/a\\,b\\=c,service=check\\ out,unit=ms,window=1m ");
    }

    @Test
    void shouldSkipNonFiniteFieldsAndMarkMissingDimensions() throws Exception {
        WindowStats s = metricStats().setRoute("").setP99(Double.NaN).setP999(Double.POSITIVE_INFINITY)
            .setMean(Double.NEGATIVE_INFINITY).build();
        String line = StatsPoints.stats(s).toLineProtocol();
        assertThat(line).contains("route=-,").doesNotContain("p99=", "p999=", "mean=", "NaN", "Infinity")
            .contains("p95=120.5");
    }

    @Test
    void shouldTagWindowLengthSoDifferentWindowsDoNotOverwriteEachOther() throws Exception {
        assertThat(StatsPoints.stats(metricStats().setWindowEnd(T0.plusSeconds(300)).build()).getTags())
            .containsEntry("window", "5m");
        assertThat(StatsPoints.stats(metricStats().setWindowEnd(T0.plusMillis(1500)).build()).getTags())
            .containsEntry("window", "1500ms");
        assertThat(StatsPoints.stats(metricStats().setWindowEnd(T0.plusSeconds(3600)).build()).getTags())
            .containsEntry("window", "1h");
    }

    @Test
    void shouldRejectAnEmptyOrInvertedWindow() {
        assertThatThrownBy(() -> StatsPoints.stats(metricStats().setWindowEnd(T0).build()))
            .isInstanceOf(MappingException.class).hasMessageContaining("windowEnd");
    }

    @Test
    void shouldMapAnomalyWithSeriesDimensionsAsTags() throws Exception {
        Anomaly a = Anomaly.newBuilder().setSeries("metric=http.server.duration,service=checkout,route=/cart")
            .setStatistic("p95").setWindowStart(T0).setWindowEnd(T0.plusSeconds(60)).setObserved(480).setExpected(120)
            .setScore(0.97).setModelVersion("sgd-3").build();
        assertThat(ResultPoints.anomaly(a).toLineProtocol()).isEqualTo(
            "anomalies,metric=http.server.duration,route=/cart,"
                + "series_key=metric\\=http.server.duration\\,service\\=checkout\\,route\\=/cart,service=checkout,"
                + "statistic=p95,window=1m expected=120.0,model_version=\"sgd-3\",observed=480.0,score=0.97 " + MS);
    }

    @Test
    void shouldKeepAFreeFormSeriesAsOneTag() throws Exception {
        Anomaly a = Anomaly.newBuilder().setSeries("multivariate checkout").setStatistic("multivariate")
            .setWindowStart(T0).setWindowEnd(T0.plusSeconds(60)).setObserved(1).setExpected(0).setScore(0.5)
            .setModelVersion("ocsvm \"1\"").build();
        assertThat(ResultPoints.anomaly(a).toLineProtocol()).isEqualTo(
            "anomalies,series_key=multivariate\\ checkout,statistic=multivariate,window=1m "
                + "expected=0.0,model_version=\"ocsvm \\\"1\\\"\",observed=1.0,score=0.5 " + MS);
    }

    @Test
    void shouldRefuseAnAnomalyWithoutAnyFiniteNumber() {
        Anomaly a = Anomaly.newBuilder().setSeries("s").setStatistic("p95").setWindowStart(T0)
            .setWindowEnd(T0.plusSeconds(60)).setObserved(Double.NaN).setExpected(Double.NaN).setScore(Double.NaN)
            .setModelVersion("v").build();
        assertThatThrownBy(() -> ResultPoints.anomaly(a)).isInstanceOf(MappingException.class)
            .hasMessageContaining("finite");
    }

    @Test
    void shouldMapForecastAtTargetTimeWithHorizonTag() throws Exception {
        Forecast f = Forecast.newBuilder().setSeries("metric=cpu,service=api,route=-").setStatistic("mean")
            .setMadeAt(T0).setHorizonMs(900_000).setTargetTime(T0.plusSeconds(900)).setPredicted(0.6).setLower(0.5)
            .setUpper(0.7).setIntervalLevel(0.9).setModelVersion("cart-1").build();
        assertThat(ResultPoints.forecast(f).toLineProtocol()).isEqualTo(
            "forecasts,horizon=15m,metric=cpu,route=-,series_key=metric\\=cpu\\,service\\=api\\,route\\=-,service=api,"
                + "statistic=mean interval_level=0.9,lower=0.5,made_at=" + MS + "i,model_version=\"cart-1\","
                + "predicted=0.6,upper=0.7 " + (MS + 900_000));
    }

    /** The series ids of the stats and scoring stages give the same dimension tags as the k=v form. */
    @Test
    void shouldTagTheDimensionsOfStageSeriesIds() throws Exception {
        Forecast total = Forecast.newBuilder().setSeries("METRIC|http.server.duration|checkout|*").setStatistic("rate")
            .setMadeAt(T0).setHorizonMs(1_800_000).setTargetTime(T0.plusSeconds(1800)).setPredicted(41).setLower(38)
            .setUpper(44).setIntervalLevel(0.9).setModelVersion("lsgd-v1").build();
        assertThat(ResultPoints.forecast(total).toLineProtocol()).startsWith("forecasts,horizon=30m,"
            + "metric=http.server.duration,route=*,series_key=METRIC|http.server.duration|checkout|*,service=checkout,"
            + "statistic=rate ");
        Anomaly rum = Anomaly.newBuilder().setSeries("RUM|LCP|shop|/p/%7Cx%25|mobile").setStatistic("p75")
            .setWindowStart(T0).setWindowEnd(T0.plusSeconds(60)).setObserved(1).setExpected(1).setScore(0.1)
            .setModelVersion("v").build();
        assertThat(ResultPoints.anomaly(rum).toLineProtocol()).startsWith("anomalies,app=shop,device_class=mobile,"
            + "page=/p/|x%,series_key=RUM|LCP|shop|/p/%7Cx%25|mobile,statistic=p75,vital=LCP,window=1m ");
        Anomaly mv = Anomaly.newBuilder().setSeries("MULTIVARIATE|checkout").setStatistic("multivariate")
            .setWindowStart(T0).setWindowEnd(T0.plusSeconds(60)).setObserved(1).setExpected(0).setScore(0.2)
            .setModelVersion("v").build();
        assertThat(ResultPoints.anomaly(mv).toLineProtocol()).startsWith("anomalies,series_key=MULTIVARIATE|checkout,"
            + "service=checkout,statistic=multivariate,window=1m ");
        Anomaly odd = Anomaly.newBuilder().setSeries("METRIC|only-two").setStatistic("p95")
            .setWindowStart(T0).setWindowEnd(T0.plusSeconds(60)).setObserved(1).setExpected(0).setScore(0.2)
            .setModelVersion("v").build();
        assertThat(ResultPoints.anomaly(odd).toLineProtocol()).startsWith("anomalies,series_key=METRIC|only-two,statistic=p95,");
    }

    @Test
    void shouldMapAlertAtNotificationTimeKeyedByFingerprintAndState() throws Exception {
        Alert a = Alert.newBuilder().setFingerprint("fp1").setRule("api-p95").setSource(AlertSource.RULE)
            .setSeverity(Severity.PAGE).setState(AlertState.FIRING).setSeries("metric=http,service=checkout,route=/pay")
            .setStatistic("p95").setValue(350).setThreshold(200).setWindowStart(T0).setWindowEnd(T0.plusSeconds(60))
            .setStartedAt(T0.plusSeconds(60)).setNotifiedAt(T0.plusSeconds(61)).setSummary("p95 350 ms > 200 ms, /pay")
            .setPlaybook("high latency").setLabels(Map.of("team", "payments", "env", "prod")).build();
        assertThat(ResultPoints.alert(a).toLineProtocol()).isEqualTo(
            "alerts,fingerprint=fp1,metric=http,route=/pay,rule=api-p95,"
                + "series_key=metric\\=http\\,service\\=checkout\\,route\\=/pay,service=checkout,severity=PAGE,source=RULE,"
                + "state=FIRING,statistic=p95 labels=\"env=prod,team=payments\",playbook=\"high latency\","
                + "started_at=" + (MS + 60_000) + "i,summary=\"p95 350 ms > 200 ms, /pay\",threshold=200.0,value=350.0,"
                + "window_end=" + (MS + 60_000) + "i,window_start=" + MS + "i " + (MS + 61_000));
    }

    @Test
    void shouldWriteOnePointPerAttributionCauseAndOneForTheUnexplainedShare() throws Exception {
        String stmt = "SELECT * FROM cart_items WHERE cart_id = ?";
        Attribution at = Attribution.newBuilder().setStatistic("p95").setStatisticDelta(480).setMeanDelta(240)
            .setAlertWindows(2).setBaselineWindows(5).setUnexplained(0.15).setNote(null).setCauses(List.of(
                AttributionCause.newBuilder().setKind("db_statement").setName(stmt).setShare(0.8).setDeltaMs(192.0)
                    .setBefore(null).setAfter(null).setUnit("ms").setDetail("mean 10.0 ms -> 202 ms").build(),
                AttributionCause.newBuilder().setKind("cpu").setName("cpu.utilization").setShare(0.05).setDeltaMs(null)
                    .setBefore(25.0).setAfter(40.0).setUnit("percent").setDetail(null).build())).build();
        Alert a = Alert.newBuilder().setFingerprint("fp1").setRule("api-latency-p95").setSource(AlertSource.RULE)
            .setSeverity(Severity.PAGE).setState(AlertState.FIRING)
            .setSeries("metric=http.server.duration,service=checkout,route=/api/cart/{id}").setStatistic("p95").setValue(580)
            .setThreshold(200).setWindowStart(T0).setWindowEnd(T0.plusSeconds(60)).setStartedAt(T0.minusSeconds(60))
            .setNotifiedAt(T0.plusSeconds(61)).setSummary("s").setPlaybook("p").setAttribution(at).build();

        List<Point> points = ResultPoints.attribution(a);

        String tags = "fingerprint=fp1,metric=http.server.duration,route=/api/cart/{id},rule=api-latency-p95,"
            + "series_key=metric\\=http.server.duration\\,service\\=checkout\\,route\\=/api/cart/{id},service=checkout,"
            + "window=1m";
        assertThat(points).extracting(Point::toLineProtocol).containsExactly(
            "attribution,candidate=SELECT\\ *\\ FROM\\ cart_items\\ WHERE\\ cart_id\\ \\=\\ ?,"
                + tags.replace("metric=", "kind=db_statement,metric=") + " delta_ms=192.0,detail=\"mean 10.0 ms -> 202 ms\","
                + "mean_delta=240.0,rank=1i,share=0.8,stat_delta=480.0,statistic=\"p95\",unit=\"ms\" " + MS,
            "attribution,candidate=cpu.utilization," + tags.replace("metric=", "kind=cpu,metric=") + " after=40.0,before=25.0,"
                + "mean_delta=240.0,rank=2i,share=0.05,stat_delta=480.0,statistic=\"p95\",unit=\"percent\" " + MS,
            "attribution,candidate=-," + tags.replace("metric=", "kind=unexplained,metric=") + " mean_delta=240.0,rank=0i,"
                + "share=0.15,stat_delta=480.0,statistic=\"p95\" " + MS);
        assertThat(ResultPoints.attribution(Alert.newBuilder(a).setState(AlertState.RESOLVED).build())).isEmpty();
        assertThat(ResultPoints.attribution(Alert.newBuilder(a).setAttribution(null).build())).isEmpty();
        assertThat(ResultPoints.attribution(Alert.newBuilder(a).setAttribution(Attribution.newBuilder(at).setBaselineWindows(0)
            .setCauses(List.of()).build()).build())).as("no baseline: nothing to say").isEmpty();
    }

    @Test
    void shouldNotLetASeriesDimensionOverrideTheSinksOwnTags() throws Exception {
        Anomaly a = Anomaly.newBuilder().setSeries("statistic=x,window=y,app=web").setStatistic("p75")
            .setWindowStart(T0).setWindowEnd(T0.plusSeconds(10)).setObserved(1).setExpected(1).setScore(0)
            .setModelVersion("v").build();
        assertThat(ResultPoints.anomaly(a).getTags()).containsEntry("statistic", "p75").containsEntry("window", "10s")
            .containsEntry("app", "web");
    }

    @Test
    void shouldMapTopStatementsToDbQueriesWithTheStatementAsTag() throws Exception {
        QueryStats q = QueryStats.newBuilder().setService("orders").setWindowStart(T0).setWindowEnd(T0.plusSeconds(60))
            .setStatement("SELECT * FROM t WHERE id = ?").setOverflow(false).setRank(1).setCount(10).setErrors(0)
            .setTotalMs(300).setMeanMs(30).setP50(30).setP95(31).setP99(32).setMaxMs(33).setShare(0.3)
            .setServiceTotalMs(1000).setStatements(4).setFoldedStatements(false).build();
        assertThat(StatsPoints.queries(q).toLineProtocol()).isEqualTo(
            "db_queries,service=orders,statement=SELECT\\ *\\ FROM\\ t\\ WHERE\\ id\\ \\=\\ ?,window=1m "
                + "count=10i,errors=0i,folded_statements=false,max_ms=33.0,mean_ms=30.0,overflow=false,p50=30.0,p95=31.0,"
                + "p99=32.0,rank=1i,service_total_ms=1000.0,share=0.3,statements=4i,total_ms=300.0 " + MS);
    }

    @Test
    void shouldMapRumElementRowsToRumElementsWithTheElementOrTheScriptAsTag() throws Exception {
        RumElementStats lcp = RumElementStats.newBuilder().setApp("shop").setPage("/product/{id}").setVital("LCP")
            .setDeviceClass("mobile").setWindowStart(T0).setWindowEnd(T0.plusSeconds(60)).setDimension("element")
            .setValue("main > img.hero[alt=\"a, b\"]").setOverflow(false).setRank(1).setCount(6).setP50(3100).setP75(4500)
            .setP95(6000).setMax(6000).setPoorShare(0.5).setShare(0.6).setUnit("ms").setRows(2).build();
        assertThat(StatsPoints.rumElement(lcp).toLineProtocol()).isEqualTo(
            "rum_elements,app=shop,device_class=mobile,element=main\\ >\\ img.hero[alt\\=\"a\\,\\ b\"],page=/product/{id},"
                + "unit=ms,vital=LCP,window=1m count=6i,max=6000.0,overflow=false,p50=3100.0,p75=4500.0,p95=6000.0,"
                + "poor_share=0.5,rank=1i,rows=2i,share=0.6 " + MS);
        RumElementStats script = RumElementStats.newBuilder(lcp).setVital("INP").setDimension("script")
            .setValue("https://shop.example/app.js slowBuyHandler").build();
        assertThat(StatsPoints.rumElement(script).getTags()).containsEntry("script", "https://shop.example/app.js slowBuyHandler")
            .containsEntry("vital", "INP").doesNotContainKey("element");
        assertThatThrownBy(() -> StatsPoints.rumElement(RumElementStats.newBuilder(lcp).setDimension("color").build()))
            .isInstanceOf(MappingException.class).hasMessageContaining("color");
    }

    @Test
    void shouldMapCacheStatsToCacheStatsLeavingOutWhatIsUnknown() throws Exception {
        CacheStats c = CacheStats.newBuilder().setService("catalog").setCache("session-cache").setWindowStart(T0)
            .setWindowEnd(T0.plusSeconds(60)).setHits(80).setMisses(20).setHitRatio(0.8).build();
        assertThat(StatsPoints.cache(c).toLineProtocol()).isEqualTo(
            "cache_stats,cache=session-cache,service=catalog,window=1m hit_ratio=0.8,hits=80i,lookups=100i,misses=20i " + MS);
    }
    @Test
    void shouldMapUxImpactWithAppPageGoalVitalAndWindowAsTags() throws Exception {
        dev.perfstream.schemas.avro.UxImpact u = dev.perfstream.schemas.avro.UxImpact.newBuilder().setApp("shop-web")
            .setPage("/checkout").setGoal("checkout").setVital("LCP").setWindowStart(T0).setWindowEnd(T0.plusSeconds(3600))
            .setSessions(100).setConverted(15).setConversionRate(0.15).setGoodSessions(50).setGoodConverted(10)
            .setGoodRate(0.2).setNeedsImprovementSessions(40).setNeedsImprovementConverted(5).setNeedsImprovementRate(0.125)
            .setPoorSessions(10).setPoorConverted(0).setPoorRate(0.0).setP75(3100).setP75Rating("NEEDS_IMPROVEMENT")
            .setTarget("GOOD").setMovedShare(0.25).setRateDifference(0.075).setRateDifferenceLower(-0.07)
            .setRateDifferenceUpper(0.21).setGain(0.01875).setGainLower(-0.0175).setGainUpper(0.0525)
            .setExtraConversions(1.875).setExtraConversionsLower(-1.75).setExtraConversionsUpper(5.25).setConfidence(0.95)
            .build();
        assertThat(StatsPoints.impact(u).toLineProtocol()).isEqualTo(
            "ux_impact,app=shop-web,goal=checkout,page=/checkout,vital=LCP,window=1h confidence=0.95,conversion_rate=0.15,"
                + "converted=15i,extra_conversions=1.875,extra_conversions_lower=-1.75,extra_conversions_upper=5.25,"
                + "gain=0.01875,gain_lower=-0.0175,gain_upper=0.0525,good_converted=10i,good_rate=0.2,good_sessions=50i,"
                + "moved_share=0.25,needs_improvement_converted=5i,needs_improvement_rate=0.125,"
                + "needs_improvement_sessions=40i,p75=3100.0,p75_rating=\"NEEDS_IMPROVEMENT\",poor_converted=0i,"
                + "poor_rate=0.0,poor_sessions=10i,rate_difference=0.075,rate_difference_lower=-0.07,"
                + "rate_difference_upper=0.21,sessions=100i,target=\"GOOD\" " + MS);
    }

    @Test
    void shouldWriteTheInstanceCountOfAWindowWhenItHasOne() throws Exception {
        assertThat(StatsPoints.stats(metricStats().setInstances(3).build()).toLineProtocol()).contains(",instances=3i,");
        assertThat(StatsPoints.stats(metricStats().build()).toLineProtocol()).doesNotContain("instances");
        String over = StatsPoints.stats(metricStats().setInstancesOverflow(true).build()).toLineProtocol();
        assertThat(over).contains("instances_overflow=true").doesNotContain("instances=");
    }

    @Test
    void shouldMapARecommendationWithItsIntervalCostAndDirection() throws Exception {
        Recommendation r = Recommendation.newBuilder().setService("payments").setWindowStart(T0)
            .setWindowEnd(T0.plusSeconds(60)).setAction(ScalingAction.SCALE_OUT).setCurrent(4).setAdvised(7)
            .setFrom(T0.plusSeconds(300)).setExpected(6).setLow(5).setHigh(7).setRate(512.5).setCapacityPerInstance(100.0)
            .setCapacitySource("override").setPricePerInstanceHour(0.25).setCostPerHour(1.75).setCostDeltaPerHour(0.75)
            .setSummary("payments needs 7 instances from 10:05 (now 4)").setReason("r").build();
        assertThat(StatsPoints.recommendation(r).toLineProtocol()).isEqualTo(
            "recommendations,direction=scale_out,service=payments advised=7i,capacity_per_instance=100.0,"
                + "capacity_source=\"override\",cost_delta_per_hour=0.75,cost_per_hour=1.75,current=4i,expected=6i,"
                + "from_time=" + (MS + 300_000) + "i,high=7i,interval_level=0.9,low=5i,price_per_instance_hour=0.25,"
                + "rate=512.5,reason=\"r\",summary=\"payments needs 7 instances from 10:05 (now 4)\" " + MS);
    }

    @Test
    void shouldLeaveOutWhatAnUnknownRecommendationDoesNotHave() throws Exception {
        Recommendation r = Recommendation.newBuilder().setService("cart").setWindowStart(T0).setWindowEnd(T0.plusSeconds(60))
            .setAction(ScalingAction.UNKNOWN).setCurrent(0).setAdvised(0).setFrom(T0).setCapacitySource("unknown")
            .setSummary("cart: no advice (x)").setReason("x").build();
        assertThat(StatsPoints.recommendation(r).toLineProtocol()).isEqualTo(
            "recommendations,direction=unknown,service=cart advised=0i,capacity_source=\"unknown\",current=0i,"
                + "from_time=" + MS + "i,interval_level=0.9,reason=\"x\",summary=\"cart: no advice (x)\" " + MS);
    }

    @Test
    void shouldNameTheDeviceClassAlikeInEveryMeasurement() {
        // the alerts stage's RUM series string says device=; rum_stats' tag is device_class: one name in InfluxDB
        Point p = Point.measurement("alerts");
        ResultPoints.seriesTags(p, "vital=LCP,app=shop,page=/cart,device=mobile");
        p.addField("value", 1.0);
        assertThat(p.toLineProtocol()).startsWith("alerts,app=shop,device_class=mobile,page=/cart,"
            + "series_key=vital\\=LCP\\,app\\=shop\\,page\\=/cart\\,device\\=mobile,vital=LCP ");
    }
}
