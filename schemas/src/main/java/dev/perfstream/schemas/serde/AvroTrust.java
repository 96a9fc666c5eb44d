package dev.perfstream.schemas.serde;

import org.apache.avro.util.ClassSecurityValidator;

/**
 * Avro 1.12 refuses to instantiate generated classes of packages it does not trust. perfstream's
 * own ({@code dev.perfstream.*}) are trusted here; the launcher and the build also pass
 * {@code -Dorg.apache.avro.SERIALIZABLE_PACKAGES=dev.perfstream} for code that touches generated
 * classes before any perfstream codec is loaded.
 */
public final class AvroTrust {
    private static volatile boolean installed;

    private AvroTrust() {
    }

    /** Idempotent; call before the first use of a generated class. */
    public static void install() {
        if (installed) {
            return;
        }
        synchronized (AvroTrust.class) {
            if (!installed) {
                ClassSecurityValidator.ClassSecurityPredicate previous = ClassSecurityValidator.getGlobal();
                ClassSecurityValidator.setGlobal(ClassSecurityValidator.composite(previous,
                    c -> c.getName().startsWith("dev.perfstream.")));
                installed = true;
            }
        }
    }
}
