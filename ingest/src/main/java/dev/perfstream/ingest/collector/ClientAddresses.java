package dev.perfstream.ingest.collector;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Who a request comes from, for the per-client rate limit: the TCP peer, or, when the peer is a trusted
 * proxy ({@code collector.trusted.proxies}), the right-most address of the forwarding header that is not a
 * trusted proxy. That is the standard algorithm (MDN's X-Forwarded-For page, RFC 7239 section 5.2): every
 * hop to the right of it was appended by a proxy we trust, everything to the left of it was written by the
 * client or by proxies we know nothing of and may be forged. A forwarding header from a peer that is not
 * trusted is ignored (and counted): anyone can send one.
 *
 * <p>One header is read, the configured one ({@code collector.forwarded.header}): X-Forwarded-For (what
 * ingress-nginx, HAProxy's {@code option forwardfor}, AWS and Google load balancers set) or RFC 7239
 * {@code Forwarded}. Never both and never "whichever is present": a proxy that appends to one passes the
 * other through from the client untouched, so preferring the other would let the client choose its key.
 *
 * <p>When the walk meets a hop it cannot use (garbage, {@code unknown}, a {@code Forwarded} element without
 * {@code for}), more than {@link #MAX_HOPS} trusted hops, or only trusted hops, the key is the nearest
 * trusted hop to its right (the proxy that reported it), so such requests share that proxy's budget rather
 * than pick their own. An RFC 7239 obfuscated identifier ({@code for=_x9}) set by a trusted proxy is the
 * proxy's stable name for a client and is used as the key. IPv6 clients are keyed by their /64 (one
 * subscriber's usual allocation), so rotating addresses within it does not buy a fresh budget.
 *
 * <p>The key lives only in the rate limiter's map; no address goes into an event, a log line or a metric label.
 */
final class ClientAddresses {
    /** Hops walked from the right before giving up (a chain of proxies is rarely longer than three or four). */
    static final int MAX_HOPS = 16;
    static final int MAX_OBFUSCATED = 64;

    /** The forwarding header read from trusted proxies. */
    enum Header {
        X_FORWARDED_FOR("X-Forwarded-For"), FORWARDED("Forwarded");

        final String name;

        Header(String name) {
            this.name = name;
        }

        static Header of(String configured) {
            return configured.equalsIgnoreCase("forwarded") ? FORWARDED : X_FORWARDED_FOR;
        }
    }

    /** How the key was found; counted in {@code perfstream_collector_client_address_total{source}}. */
    enum Source {
        /** the peer; no forwarding header, peer not a trusted proxy */
        PEER,
        /** the right-most untrusted hop of the header */
        FORWARDED,
        /** an RFC 7239 obfuscated identifier set by a trusted proxy */
        OBFUSCATED,
        /** the peer is not trusted but sent a forwarding header: ignored */
        IGNORED_UNTRUSTED,
        /** the peer is trusted but sent no forwarding header */
        TRUSTED_NO_HEADER,
        /** every hop is a trusted proxy: the left-most one */
        ALL_TRUSTED,
        /** a hop is neither an address nor an obfuscated identifier */
        MALFORMED,
        /** a hop says {@code unknown} or a Forwarded element has no {@code for} */
        UNKNOWN,
        /** more than MAX_HOPS trusted hops */
        TOO_MANY_HOPS;

        final String label = name().toLowerCase(Locale.ROOT);
    }

    /** The rate-limit key of a request and how it was found. */
    record Client(String key, Source source) {
    }

    private final TrustedProxies trusted;
    private final Header header;

    ClientAddresses(TrustedProxies trusted, Header header) {
        this.trusted = trusted;
        this.header = header;
    }

    Header header() {
        return header;
    }

    /**
     * @param peer      the TCP peer's address as the server reports it
     * @param forwarded every field of the configured header joined with commas (null when absent)
     */
    Client resolve(String peer, String forwarded) {
        Source direct = forwarded == null ? Source.PEER : Source.IGNORED_UNTRUSTED;
        if (trusted.isEmpty() && peer.indexOf(':') < 0) {
            return new Client(peer, direct); // the usual case without proxies: the server's IPv4 text as is
        }
        byte[] peerBytes = IpLiterals.parse(peer);
        if (peerBytes == null || !trusted.contains(peerBytes)) {
            return new Client(peerBytes == null ? peer : key(peerBytes), direct);
        }
        if (forwarded == null || forwarded.isBlank()) {
            return new Client(key(peerBytes), Source.TRUSTED_NO_HEADER);
        }
        List<String> hops = header == Header.FORWARDED ? forwardedFor(forwarded) : xForwardedFor(forwarded);
        byte[] nearestTrusted = peerBytes;
        int walked = 0;
        for (int i = hops.size() - 1; i >= 0; i--) {
            if (++walked > MAX_HOPS) {
                return new Client(key(nearestTrusted), Source.TOO_MANY_HOPS);
            }
            String hop = hops.get(i);
            if (hop == null || hop.equalsIgnoreCase("unknown")) {
                return new Client(key(nearestTrusted), Source.UNKNOWN);
            }
            if (hop.startsWith("_")) {
                return obfuscated(hop) ? new Client(hop, Source.OBFUSCATED) : new Client(key(nearestTrusted), Source.MALFORMED);
            }
            byte[] a = IpLiterals.parse(withoutPort(hop));
            if (a == null) {
                return new Client(key(nearestTrusted), Source.MALFORMED);
            }
            if (!trusted.contains(a)) {
                return new Client(key(a), Source.FORWARDED);
            }
            nearestTrusted = a;
        }
        return new Client(key(nearestTrusted), Source.ALL_TRUSTED);
    }

    /** IPv4 as is, IPv6 by its /64. */
    static String key(byte[] a) {
        if (a.length == 4) {
            return IpLiterals.format(a);
        }
        byte[] net = java.util.Arrays.copyOf(a, 16);
        java.util.Arrays.fill(net, 8, 16, (byte) 0);
        return IpLiterals.format(net) + "/64";
    }

    private static boolean obfuscated(String s) {
        if (s.length() < 2 || s.length() > MAX_OBFUSCATED) {
            return false;
        }
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(Character.isLetterOrDigit(c) && c < 128 || c == '.' || c == '_' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    /** {@code 1.2.3.4}, {@code 1.2.3.4:80}, {@code ::1}, {@code [::1]}, {@code [::1]:80} to the address text. */
    static String withoutPort(String hop) {
        if (hop.startsWith("[")) {
            int end = hop.indexOf(']');
            if (end < 0) {
                return hop; // unbalanced: not an address
            }
            String rest = hop.substring(end + 1);
            return rest.isEmpty() || rest.startsWith(":") ? hop.substring(1, end) : hop;
        }
        int colon = hop.indexOf(':');
        return colon >= 0 && colon == hop.lastIndexOf(':') ? hop.substring(0, colon) : hop;
    }

    /** X-Forwarded-For: comma-separated hops, left (client) to right (nearest proxy). */
    static List<String> xForwardedFor(String value) {
        List<String> hops = new ArrayList<>();
        for (String h : value.split(",", -1)) {
            String t = h.trim();
            hops.add(t.length() > 2 && t.startsWith("\"") && t.endsWith("\"") ? t.substring(1, t.length() - 1) : t);
        }
        return hops;
    }

    /**
     * RFC 7239 Forwarded: comma-separated elements of {@code ;}-separated {@code name=value} pairs, values
     * tokens or quoted strings (which may hold commas and semicolons). One entry per element: the value of
     * its {@code for} (unquoted), or null when it has none or does not parse.
     */
    static List<String> forwardedFor(String value) {
        List<String> hops = new ArrayList<>();
        String forValue = null;
        boolean broken = false;
        StringBuilder name = new StringBuilder();
        StringBuilder val = new StringBuilder();
        boolean inValue = false;
        boolean quoted = false;
        for (int i = 0; i <= value.length(); i++) {
            char c = i < value.length() ? value.charAt(i) : ',';
            if (quoted) {
                if (c == '\\' && i + 1 < value.length()) {
                    val.append(value.charAt(++i));
                } else if (c == '"') {
                    quoted = false;
                } else if (i == value.length()) {
                    broken = true; // unterminated quoted string
                    quoted = false;
                    i--; // read the virtual end again as the element's end
                } else {
                    val.append(c);
                }
                continue;
            }
            if (c == ';' || c == ',') {
                if (inValue && name.toString().trim().equalsIgnoreCase("for")) {
                    forValue = val.toString().trim();
                } else if (!inValue && !name.toString().isBlank()) {
                    broken = true; // a pair without '='
                }
                name.setLength(0);
                val.setLength(0);
                inValue = false;
                if (c == ',') {
                    hops.add(broken || forValue == null || forValue.isEmpty() ? null : forValue);
                    forValue = null;
                    broken = false;
                }
            } else if (c == '=' && !inValue) {
                inValue = true;
            } else if (c == '"' && inValue && val.toString().isBlank()) {
                quoted = true;
            } else if (inValue) {
                val.append(c);
            } else {
                name.append(c);
            }
        }
        return hops;
    }
}
