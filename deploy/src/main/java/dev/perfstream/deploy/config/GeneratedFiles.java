package dev.perfstream.deploy.config;

import dev.perfstream.schemas.config.ConfigCatalog;
import dev.perfstream.schemas.config.ConfigDocs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The files made from the key declarations: the example properties file, and the READMEs whose
 * {@code <!-- config: ... -->} tables are regenerated (their other text is kept).
 */
public final class GeneratedFiles {
    /** Relative to the project root. */
    public static final String PROPERTIES = "deploy/config/perfstream.properties";
    static final List<String> READMES = List.of("README.md", "schemas/README.md", "ingest/README.md", "streams/README.md",
        "sink/README.md", "deploy/README.md");

    private GeneratedFiles() {
    }

    /** What each generated file should contain, by its path under {@code root}. */
    public static Map<Path, String> expected(ConfigCatalog catalog, Path root) throws IOException {
        Map<Path, String> out = new LinkedHashMap<>();
        out.put(root.resolve(PROPERTIES), ConfigDocs.propertiesFile(catalog));
        for (String r : READMES) {
            Path p = root.resolve(r);
            out.put(p, ConfigDocs.readme(catalog, Files.readString(p, StandardCharsets.UTF_8)));
        }
        return out;
    }

    /** The generated files whose content differs from what the declarations generate. */
    public static List<Path> stale(ConfigCatalog catalog, Path root) throws IOException {
        List<Path> out = new ArrayList<>();
        for (Map.Entry<Path, String> e : expected(catalog, root).entrySet()) {
            if (!Files.isRegularFile(e.getKey()) || !Files.readString(e.getKey(), StandardCharsets.UTF_8).equals(e.getValue())) {
                out.add(e.getKey());
            }
        }
        return out;
    }

    /** Rewrites the stale ones; returns them. */
    public static List<Path> write(ConfigCatalog catalog, Path root) throws IOException {
        List<Path> stale = stale(catalog, root);
        Map<Path, String> expected = expected(catalog, root);
        for (Path p : stale) {
            Files.writeString(p, expected.get(p), StandardCharsets.UTF_8);
        }
        return stale;
    }
}
