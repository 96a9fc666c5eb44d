package dev.perfstream.deploy.cli;

import dev.perfstream.deploy.services.ServicesConfig;
import dev.perfstream.schemas.config.Settings;

/** Test access to the demo's package-private settings merge. */
public final class DemoSettingsAccess {
    private DemoSettingsAccess() {
    }

    public static Settings stageSettings(Settings user, ServicesConfig c) {
        return DemoCommand.stageSettings(user, c, java.util.Optional.empty());
    }
}
