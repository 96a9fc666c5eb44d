package dev.perfstream.models.capacity;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Scaling advice from a capacity per instance ({@link CapacityEstimate}) and the rate forecast
 * ({@link RateForecast}s with their 90 % intervals). Asymmetric on purpose, as Kubernetes' HPA is (immediate
 * scale-up, a stabilisation window for scale-down): it <b>scales out</b> as soon as the upper end of the interval
 * at any horizon within the look-ahead (or the current rate) needs more instances than advised, since a new
 * instance takes minutes to start; it <b>scales in</b> only after the forecast has allowed fewer instances at every
 * step of {@link Policy#scaleInHoldMs} in a row, and then to the most that period needed. Counts stay within
 * min..max.
 *
 * <p>Pure: {@link #advise} is a function of its arguments; the little it remembers between calls (the advised
 * count and the pending scale-in) is the returned {@link State}, which encodes to 16 bytes.
 */
public final class ScalingAdvisor {
    private static final long NONE = Long.MIN_VALUE;

    /**
     * @param minInstances         never advise fewer, at least 1
     * @param maxInstances         never advise more
     * @param scaleInHoldMs        fewer instances must have sufficed this long before a scale-in is advised
     * @param lookaheadMs          forecasts up to this horizon decide a scale-out (about the time an instance takes
     *                             to start plus a margin)
     * @param headroom             multiplier of the rate before dividing by the capacity (1: none)
     * @param pricePerInstanceHour cost of one instance for an hour, in any currency
     */
    public record Policy(int minInstances, int maxInstances, long scaleInHoldMs, long lookaheadMs, double headroom,
                         double pricePerInstanceHour) {
        public Policy {
            List<String> bad = new ArrayList<>();
            if (minInstances < 1) {
                bad.add("minInstances must be >= 1: " + minInstances);
            }
            if (maxInstances < minInstances) {
                bad.add("maxInstances must be >= minInstances: " + maxInstances + " < " + minInstances);
            }
            if (scaleInHoldMs < 0) {
                bad.add("scaleInHoldMs must be >= 0: " + scaleInHoldMs);
            }
            if (lookaheadMs <= 0) {
                bad.add("lookaheadMs must be > 0: " + lookaheadMs);
            }
            if (!(headroom >= 1) || Double.isInfinite(headroom)) {
                bad.add("headroom must be >= 1: " + headroom);
            }
            if (!(pricePerInstanceHour >= 0) || Double.isInfinite(pricePerInstanceHour)) {
                bad.add("pricePerInstanceHour must be >= 0: " + pricePerInstanceHour);
            }
            if (!bad.isEmpty()) {
                throw new IllegalArgumentException("scaling policy: " + String.join("; ", bad));
            }
        }
    }

    /**
     * What the advisor remembers: the count it advises, and while fewer would do, since when and the most
     * instances that period needed.
     */
    public record State(int advised, long lowSinceMs, int lowNeed) {
        public static State initial(int instances) {
            return new State(instances, NONE, 0);
        }

        public byte[] encode() {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(16);
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeInt(advised);
                out.writeLong(lowSinceMs);
                out.writeInt(lowNeed);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return bytes.toByteArray();
        }

        /** @throws IllegalArgumentException if the bytes are not a state */
        public static State decode(byte[] bytes) {
            if (bytes.length != 16) {
                throw new IllegalArgumentException("scaling advisor state must be 16 bytes, got " + bytes.length);
            }
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
                return new State(in.readInt(), in.readLong(), in.readInt());
            } catch (IOException e) {
                throw new IllegalArgumentException("unreadable scaling advisor state", e);
            }
        }
    }

    /** The advice and the state to pass to the next call. */
    public record Step(Advice advice, State state) {
    }

    private final Policy policy;

    public ScalingAdvisor(Policy policy) {
        this.policy = policy;
    }

    public Policy policy() {
        return policy;
    }

    /**
     * Advice at {@code nowMs}.
     *
     * @param current     instances the service has now (running or starting), at least 1
     * @param currentRate the latest window's request rate (req/s); NaN if unknown
     * @param forecasts   rate forecasts made at {@code nowMs}; horizons beyond the look-ahead are ignored
     * @param capacity    the capacity per instance (the model's, or {@link CapacityEstimate#override})
     * @param state       the previous call's state, or {@link State#initial}
     */
    public Step advise(String service, long nowMs, int current, double currentRate, List<RateForecast> forecasts,
                       CapacityEstimate capacity, State state) {
        if (current < 1) {
            throw new IllegalArgumentException("current instances must be >= 1, got " + current);
        }
        String source = capacity.binding().equals("override") ? "override"
            : switch (capacity.status()) {
                case OBSERVED -> "model";
                case EXTRAPOLATED -> "model-extrapolated";
                case UNKNOWN -> "unknown";
            };
        if (!capacity.known()) {
            return new Step(new Advice(service, nowMs, Advice.Action.UNKNOWN, current, current, nowMs, -1, -1, -1,
                Double.NaN, source, current * policy.pricePerInstanceHour(), 0, "capacity unknown: " + capacity.reason()),
                state);
        }
        double cap = capacity.perInstance();
        int now = Double.isFinite(currentRate) ? need(currentRate, cap) : 0;
        RateForecast best = null; // the forecast within the look-ahead whose upper end needs the most (the earliest)
        int bestNeed = -1;
        for (RateForecast f : forecasts) {
            if (f.horizonMs() <= policy.lookaheadMs() && Double.isFinite(f.upper())) {
                int nu = need(f.upper(), cap);
                if (nu > bestNeed || (nu == bestNeed && f.horizonMs() < best.horizonMs())) {
                    best = f;
                    bestNeed = nu;
                }
            }
        }
        int target = Math.max(now, bestNeed);
        long decisive = 0;
        int expected = now;
        int lower = now;
        int upper = now;
        if (best != null && bestNeed >= now) {
            decisive = best.horizonMs();
            expected = need(best.predicted(), cap);
            lower = need(best.lower(), cap);
            upper = bestNeed;
        }
        if (best == null && !Double.isFinite(currentRate)) {
            return new Step(new Advice(service, nowMs, Advice.Action.UNKNOWN, current, current, nowMs, -1, -1, -1, cap,
                source, current * policy.pricePerInstanceHour(), 0, "no rate and no forecast"), state);
        }
        int want = clamp(target);
        int advised = clamp(state.advised());
        State next;
        String why;
        if (want > advised) {
            advised = want;
            next = new State(advised, NONE, 0);
            why = decisive == 0 ? "the current rate needs it" : "the forecast's upper bound needs it in "
                + minutes(decisive);
        } else if (want == advised) {
            next = new State(advised, NONE, 0);
            why = "the forecast needs the advised count";
        } else {
            long since = state.lowSinceMs() == NONE ? nowMs : state.lowSinceMs();
            int lowNeed = state.lowSinceMs() == NONE ? want : Math.max(state.lowNeed(), want);
            if (nowMs - since >= policy.scaleInHoldMs()) {
                advised = lowNeed;
                next = new State(advised, NONE, 0);
                why = "fewer instances have sufficed for " + minutes(nowMs - since);
            } else {
                next = new State(advised, since, lowNeed);
                why = lowNeed + " would suffice; scale-in after " + minutes(policy.scaleInHoldMs()) + " of that ("
                    + minutes(nowMs - since) + " so far)";
            }
            decisive = 0;
        }
        if (target > policy.maxInstances()) {
            why += "; capped at the maximum " + policy.maxInstances() + " (needs " + target + ")";
        }
        if (capacity.status() == CapacityEstimate.Status.EXTRAPOLATED) {
            why += "; " + capacity.reason();
        }
        Advice.Action action = advised > current ? Advice.Action.SCALE_OUT
            : advised < current ? Advice.Action.SCALE_IN : Advice.Action.HOLD;
        double price = policy.pricePerInstanceHour();
        return new Step(new Advice(service, nowMs, action, current, advised, nowMs + decisive, expected, lower, upper, cap,
            source, advised * price, (advised - current) * price, why), next);
    }

    /** Instances a rate needs at this capacity per instance (0 for a rate of 0). */
    private int need(double rate, double cap) {
        double n = Math.max(0, rate) * policy.headroom() / cap;
        return (int) Math.min(Integer.MAX_VALUE / 2, Math.ceil(n - 1e-9));
    }

    private int clamp(int n) {
        return Math.max(policy.minInstances(), Math.min(policy.maxInstances(), n));
    }

    private static String minutes(long ms) {
        return ms % 60_000 == 0 ? ms / 60_000 + " min" : String.format("%.1f min", ms / 60_000.0);
    }
}
