package dev.perfstream.ingest.loadgen;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.perfstream.schemas.avro.Rating;
import dev.perfstream.schemas.avro.Vital;
import dev.perfstream.schemas.validate.WebVitals;
import java.util.Arrays;

/**
 * Where the load generator's sessions convert, and the truth an impact estimate is checked against: a session
 * (one page view in the generator) on {@code page} of {@code app} reaches {@code goal} with a probability set by the
 * Web Vitals bucket of its LCP there: {@code rates[0]} when good, {@code [1]} needs-improvement, {@code [2]} poor.
 * Nothing else changes the probability (not INP, device or time), so the difference between two LCP buckets' rates
 * is the true effect of moving a session between them; INP, which moves with LCP through the device and the page's
 * slowness, has no effect of its own, and its rates per bucket differ only through that correlation.
 */
public record ConversionModel(String app, String page, String goal, double[] rates) {
    /** The standard and demo models' sessions on shop-web /checkout: 6 %, 4.5 %, 3 % by LCP bucket. */
    public static final ConversionModel CHECKOUT = new ConversionModel("shop-web", "/checkout", "checkout",
        new double[] {0.06, 0.045, 0.03});

    public ConversionModel {
        if (rates.length != 3) {
            throw new IllegalArgumentException("conversion rates: need 3 (good, needs-improvement, poor), got " + rates.length);
        }
        for (double r : rates) {
            if (!(r >= 0 && r <= 1)) {
                throw new IllegalArgumentException("conversion rates must be in 0..1, got " + Arrays.toString(rates));
            }
        }
        rates = rates.clone();
    }

    /** The probability that a session with this LCP on the page converts. */
    public double rate(double lcpMs) {
        return rates[WebVitals.rate(Vital.LCP, lcpMs).ordinal()];
    }

    /** The true rate of a bucket. */
    public double rate(Rating bucket) {
        return rates[bucket.ordinal()];
    }

    public boolean applies(String app, String page) {
        return this.app.equals(app) && this.page.equals(page);
    }

    /**
     * The label line of the incidents file:
     * {@code {"kind":"CONVERSION_MODEL","app":"shop-web","page":"/checkout","goal":"checkout","vital":"LCP",
     * "rates":{"GOOD":0.06,"NEEDS_IMPROVEMENT":0.045,"POOR":0.03}}}.
     */
    public String toJsonLine() {
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("kind", KIND);
        o.put("app", app);
        o.put("page", page);
        o.put("goal", goal);
        o.put("vital", "LCP");
        ObjectNode r = o.putObject("rates");
        for (Rating b : Rating.values()) {
            r.put(b.name(), rates[b.ordinal()]);
        }
        return o.toString();
    }

    /** The {@code kind} of the model's line in the incidents file (not an incident: readers of incidents skip it). */
    public static final String KIND = "CONVERSION_MODEL";

    @Override
    public boolean equals(Object o) {
        return o instanceof ConversionModel c && app.equals(c.app) && page.equals(c.page) && goal.equals(c.goal)
            && Arrays.equals(rates, c.rates);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * app.hashCode() + page.hashCode()) + Arrays.hashCode(rates);
    }

    @Override
    public String toString() {
        return "conversions of " + app + " " + page + " (goal " + goal + ") by LCP bucket: good " + rates[0]
            + ", needs-improvement " + rates[1] + ", poor " + rates[2];
    }
}
