package dev.perfstream.runtime;

import dev.perfstream.schemas.config.ConfigDeclarations;
import dev.perfstream.schemas.config.ConfigGroup;
import java.util.List;

/** The keys every stage process shares: its status server. */
public final class RuntimeConfigDeclarations implements ConfigDeclarations {
    @Override
    public List<ConfigGroup> groups() {
        return List.of(ConfigGroup.of("status", "Status servers: /metrics, /healthz, /readyz of every stage", 32,
            StatusConfig.class));
    }
}
