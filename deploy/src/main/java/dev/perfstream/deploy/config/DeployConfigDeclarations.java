package dev.perfstream.deploy.config;

import dev.perfstream.deploy.services.ServicesConfig;
import dev.perfstream.schemas.config.ConfigDeclarations;
import dev.perfstream.schemas.config.ConfigGroup;
import java.util.List;

/** The keys of the local services ({@code services start}, {@code demo}). */
public final class DeployConfigDeclarations implements ConfigDeclarations {
    @Override
    public List<ConfigGroup> groups() {
        return List.of(ConfigGroup.of("services", "Local services (services start, demo)", 100, ServicesConfig.class,
            dev.perfstream.deploy.services.AlertmanagerService.class));
    }
}
