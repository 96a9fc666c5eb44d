package dev.perfstream.ingest.collector;

import java.util.Locale;

/**
 * Device class and browser family from a User-Agent header, when the beacon does not say. Coarse
 * on purpose (three device classes, five browser families): the full string is never stored.
 */
final class UserAgents {
    private UserAgents() {
    }

    static String deviceClass(String ua) {
        if (ua == null) {
            return "desktop";
        }
        if (ua.contains("iPad") || ua.contains("Tablet") || (ua.contains("Android") && !ua.contains("Mobile"))) {
            return "tablet";
        }
        if (ua.contains("Mobi") || ua.contains("iPhone") || ua.contains("Android")) {
            return "mobile";
        }
        return "desktop";
    }

    static String browser(String ua) {
        if (ua == null) {
            return null;
        }
        String u = ua.toLowerCase(Locale.ROOT);
        if (u.contains("edg/")) {
            return "edge";
        }
        if (u.contains("firefox/")) {
            return "firefox";
        }
        if (u.contains("chrome/") || u.contains("chromium/") || u.contains("headlesschrome/")) {
            return "chrome";
        }
        if (u.contains("safari/")) {
            return "safari";
        }
        return "other";
    }
}
