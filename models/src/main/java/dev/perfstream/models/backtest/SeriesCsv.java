package dev.perfstream.models.backtest;

import java.io.BufferedReader;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * Reads one series as CSV {@code timestamp,value}, line by line. Accepts an optional header (columns
 * found by name: timestamp/time/ts/date/datetime and value/y), comma, semicolon or tab separators,
 * quoted fields, timestamps as epoch seconds, epoch milliseconds or ISO-8601 (without zone = UTC).
 * Empty, {@code NaN}, {@code null} and {@code NA} values are missing values, not errors. A row whose
 * timestamp or value cannot be parsed is returned with {@link Row#error()} naming the line, so the caller
 * keeps one output row per input row. Hand-written (rather than commons-csv) to stay allocation-light
 * at over 100k rows/s and to report errors per line without stopping.
 */
public final class SeriesCsv {
    /** One input row. {@code timeMillis} is valid only when {@code error} is null. */
    public record Row(long line, String rawTime, String rawValue, long timeMillis, double value, String error) {
    }

    private final BufferedReader in;
    private long line;
    private char sep = 0;
    private int timeCol = 0;
    private int valueCol = 1;
    private boolean started;
    private Row pending;
    private boolean headerSeen;

    public SeriesCsv(BufferedReader in) {
        this.in = in;
    }

    /** Whether the file had a header line (known after the first {@link #next()}). */
    public boolean hadHeader() {
        return headerSeen;
    }

    /** @return the next row, or null at the end */
    public Row next() throws IOException {
        if (pending != null) {
            Row r = pending;
            pending = null;
            return r;
        }
        String l;
        while ((l = in.readLine()) != null) {
            line++;
            if (l.isBlank()) {
                continue;
            }
            if (!started) {
                started = true;
                sep = detectSeparator(l);
                String[] cells = split(l, sep);
                if (cells.length >= 2 && parseTime(cells[0]) == Long.MIN_VALUE && !isNumber(cells[1])) {
                    headerSeen = true;
                    findColumns(cells);
                    continue;
                }
            }
            return parse(l);
        }
        return null;
    }

    private Row parse(String l) {
        String[] cells = split(l, sep);
        if (cells.length <= Math.max(timeCol, valueCol)) {
            String t = cells.length > timeCol ? cells[timeCol] : l;
            return new Row(line, t, "", 0, Double.NaN,
                "line " + line + ": expected " + (Math.max(timeCol, valueCol) + 1) + " columns, found " + cells.length);
        }
        String rt = cells[timeCol];
        String rv = cells[valueCol];
        long t = parseTime(rt);
        if (t == Long.MIN_VALUE) {
            return new Row(line, rt, rv, 0, Double.NaN, "line " + line + ": cannot parse timestamp '" + rt + "'");
        }
        double v = parseValue(rv);
        if (v == Double.NEGATIVE_INFINITY && !rv.trim().toLowerCase(Locale.ROOT).contains("inf")) {
            return new Row(line, rt, rv, t, Double.NaN, "line " + line + ": cannot parse value '" + rv + "'");
        }
        return new Row(line, rt, rv, t, v, null);
    }

    private void findColumns(String[] header) {
        for (int i = 0; i < header.length; i++) {
            String h = header[i].trim().toLowerCase(Locale.ROOT);
            if (h.equals("timestamp") || h.equals("time") || h.equals("ts") || h.equals("date") || h.equals("datetime")) {
                timeCol = i;
            } else if (h.equals("value") || h.equals("y") || h.equals("val")) {
                valueCol = i;
            }
        }
        if (timeCol == valueCol) {
            valueCol = timeCol == 0 ? 1 : 0;
        }
    }

    private static char detectSeparator(String l) {
        if (l.indexOf(',') >= 0) {
            return ',';
        }
        if (l.indexOf(';') >= 0) {
            return ';';
        }
        return '\t';
    }

    static String[] split(String l, char sep) {
        // Fast path for the usual two unquoted cells.
        int i = l.indexOf(sep);
        if (i >= 0 && l.indexOf(sep, i + 1) < 0 && l.indexOf('"') < 0) {
            return new String[] {l.substring(0, i).trim(), l.substring(i + 1).trim()};
        }
        java.util.List<String> out = new java.util.ArrayList<>(4);
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int k = 0; k < l.length(); k++) {
            char c = l.charAt(k);
            if (c == '"') {
                if (quoted && k + 1 < l.length() && l.charAt(k + 1) == '"') {
                    cur.append('"');
                    k++;
                } else {
                    quoted = !quoted;
                }
            } else if (c == sep && !quoted) {
                out.add(cur.toString().trim());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        out.add(cur.toString().trim());
        return out.toArray(new String[0]);
    }

    /** Missing value tokens give NaN; unparseable text gives -Infinity (checked by the caller). */
    static double parseValue(String s) {
        String v = s.trim();
        if (v.isEmpty()) {
            return Double.NaN;
        }
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            String l = v.toLowerCase(Locale.ROOT);
            if (l.equals("nan") || l.equals("null") || l.equals("na") || l.equals("n/a") || l.equals("none")) {
                return Double.NaN;
            }
            return Double.NEGATIVE_INFINITY;
        }
    }

    private static boolean isNumber(String s) {
        double v = parseValue(s);
        return v != Double.NEGATIVE_INFINITY || s.toLowerCase(Locale.ROOT).contains("inf");
    }

    /**
     * @return epoch milliseconds, or {@code Long.MIN_VALUE} when not a timestamp. Numbers of magnitude
     *     at least 1e11 are milliseconds, smaller ones seconds (1e11 s would be the year 5138).
     */
    static long parseTime(String s) {
        String t = s.trim();
        if (t.isEmpty()) {
            return Long.MIN_VALUE;
        }
        char c0 = t.charAt(0);
        if ((c0 >= '0' && c0 <= '9') && t.length() < 10 || t.indexOf('-', 1) < 0 && t.indexOf(':') < 0) {
            try {
                double d = Double.parseDouble(t);
                if (!Double.isFinite(d)) {
                    return Long.MIN_VALUE;
                }
                return Math.abs(d) >= 1e11 ? (long) d : Math.round(d * 1000.0);
            } catch (NumberFormatException e) {
                return Long.MIN_VALUE;
            }
        }
        try {
            String iso = t.length() > 10 && t.charAt(10) == ' ' ? t.substring(0, 10) + 'T' + t.substring(11) : t;
            if (iso.length() == 10) {
                return LocalDate.parse(iso).atStartOfDay().toInstant(ZoneOffset.UTC).toEpochMilli();
            }
            char last = iso.charAt(iso.length() - 1);
            if (last == 'Z' || last == 'z') {
                return Instant.parse(iso.toUpperCase(Locale.ROOT)).toEpochMilli();
            }
            int tpos = iso.indexOf('T');
            if (tpos > 0 && (iso.indexOf('+', tpos) > 0 || iso.indexOf('-', tpos) > 0)) {
                return OffsetDateTime.parse(iso).toInstant().toEpochMilli();
            }
            return LocalDateTime.parse(iso).toInstant(ZoneOffset.UTC).toEpochMilli();
        } catch (DateTimeParseException e) {
            return Long.MIN_VALUE;
        }
    }
}
