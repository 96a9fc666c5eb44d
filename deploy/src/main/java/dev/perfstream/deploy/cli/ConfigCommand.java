package dev.perfstream.deploy.cli;

import dev.perfstream.deploy.config.GeneratedFiles;
import dev.perfstream.schemas.config.ConfigCatalog;
import dev.perfstream.schemas.config.ConfigDocs;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.config.SettingsOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code perfstream config list|generate}: the declared configuration keys. */
@Command(name = "config", mixinStandardHelpOptions = true,
    description = "The configuration keys: every key with its type, default and meaning, or the files made from them.",
    subcommands = {ConfigCommand.ListKeys.class, ConfigCommand.Generate.class})
public final class ConfigCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Every key, with the value the given file, environment and {@code --set} give it (secrets masked). */
    @Command(name = "list", mixinStandardHelpOptions = true,
        description = {"Every configuration key with its type, default, meaning and, where set (-c FILE, PERFSTREAM_* "
            + "variables, --set), its value; secrets are shown as ******."})
    static final class ListKeys implements Callable<Integer> {
        @Mixin
        SettingsOptions options;

        @Override
        public Integer call() throws Exception {
            Settings s = options.load();
            System.out.print(ConfigDocs.listing(ConfigCatalog.installed(), s.asMap()));
            return 0;
        }
    }

    /** Rewrites the generated files, or with {@code --check} only reports the stale ones. */
    @Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Rewrite " + GeneratedFiles.PROPERTIES + " and the configuration tables of the READMEs from the "
            + "key declarations (the build fails while they differ)."})
    static final class Generate implements Callable<Integer> {
        @Option(names = "--check", description = "Only list the files that differ; exit 1 if any does.")
        boolean check;

        @Override
        public Integer call() throws Exception {
            Path root = Home.path();
            List<Path> files = check ? GeneratedFiles.stale(ConfigCatalog.installed(), root)
                : GeneratedFiles.write(ConfigCatalog.installed(), root);
            files.forEach(f -> System.out.println((check ? "differs: " : "written: ") + root.relativize(f)));
            if (files.isEmpty()) {
                System.out.println("generated files are up to date");
            }
            return check && !files.isEmpty() ? 1 : 0;
        }
    }
}
