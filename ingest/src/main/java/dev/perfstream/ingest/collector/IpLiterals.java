package dev.perfstream.ingest.collector;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * IP address literals to bytes, never through DNS: {@code InetAddress.getByName} looks up any text that is
 * not a literal, and forwarding headers are client-supplied text. IPv4 is parsed here (four decimal parts,
 * 0-255, no leading-zero octal forms); IPv6 is handed to the JDK only in brackets and only when it consists
 * of hex digits, colons and dots with at least one colon, the form the JDK parses as a literal or refuses
 * ("invalid IPv6 address") without a lookup. IPv4-mapped IPv6 addresses come back as IPv4.
 */
final class IpLiterals {
    private IpLiterals() {
    }

    /** @return 4 or 16 bytes, or null when {@code s} is not an IPv4 or IPv6 literal (scope ids refused) */
    static byte[] parse(String s) {
        if (s == null || s.isEmpty() || s.length() > 45) {
            return null;
        }
        return s.indexOf(':') < 0 ? parseV4(s) : parseV6(s);
    }

    private static byte[] parseV4(String s) {
        byte[] b = new byte[4];
        int part = 0;
        int value = 0;
        int digits = 0;
        for (int i = 0; i <= s.length(); i++) {
            char c = i < s.length() ? s.charAt(i) : '.';
            if (c >= '0' && c <= '9') {
                if (digits == 1 && value == 0) {
                    return null; // "01": leading zeros read as octal by some parsers, refused
                }
                value = value * 10 + (c - '0');
                if (++digits > 3 || value > 255) {
                    return null;
                }
            } else if (c == '.' && digits > 0 && part < 4) {
                b[part++] = (byte) value;
                value = 0;
                digits = 0;
            } else {
                return null;
            }
        }
        return part == 4 ? b : null;
    }

    private static byte[] parseV6(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
            if (!ok) {
                return null;
            }
        }
        try {
            InetAddress a = InetAddress.getByName("[" + s + "]");
            return a instanceof Inet4Address || a.getAddress().length == 16 ? a.getAddress() : null;
        } catch (UnknownHostException | IllegalArgumentException e) {
            return null;
        }
    }

    /** The usual text of an address (dotted quad; RFC 5952 compressed IPv6 through the JDK). */
    static String format(byte[] a) {
        if (a.length == 4) {
            return (a[0] & 0xff) + "." + (a[1] & 0xff) + "." + (a[2] & 0xff) + "." + (a[3] & 0xff);
        }
        try {
            return InetAddress.getByAddress(a).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an address: " + a.length + " bytes", e);
        }
    }
}
