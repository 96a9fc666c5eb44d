package dev.perfstream.deploy.grafana;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.perfstream.testkit.InfluxTestServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every InfluxQL query of the Grafana dashboard (panels and variables), with Grafana's macros
 * filled in, runs on a real InfluxDB 1.6.7 holding points in the sink's layout and returns data:
 * a renamed measurement, field or tag on either side makes this fail.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class DashboardIT {
    private static final Path DASHBOARD = Path.of("grafana/perfstream-dashboard.json"); // failsafe runs in deploy/

    /** One point per measurement, tags and fields as the sink's ResultPoints writes them. */
    private static String samplePoints(long t) {
        return String.join("\n",
            "metric_stats,metric=http.server.duration,route=/cart,service=shop,unit=ms,window=1m count=10i,errors=1i,"
                + "error_rate=0.1,rate=0.17,min=3,max=400,mean=50,p50=40,p75=60,p90=90,p95=120,p99=300,p999=390 " + t,
            "rum_stats,app=web,device_class=mobile,page=/home,unit=ms,vital=LCP,window=1m count=5i,errors=0i,"
                + "error_rate=0,rate=0.08,min=900,max=4000,mean=2100,p50=2000,p75=2600,p90=3000,p95=3500,p99=3900,"
                + "p999=4000,good_share=0.4,needs_improvement_share=0.4,poor_share=0.2 " + t,
            "release_stats,metric=http.server.duration,route=/cart,service=shop,unit=ms,version=1.5.0,window=10s count=10i,"
                + "errors=0i,error_rate=0,rate=1,min=3,max=400,mean=50,p50=40,p75=60,p90=90,p95=130,p99=300,p999=390 " + t,
            "anomalies,route=/cart,series_key=metric\\=http.server.duration\\,service\\=shop\\,route\\=/cart,service=shop,"
                + "statistic=p95,window=1m observed=120,expected=60,score=0.93,model_version=\"v1\" " + t,
            "forecasts,horizon=15m,route=/cart,series_key=service\\=shop\\,route\\=/cart,service=shop,statistic=p95 "
                + "predicted=130,lower=100,upper=160,interval_level=0.9,made_at=" + t + "i,model_version=\"v1\" " + t,
            "alerts,fingerprint=abc123,route=/cart,rule=api-p95,series_key=service\\=shop\\,route\\=/cart,service=shop,"
                + "severity=PAGE,source=RULE,state=FIRING,statistic=p95 value=120,threshold=100,window_start=" + t
                + "i,window_end=" + t + "i,started_at=" + t + "i,summary=\"p95 above 100 ms\",playbook=\"high latency\" " + t,
            "db_queries,service=shop,statement=SELECT\\ *\\ FROM\\ t\\ WHERE\\ id\\ \\=\\ ?,window=1m count=10i,errors=0i,"
                + "folded_statements=false,max_ms=33.0,mean_ms=30.0,overflow=false,p50=30.0,p95=31.0,p99=32.0,rank=1i,"
                + "service_total_ms=1000.0,share=0.3,statements=4i,total_ms=300.0 " + t,
            "rum_elements,app=web,device_class=mobile,element=#hero,page=/home,unit=ms,vital=LCP,window=1m count=4i,"
                + "max=4000.0,overflow=false,p50=2000.0,p75=2600.0,p95=3900.0,poor_share=0.25,rank=1i,rows=2i,share=0.8 " + t,
            "cache_stats,cache=product-cache,service=shop,window=1m hit_ratio=0.7,hits=7i,lookups=10i,misses=3i,"
                + "hit_mean_ms=2.0,hit_p95=2.0,miss_mean_ms=40.0,miss_p95=40.0,miss_penalty=20.0 " + t,
            "attribution,candidate=SELECT\\ *\\ FROM\\ t\\ WHERE\\ id\\ \\=\\ ?,fingerprint=abc123,kind=db_statement,"
                + "metric=http.server.duration,route=/cart,rule=api-p95,series_key=metric\\=http.server.duration\\,"
                + "service\\=shop\\,route\\=/cart,service=shop,window=1m delta_ms=90.0,detail=\"mean 10.0 ms -> 100 ms\","
                + "mean_delta=100.0,rank=1i,share=0.9,stat_delta=200.0,statistic=\"p95\",unit=\"ms\" " + t,
            "recommendations,direction=scale_out,service=shop current=4i,advised=6i,low=5i,high=7i,expected=6.0,"
                + "interval_level=0.9,rate=310.0,capacity_per_instance=55.0,price_per_instance_hour=0.2,cost_per_hour=1.2,"
                + "cost_delta_per_hour=0.4,from_time=" + t + "i,capacity_source=\"learned\",summary=\"shop needs 6\","
                + "reason=\"forecast 310/s\" " + t,
            "ux_impact,app=web,goal=checkout,page=/checkout,vital=LCP,window=1h sessions=400i,converted=20i,"
                + "conversion_rate=0.05,good_sessions=200i,good_converted=14i,good_rate=0.07,needs_improvement_sessions=120i,"
                + "needs_improvement_converted=4i,needs_improvement_rate=0.033,poor_sessions=80i,poor_converted=2i,"
                + "poor_rate=0.025,p75=2900,p75_rating=\"NEEDS_IMPROVEMENT\",target=\"GOOD\",moved_share=0.1,"
                + "rate_difference=0.037,rate_difference_lower=0.01,rate_difference_upper=0.06,gain=0.0037,gain_lower=0.001,"
                + "gain_upper=0.006,extra_conversions=1.5,extra_conversions_lower=0.4,extra_conversions_upper=2.4,"
                + "confidence=0.9 " + t);
    }

    /** Grafana's macros and template variables, as Grafana would fill them for "All". */
    static String fill(String q) {
        return q.replace("$timeFilter", "time > now() - 1h")
            .replace("$__interval", "1m")
            .replace("'$window'", "'1m'")
            .replaceAll("/\\^\\$[a-z]+\\$/", "/.*/");
    }

    @Test
    void shouldRunEveryDashboardQueryAgainstTheSinksLayout() throws Exception {
        JsonNode dash = new ObjectMapper().readTree(DASHBOARD.toFile());
        List<String> queries = new ArrayList<>();
        for (JsonNode panel : dash.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                queries.add(target.path("query").asText());
            }
        }
        for (JsonNode v : dash.path("templating").path("list")) {
            queries.add(v.path("query").asText());
        }
        assertThat(queries).hasSizeGreaterThanOrEqualTo(10).allSatisfy(q -> assertThat(q).isNotBlank());

        try (InfluxTestServer influx = InfluxTestServer.start()) {
            influx.query("perfstream", "CREATE DATABASE perfstream");
            HttpResponse<String> w = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(influx.url() + "/write?db=perfstream&precision=ms"))
                .POST(HttpRequest.BodyPublishers.ofString(samplePoints(System.currentTimeMillis() - 60_000))).build(),
                HttpResponse.BodyHandlers.ofString());
            assertThat(w.statusCode()).as(w.body()).isEqualTo(204);
            for (String q : queries) {
                String answer = influx.query("perfstream", fill(q));
                // A GROUP BY on a tag the sink does not write still answers, with an empty tag value: refuse that too.
                assertThat(answer).as(fill(q)).doesNotContain("\"error\"").contains("\"series\"").doesNotContain("\":\"\"");
            }
        }
    }
}
