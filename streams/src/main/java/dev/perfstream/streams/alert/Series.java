package dev.perfstream.streams.alert;

import dev.perfstream.schemas.avro.SeriesKind;
import dev.perfstream.schemas.avro.WindowStats;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Series names as they appear on alerts, and alert fingerprints. */
public final class Series {
    private Series() {
    }

    /** {@code metric=..,service=..,route=..} or {@code vital=..,app=..,page=..,device=..}. */
    public static String of(WindowStats s) {
        if (s.getKind() == SeriesKind.RUM) {
            return "vital=" + s.getName() + ",app=" + s.getService() + ",page=" + s.getRoute()
                + ",device=" + (s.getDeviceClass() == null ? "-" : s.getDeviceClass());
        }
        return "metric=" + s.getName() + ",service=" + s.getService() + ",route=" + s.getRoute();
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
