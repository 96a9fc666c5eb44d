package dev.perfstream.ingest.collector;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Salted SHA-256 of a session id, truncated to 128 bits: joins events of a session without keeping the id. */
final class SessionHasher {
    private final byte[] salt;

    SessionHasher(String salt) {
        this.salt = salt.getBytes(StandardCharsets.UTF_8);
    }

    String hash(String sessionId) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(salt);
            md.update((byte) 0);
            byte[] d = md.digest(sessionId.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
