package dev.perfstream.ingest.collector;

import java.util.ArrayList;
import java.util.List;

/**
 * The proxies whose forwarding headers the collector believes ({@code collector.trusted.proxies}): a list
 * of CIDR ranges, IPv4 and IPv6; a bare address is a range of one. Empty trusts nobody.
 */
final class TrustedProxies {
    private record Range(byte[] network, int bits) {
        boolean contains(byte[] a) {
            if (a.length != network.length) {
                return false;
            }
            int full = bits / 8;
            for (int i = 0; i < full; i++) {
                if (a[i] != network[i]) {
                    return false;
                }
            }
            int rest = bits % 8;
            if (rest == 0) {
                return true;
            }
            int mask = 0xff << (8 - rest) & 0xff;
            return (a[full] & mask) == (network[full] & mask);
        }
    }

    private final List<Range> ranges;

    private TrustedProxies(List<Range> ranges) {
        this.ranges = ranges;
    }

    static final TrustedProxies NONE = new TrustedProxies(List.of());

    /**
     * @param cidrs    ranges like {@code 10.0.0.0/8}, {@code fd00::/8} or single addresses
     * @param problems receives one message per entry that is no range, naming it
     */
    static TrustedProxies parse(List<String> cidrs, java.util.function.Consumer<String> problems) {
        List<Range> ranges = new ArrayList<>();
        for (String raw : cidrs) {
            String c = raw.trim();
            int slash = c.indexOf('/');
            byte[] net = IpLiterals.parse(slash < 0 ? c : c.substring(0, slash));
            if (net == null) {
                problems.accept("\"" + raw + "\" is not an IPv4 or IPv6 address or CIDR range (like 10.0.0.0/8 or fd00::/8)");
                continue;
            }
            int max = net.length * 8;
            int bits = max;
            if (slash >= 0) {
                String b = c.substring(slash + 1);
                bits = b.matches("\\d{1,3}") ? Integer.parseInt(b) : -1;
                if (bits < 0 || bits > max) {
                    problems.accept("\"" + raw + "\": prefix length must be 0 to " + max);
                    continue;
                }
            }
            ranges.add(new Range(net, bits));
        }
        return new TrustedProxies(List.copyOf(ranges));
    }

    boolean isEmpty() {
        return ranges.isEmpty();
    }

    boolean contains(byte[] address) {
        for (Range r : ranges) {
            if (r.contains(address)) {
                return true;
            }
        }
        return false;
    }
}
