package dev.perfstream.testkit;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.security.auth.x500.X500Principal;

/**
 * A throw-away certificate authority for tests, made with {@code java.security} only (no keytool, no
 * BouncyCastle): EC P-256 keys, X.509 v3 certificates signed with SHA256withECDSA, PKCS12 key stores
 * and a trust store in a temp folder, each with a random password made at run time. Nothing of it is
 * committed, and it lives as long as the folder.
 *
 * <p>The certificates are written out as DER by hand (the JDK can parse and sign, but its certificate
 * builder is internal): a CA with {@code basicConstraints CA:true}, and leaf certificates with
 * {@code subjectAltName} entries (a broker's {@code localhost} and {@code 127.0.0.1}, so Kafka's default
 * host name verification passes).
 */
public final class TestPki {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final byte[] ECDSA_WITH_SHA256 = oid(1, 2, 840, 10045, 4, 3, 2);
    private final Path dir;
    private final String storePassword;
    private final KeyPair caKey;
    private final X509Certificate caCert;
    private final X500Principal caName;

    private TestPki(Path dir, String storePassword, KeyPair caKey, X509Certificate caCert) {
        this.dir = dir;
        this.storePassword = storePassword;
        this.caKey = caKey;
        this.caCert = caCert;
        this.caName = caCert.getSubjectX500Principal();
    }

    /** A new CA named {@code CN=<name>} whose stores go to {@code dir} (created if missing). */
    public static TestPki create(Path dir, String name) throws Exception {
        Files.createDirectories(dir);
        KeyPair key = keyPair();
        X500Principal subject = new X500Principal("CN=" + name);
        byte[] ext = extensions(
            extension(oid(2, 5, 29, 19), true, seq(bool(true))),                     // basicConstraints CA:true
            extension(oid(2, 5, 29, 15), true, tlv(0x03, new byte[] {1, 0x06})));     // keyUsage keyCertSign, cRLSign
        X509Certificate cert = sign(subject, subject, key.getPublic().getEncoded(), ext, key.getPrivate());
        return new TestPki(dir, randomSecret(), key, cert);
    }

    /** A random secret: 24 characters, URL-safe base64, unlikely to appear anywhere by accident. */
    public static String randomSecret() {
        byte[] b = new byte[18];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    public X509Certificate caCertificate() {
        return caCert;
    }

    /** The password of every store this CA writes (trust store, key stores, keys). */
    public String storePassword() {
        return storePassword;
    }

    /** A PKCS12 trust store with this CA's certificate (written on first use). */
    public synchronized Path truststore() throws Exception {
        Path p = dir.resolve("truststore.p12");
        if (!Files.exists(p)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setCertificateEntry("ca", caCert);
            write(ks, p);
        }
        return p;
    }

    /**
     * A PKCS12 key store (alias {@code cn}) with a new key and its certificate {@code CN=<cn>} signed by this
     * CA, the CA's certificate in the chain.
     *
     * @param dnsNames host names for subjectAltName ({@code localhost} also adds {@code IP:127.0.0.1}); none for a
     *                 client certificate
     */
    public synchronized Path keystore(String cn, String... dnsNames) throws Exception {
        Path p = dir.resolve(cn + ".p12");
        if (Files.exists(p)) {
            return p;
        }
        KeyPair key = keyPair();
        List<byte[]> ext = new ArrayList<>();
        ext.add(extension(oid(2, 5, 29, 19), true, seq()));                       // basicConstraints CA:false
        if (dnsNames.length > 0) {
            List<byte[]> names = new ArrayList<>();
            for (String d : dnsNames) {
                names.add(tlv(0x82, d.getBytes(StandardCharsets.US_ASCII)));     // dNSName
                if (d.equals("localhost")) {
                    names.add(tlv(0x87, new byte[] {127, 0, 0, 1}));             // iPAddress
                }
            }
            ext.add(extension(oid(2, 5, 29, 17), false, seq(names.toArray(new byte[0][]))));
        }
        X509Certificate cert = sign(caName, new X500Principal("CN=" + cn), key.getPublic().getEncoded(),
            extensions(ext.toArray(new byte[0][])), caKey.getPrivate());
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry(cn, key.getPrivate(), storePassword.toCharArray(), new Certificate[] {cert, caCert});
        write(ks, p);
        return p;
    }

    private void write(KeyStore ks, Path p) throws Exception {
        try (OutputStream out = Files.newOutputStream(p)) {
            ks.store(out, storePassword.toCharArray());
        }
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system
        }
    }

    // ---- X.509 in DER ----------------------------------------------------------------------------

    private static KeyPair keyPair() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return g.generateKeyPair();
    }

    private static X509Certificate sign(X500Principal issuer, X500Principal subject, byte[] publicKeyInfo,
                                        byte[] extensions, PrivateKey issuerKey) throws Exception {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        byte[] algorithm = seq(ECDSA_WITH_SHA256);
        byte[] tbs = seq(
            tlv(0xA0, integer(BigInteger.TWO)),                                  // version v3
            integer(new BigInteger(63, RANDOM).add(BigInteger.ONE)),             // serial
            algorithm,
            issuer.getEncoded(),
            seq(utcTime(now.minus(1, ChronoUnit.DAYS)), utcTime(now.plus(2, ChronoUnit.DAYS))),
            subject.getEncoded(),
            publicKeyInfo,
            tlv(0xA3, extensions));
        Signature s = Signature.getInstance("SHA256withECDSA");
        s.initSign(issuerKey);
        s.update(tbs);
        byte[] sig = s.sign();
        byte[] bits = new byte[sig.length + 1];                                    // no unused bits
        System.arraycopy(sig, 0, bits, 1, sig.length);
        byte[] der = seq(tbs, algorithm, tlv(0x03, bits));
        return (X509Certificate) CertificateFactory.getInstance("X.509")
            .generateCertificate(new java.io.ByteArrayInputStream(der));
    }

    private static byte[] extensions(byte[]... ext) {
        return seq(ext);
    }

    private static byte[] extension(byte[] oid, boolean critical, byte[] value) {
        return critical ? seq(oid, bool(true), tlv(0x04, value)) : seq(oid, tlv(0x04, value));
    }

    private static byte[] utcTime(Instant t) {
        String s = DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").withZone(ZoneOffset.UTC).format(t);
        return tlv(0x17, s.getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] bool(boolean v) {
        return tlv(0x01, new byte[] {(byte) (v ? 0xFF : 0)});
    }

    private static byte[] integer(BigInteger v) {
        return tlv(0x02, v.toByteArray());
    }

    private static byte[] oid(int... arcs) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(40 * arcs[0] + arcs[1]);
        for (int i = 2; i < arcs.length; i++) {
            int v = arcs[i];
            int n = 0;
            byte[] tmp = new byte[5];
            do {
                tmp[n++] = (byte) (v & 0x7F);
                v >>>= 7;
            } while (v != 0);
            for (int j = n - 1; j >= 0; j--) {
                b.write(j == 0 ? tmp[j] : tmp[j] | 0x80);
            }
        }
        return tlv(0x06, b.toByteArray());
    }

    private static byte[] seq(byte[]... parts) {
        return tlv(0x30, concat(parts));
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }

    private static byte[] tlv(int tag, byte[] value) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(tag);
        int len = value.length;
        if (len < 0x80) {
            b.write(len);
        } else {
            byte[] l = BigInteger.valueOf(len).toByteArray();
            int start = l[0] == 0 ? 1 : 0;
            b.write(0x80 | (l.length - start));
            b.write(l, start, l.length - start);
        }
        b.writeBytes(value);
        return b.toByteArray();
    }
}
