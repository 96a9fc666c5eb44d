package dev.perfstream.ingest.collector;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Salted SHA-256 of a session id, truncated to 128 bits: joins events of a session without keeping the id. */
final class SessionHasher {
    private static final HexFormat HEX = HexFormat.of();
    /** The digest with the salt already fed in; each hash works on a clone (cheaper than a provider lookup per call). */
    private final MessageDigest salted;

    SessionHasher(String salt) {
        try {
            salted = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
        salted.update(salt.getBytes(StandardCharsets.UTF_8));
        salted.update((byte) 0);
    }

    String hash(String sessionId) {
        MessageDigest md;
        try {
            md = (MessageDigest) salted.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("the JDK's SHA-256 digest is cloneable", e);
        }
        byte[] d = md.digest(sessionId.getBytes(StandardCharsets.UTF_8));
        return HEX.formatHex(d, 0, 16);
    }
}
