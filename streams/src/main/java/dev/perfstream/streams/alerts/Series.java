package dev.perfstream.streams.alerts;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Alert fingerprints; the series an alert names is {@link dev.perfstream.schemas.series.SeriesKey#display()}. */
public final class Series {
    private Series() {
    }

    /**
     * Stable id of one alert: the same rule on the same series always gets the same fingerprint,
     * across restarts, reloads and instances (16 hex digits of SHA-256 of rule id and series).
     */
    public static String fingerprint(String ruleId, String series) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] h = md.digest((ruleId + "\n" + series).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
