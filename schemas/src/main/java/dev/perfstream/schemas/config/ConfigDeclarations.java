package dev.perfstream.schemas.config;

import java.util.List;
import java.util.Map;

/**
 * What a module contributes to the {@link ConfigCatalog}: its configuration groups, found through
 * {@link java.util.ServiceLoader} ({@code META-INF/services/dev.perfstream.schemas.config.ConfigDeclarations}),
 * so that the catalog knows every key of the modules on the classpath without {@code schemas} depending
 * on them.
 */
public interface ConfigDeclarations {
    List<ConfigGroup> groups();

    /** Validators of this module's pass-through keys, by the key's name ({@code kafka.streams.*}). */
    default Map<String, ConfigCatalog.PassThroughValidator> passThroughValidators() {
        return Map.of();
    }
}
