package dev.perfstream.models.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.tribuo.Model;

/**
 * Versioned Tribuo models on a file system: {@code <root>/<kind>/<series>/v<N>.tribuo}, each file in
 * Tribuo's protobuf format ({@link Model#serializeToFile}, supported since Tribuo 4.3), so the model's
 * provenance (trainer, its parameters, dataset, training time, Tribuo and Java versions) travels with it.
 * Versions only grow; a file is written under a temporary name and moved into place, so a reader never
 * sees half a model. Several instances may share the root (e.g. a mounted volume).
 */
public final class ModelStore {
    private static final String SUFFIX = ".tribuo";
    private final Path root;

    /** A model and its version. */
    public record Stored(int version, Model<?> model) {
    }

    public ModelStore(Path root) {
        this.root = root;
    }

    public Path root() {
        return root;
    }

    /**
     * Stores a model as the next version of (kind, series).
     *
     * @return the new version number (1, 2, ...)
     */
    public synchronized int save(String kind, String series, Model<?> model) {
        Path dir = dir(kind, series);
        try {
            Files.createDirectories(dir);
            int next = latestVersion(kind, series).orElse(0) + 1;
            Path tmp = Files.createTempFile(dir, ".v" + next, ".tmp");
            model.serializeToFile(tmp);
            Files.move(tmp, dir.resolve(fileName(next)), StandardCopyOption.ATOMIC_MOVE);
            return next;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store model " + kind + "/" + series + " under " + dir, e);
        }
    }

    /** Highest stored version of (kind, series), if any. Cheap: one directory listing. */
    public OptionalInt latestVersion(String kind, String series) {
        Path dir = dir(kind, series);
        if (!Files.isDirectory(dir)) {
            return OptionalInt.empty();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString())
                .filter(n -> n.startsWith("v") && n.endsWith(SUFFIX))
                .mapToInt(n -> Integer.parseInt(n.substring(1, n.length() - SUFFIX.length())))
                .max();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list models in " + dir, e);
        }
    }

    /** Loads one version. */
    public Optional<Stored> load(String kind, String series, int version) {
        Path file = dir(kind, series).resolve(fileName(version));
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Stored(version, Model.deserializeFromFile(file)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model " + file, e);
        }
    }

    /** Loads the highest version. */
    public Optional<Stored> latest(String kind, String series) {
        OptionalInt v = latestVersion(kind, series);
        return v.isPresent() ? load(kind, series, v.getAsInt()) : Optional.empty();
    }

    private Path dir(String kind, String series) {
        return root.resolve(safe(kind)).resolve(safe(series));
    }

    private static String fileName(int version) {
        return String.format("v%06d%s", version, SUFFIX);
    }

    /** A file-name-safe, collision-free form of a series key (hashed when too long for a file name). */
    static String safe(String s) {
        String enc = URLEncoder.encode(s, StandardCharsets.UTF_8).replace("*", "%2A");
        if (enc.startsWith(".")) {
            enc = "%2E" + enc.substring(1);
        }
        if (enc.length() <= 150) {
            return enc;
        }
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return enc.substring(0, 80) + "~" + HexFormat.of().formatHex(h);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
