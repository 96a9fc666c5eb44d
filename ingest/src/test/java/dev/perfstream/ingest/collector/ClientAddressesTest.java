package dev.perfstream.ingest.collector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.ingest.collector.ClientAddresses.Client;
import dev.perfstream.ingest.collector.ClientAddresses.Header;
import dev.perfstream.ingest.collector.ClientAddresses.Source;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClientAddressesTest {
    private static final TrustedProxies PROXIES = proxies("10.0.0.0/8", "192.168.1.1", "fd00::/8");
    private final ClientAddresses xff = new ClientAddresses(PROXIES, Header.X_FORWARDED_FOR);
    private final ClientAddresses rfc = new ClientAddresses(PROXIES, Header.FORWARDED);

    private static TrustedProxies proxies(String... cidrs) {
        List<String> problems = new ArrayList<>();
        TrustedProxies t = TrustedProxies.parse(List.of(cidrs), problems::add);
        assertThat(problems).isEmpty();
        return t;
    }

    @Test
    void shouldParseAddressLiteralsWithoutDns() {
        assertThat(IpLiterals.parse("192.0.2.7")).containsExactly(192, 0, 2, 7);
        assertThat(IpLiterals.format(IpLiterals.parse("2001:DB8:0:0::1"))).isEqualTo("2001:db8:0:0:0:0:0:1");
        assertThat(IpLiterals.parse("::ffff:192.0.2.7")).hasSize(4);
        for (String bad : new String[] {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1..2.3", "1.2.3.4.",
            "localhost", "example.com", "abc", "fe80::1%eth0", "[::1]", "::1::2", "1.2.3.-4", "unknown", " 1.2.3.4"}) {
            assertThat(IpLiterals.parse(bad)).as(bad).isNull();
        }
    }

    @Test
    void shouldRefuseRangesThatAreNotCidrsNamingThem() {
        List<String> problems = new ArrayList<>();
        TrustedProxies t = TrustedProxies.parse(List.of("10.0.0.0/33", "proxy.local", "::/129", "10.1.0.0/16", "1.2.3.4/x"), problems::add);
        assertThat(problems).hasSize(4).anySatisfy(p -> assertThat(p).contains("proxy.local"))
            .anySatisfy(p -> assertThat(p).contains("10.0.0.0/33").contains("0 to 32"));
        assertThat(t.contains(IpLiterals.parse("10.1.200.3"))).isTrue();
        assertThat(t.contains(IpLiterals.parse("10.2.0.1"))).isFalse();
        TrustedProxies odd = proxies("172.16.0.0/12", "2001:db8::/33");
        assertThat(odd.contains(IpLiterals.parse("172.31.255.255"))).isTrue();
        assertThat(odd.contains(IpLiterals.parse("172.32.0.0"))).isFalse();
        assertThat(odd.contains(IpLiterals.parse("2001:db8:7fff::1"))).isTrue();
        assertThat(odd.contains(IpLiterals.parse("2001:db8:8000::1"))).isFalse();
        assertThat(odd.contains(IpLiterals.parse("::ffff:172.16.0.1"))).isTrue(); // IPv4-mapped is IPv4
    }

    @Test
    void shouldIgnoreForwardingHeadersFromUntrustedPeers() {
        assertThat(xff.resolve("203.0.113.9", "198.51.100.1")).isEqualTo(new Client("203.0.113.9", Source.IGNORED_UNTRUSTED));
        assertThat(xff.resolve("203.0.113.9", null)).isEqualTo(new Client("203.0.113.9", Source.PEER));
        ClientAddresses none = new ClientAddresses(TrustedProxies.NONE, Header.X_FORWARDED_FOR);
        assertThat(none.resolve("10.0.0.1", "198.51.100.1")).isEqualTo(new Client("10.0.0.1", Source.IGNORED_UNTRUSTED));
    }

    @Test
    void shouldTakeTheRightMostUntrustedHop() {
        // the client wrote "1.1.1.1" itself; the ingress (10.0.0.5) appended the real peer 198.51.100.7
        assertThat(xff.resolve("10.0.0.5", "1.1.1.1, 198.51.100.7")).isEqualTo(new Client("198.51.100.7", Source.FORWARDED));
        // a chain of two trusted proxies: CDN edge (192.168.1.1) in front of the ingress
        assertThat(xff.resolve("10.0.0.5", "1.1.1.1,198.51.100.7 , 192.168.1.1")).isEqualTo(new Client("198.51.100.7", Source.FORWARDED));
        // repeated header fields arrive joined
        assertThat(xff.resolve("10.0.0.5", "1.1.1.1, 198.51.100.7,10.3.3.3")).isEqualTo(new Client("198.51.100.7", Source.FORWARDED));
        assertThat(xff.resolve("10.0.0.5", null)).isEqualTo(new Client("10.0.0.5", Source.TRUSTED_NO_HEADER));
        assertThat(xff.resolve("10.0.0.5", "10.9.9.9, 10.0.0.4")).isEqualTo(new Client("10.9.9.9", Source.ALL_TRUSTED));
    }

    @Test
    void shouldReadPortsBracketsAndIpv6ByTheir64() {
        assertThat(xff.resolve("10.0.0.5", "198.51.100.7:52311").key()).isEqualTo("198.51.100.7");
        assertThat(xff.resolve("10.0.0.5", "[2001:db8:1:2:3:4:5:6]:443").key()).isEqualTo("2001:db8:1:2:0:0:0:0/64");
        assertThat(xff.resolve("10.0.0.5", "2001:db8:1:2::99").key()).isEqualTo("2001:db8:1:2:0:0:0:0/64");
        assertThat(xff.resolve("10.0.0.5", "[2001:db8:1:2::99]").key()).isEqualTo("2001:db8:1:2:0:0:0:0/64");
        assertThat(xff.resolve("fd00::17", "2001:db8:1:3::1, fd12::1").source()).isEqualTo(Source.FORWARDED);
        assertThat(xff.resolve("2001:db8:5:5::1", null).key()).isEqualTo("2001:db8:5:5:0:0:0:0/64");
    }

    @Test
    void shouldKeyMalformedUnknownAndLongChainsOnTheNearestTrustedProxy() {
        assertThat(xff.resolve("10.0.0.5", "198.51.100.7, <script>")).isEqualTo(new Client("10.0.0.5", Source.MALFORMED));
        assertThat(xff.resolve("10.0.0.5", "198.51.100.7, example.com, 10.0.0.6")).isEqualTo(new Client("10.0.0.6", Source.MALFORMED));
        assertThat(xff.resolve("10.0.0.5", "198.51.100.7,,")).isEqualTo(new Client("10.0.0.5", Source.MALFORMED));
        assertThat(xff.resolve("10.0.0.5", "[2001:db8::1")).isEqualTo(new Client("10.0.0.5", Source.MALFORMED));
        assertThat(xff.resolve("10.0.0.5", "fe80::1%25eth0")).isEqualTo(new Client("10.0.0.5", Source.MALFORMED));
        assertThat(xff.resolve("10.0.0.5", "198.51.100.7, unknown")).isEqualTo(new Client("10.0.0.5", Source.UNKNOWN));
        assertThat(xff.resolve("10.0.0.5", "\u0000\uFFFF,\"\"")).isEqualTo(new Client("10.0.0.5", Source.MALFORMED));
        assertThat(xff.resolve("10.0.0.5", "_hidden7")).isEqualTo(new Client("_hidden7", Source.OBFUSCATED));
        assertThat(xff.resolve("10.0.0.5", "_bad/chars")).isEqualTo(new Client("10.0.0.5", Source.MALFORMED));
        String chain = "198.51.100.7" + ", 10.0.0.1".repeat(ClientAddresses.MAX_HOPS);
        assertThat(xff.resolve("10.0.0.5", chain)).isEqualTo(new Client("10.0.0.1", Source.TOO_MANY_HOPS));
        String longButFine = "10.0.0.1, ".repeat(500) + "198.51.100.7";
        assertThat(xff.resolve("10.0.0.5", longButFine)).isEqualTo(new Client("198.51.100.7", Source.FORWARDED));
    }

    @Test
    void shouldParseRfc7239Forwarded() {
        assertThat(ClientAddresses.forwardedFor("for=192.0.2.43, for=\"[2001:db8:cafe::17]:4711\";proto=https;by=10.0.0.5"))
            .containsExactly("192.0.2.43", "[2001:db8:cafe::17]:4711");
        assertThat(ClientAddresses.forwardedFor("proto=http;For=\"_gazonk\", by=10.0.0.1, for=unknown"))
            .containsExactly("_gazonk", null, "unknown");
        assertThat(ClientAddresses.forwardedFor("for=\"1.2.3.4, 5.6.7.8\";host=\"a;b\"")).containsExactly("1.2.3.4, 5.6.7.8");
        assertThat(ClientAddresses.forwardedFor("for=\"unterminated")).containsExactly((String) null);
        assertThat(ClientAddresses.forwardedFor("garbage")).containsExactly((String) null);

        assertThat(rfc.resolve("10.0.0.5", "for=1.1.1.1, for=\"[2001:db8:cafe::17]:4711\"; proto=https"))
            .isEqualTo(new Client("2001:db8:cafe:0:0:0:0:0/64", Source.FORWARDED));
        assertThat(rfc.resolve("10.0.0.5", "for=198.51.100.7;proto=https, for=10.0.0.9")).isEqualTo(new Client("198.51.100.7", Source.FORWARDED));
        assertThat(rfc.resolve("10.0.0.5", "for=_gazonk")).isEqualTo(new Client("_gazonk", Source.OBFUSCATED));
        assertThat(rfc.resolve("10.0.0.5", "for=198.51.100.7, by=10.0.0.1")).isEqualTo(new Client("10.0.0.5", Source.UNKNOWN));
        assertThat(rfc.resolve("10.0.0.5", "for=unknown")).isEqualTo(new Client("10.0.0.5", Source.UNKNOWN));
        assertThat(rfc.resolve("10.0.0.5", "for=\"1.2.3.4, 5.6.7.8\"")).isEqualTo(new Client("10.0.0.5", Source.MALFORMED));
        // an X-Forwarded-For value is not read in Forwarded mode (nor the reverse)
        assertThat(rfc.resolve("10.0.0.5", "198.51.100.7")).isEqualTo(new Client("10.0.0.5", Source.UNKNOWN));
        assertThat(xff.resolve("10.0.0.5", "for=198.51.100.7")).isEqualTo(new Client("10.0.0.5", Source.MALFORMED));
    }
}
