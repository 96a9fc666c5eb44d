package dev.perfstream.streams.alerts.attribution;

import dev.perfstream.schemas.avro.Attribution;
import dev.perfstream.schemas.avro.AttributionCause;
import java.util.List;
import java.util.Locale;

/** An {@link Attribution} in words, for alert summaries (see {@link Bottlenecks#text}). */
final class AttributionText {
    private AttributionText() {
    }

    /** See {@link Bottlenecks#text}. */
    static String text(Attribution a) {
        if (a == null) {
            return null;
        }
        String partial = partial(a.getNote());
        if (a.getBaselineWindows() == 0 || !Double.isFinite(a.getMeanDelta())) {
            if (partial == null) {
                return null;
            }
            return "attribution (" + partial + "): "
                + (a.getNote().length() > partial.length() ? a.getNote().substring(partial.length() + 2) : "nothing to compare");
        }
        StringBuilder b = new StringBuilder(partial == null ? "attribution: " : "attribution (" + partial + "): ");
        if (Double.isFinite(a.getStatisticDelta()) && !a.getStatistic().equals("mean")) {
            b.append(a.getStatistic()).append(' ').append(signed(a.getStatisticDelta())).append(", mean ");
        } else {
            b.append("mean ");
        }
        b.append(signed(a.getMeanDelta())).append(" per request against the ").append(a.getBaselineWindows())
            .append(a.getBaselineWindows() == 1 ? " window" : " windows").append(" before");
        if (!(a.getMeanDelta() > 0)) {
            return b.append(": the mean did not rise, nothing to attribute").toString();
        }
        List<AttributionCause> cs = a.getCauses();
        if (cs.isEmpty()) {
            String note = a.getNote() == null || a.getNote().equals(partial) ? null
                : partial == null ? a.getNote() : a.getNote().substring(partial.length() + 2);
            return b.append(": unexplained (").append(note == null ? "no dependency moved with it" : note)
                .append(')').toString();
        }
        b.append(": ");
        for (int i = 0; i < cs.size(); i++) {
            AttributionCause c = cs.get(i);
            b.append(i == 0 ? "" : ", ").append(pct(c.getShare())).append(i == 0 ? " of it in " : " ").append(describe(c));
        }
        if (a.getUnexplained() >= 0.005) {
            b.append(", ").append(pct(a.getUnexplained())).append(" unexplained");
        }
        return b.toString();
    }

    /** The {@code partial: ...} part of a note (up to its first {@code "; "}), or null. */
    static String partial(String note) {
        if (note == null || !note.startsWith(Bottlenecks.PARTIAL)) {
            return null;
        }
        int end = note.indexOf("; ");
        return end < 0 ? note : note.substring(0, end);
    }

    /** See {@link Bottlenecks#describe}. */
    static String describe(AttributionCause c) {
        String what = switch (c.getKind()) {
            case "db_statement" -> "DB statement `" + shorten(c.getName(), 120) + "`";
            case "db" -> "DB time (" + c.getName() + ")";
            case "cache" -> c.getName().equals("cache.lookup") ? "cache lookups" : "cache " + c.getName();
            case "downstream" -> "downstream calls (" + c.getName() + ")";
            default -> c.getName();
        };
        return c.getDetail() == null ? what : what + " (" + c.getDetail() + ")";
    }

    private static String shorten(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 3) + "...";
    }

    static String pct(double share) {
        return Double.isFinite(share) ? String.format(Locale.ROOT, "%.0f %%", share * 100) : "n/a";
    }

    private static String signed(double ms) {
        return (ms >= 0 ? "+" : "-") + ms(Math.abs(ms));
    }

    static String ms(double v) {
        if (!Double.isFinite(v)) {
            return "n/a";
        }
        return (Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.3g", v)) + " ms";
    }
}
