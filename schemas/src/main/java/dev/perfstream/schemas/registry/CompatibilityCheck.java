package dev.perfstream.schemas.registry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

/**
 * The build's schema governance: every released schema ({@code src/main/avro-released/X.avsc}) must
 * still be readable by the current one ({@code src/main/avro/X.avsc}), i.e. the current schema is
 * backward compatible (Avro {@code SchemaCompatibility}, reader = current, writer = released):
 * consumers upgraded to the new classes keep reading everything already on the topics. A removed
 * schema is also an error. New schemas without a released version pass (nothing to compare).
 *
 * <p>Run by the schemas module's build ({@code exec-maven-plugin}, phase {@code process-classes}), so
 * {@code mvn verify} fails with a message naming the file and the field. On a release, copy
 * {@code src/main/avro/*.avsc} over {@code src/main/avro-released/}.
 */
public final class CompatibilityCheck {
    private CompatibilityCheck() {
    }

    /**
     * @return one line per problem, naming the file and the field; empty when every schema is compatible
     */
    public static List<String> check(Path currentDir, Path releasedDir) throws IOException {
        List<String> problems = new ArrayList<>();
        List<Path> released;
        try (Stream<Path> s = Files.list(releasedDir)) {
            released = s.filter(p -> p.getFileName().toString().endsWith(".avsc")).sorted().toList();
        }
        if (released.isEmpty()) {
            problems.add(releasedDir + ": no released .avsc files to check against");
        }
        for (Path old : released) {
            Path current = currentDir.resolve(old.getFileName().toString());
            if (!Files.isRegularFile(current)) {
                problems.add(current + ": missing, but " + old + " was released (removing a schema breaks its consumers)");
                continue;
            }
            try {
                Schema writer = new Schema.Parser().parse(old.toFile());
                Schema reader = new Schema.Parser().parse(current.toFile());
                for (String p : SchemaCompat.problems(reader, writer)) {
                    problems.add(current + " is not backward compatible with the released " + old.getFileName() + ": " + p);
                }
            } catch (SchemaParseException e) {
                problems.add(current + " or " + old + ": not a valid Avro schema: " + e.getMessage());
            }
        }
        return problems;
    }

    /**
     * @param args current schema folder, released schema folder
     * @throws IllegalStateException listing every incompatibility (fails the Maven build)
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: CompatibilityCheck <current avsc dir> <released avsc dir>");
        }
        Path current = Paths.get(args[0]);
        Path released = Paths.get(args[1]);
        List<String> problems = check(current, released);
        if (!problems.isEmpty()) {
            throw new IllegalStateException("Avro schema compatibility check failed:\n  - " + String.join("\n  - ", problems)
                + "\nMake the change backward compatible (e.g. a new field needs a default), or, for a deliberate breaking"
                + " change, use a new record name and topic.");
        }
        System.out.println("Avro schemas in " + current + " are backward compatible with " + released);
    }
}
