package dev.perfstream.deploy.cli;

import dev.perfstream.schemas.config.SettingsOptions;
import dev.perfstream.deploy.services.LocalServices;
import dev.perfstream.deploy.services.ServiceException;
import dev.perfstream.deploy.services.ServicesConfig;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code perfstream services start|stop|status}: the local Kafka broker, InfluxDB and schema registry, in the background. */
@Command(name = "services", mixinStandardHelpOptions = true,
    description = {"Starts, stops or shows the local Kafka broker, InfluxDB and schema registry (loopback, data in .perfstream/).",
        "Data, logs and PID files live under services.dir (default .perfstream/ in the project)."},
    subcommands = {ServicesCommand.Start.class, ServicesCommand.Stop.class, ServicesCommand.Status.class})
public final class ServicesCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    static LocalServices services(SettingsOptions opts, PrintStream out) throws Exception {
        dev.perfstream.schemas.config.Settings settings = opts.load();
        ServicesConfig c = ServicesConfig.from(settings, Home.path());
        return LocalServices.standard(c, System.getProperty("java.class.path"), out)
            .with(dev.perfstream.deploy.services.AlertmanagerService.from(settings, c));
    }

    @Command(name = "start", mixinStandardHelpOptions = true,
        description = "Starts the services that are not running and waits until they answer; they keep running after this command.")
    static final class Start implements Callable<Integer> {
        @Mixin
        SettingsOptions opts;

        @Override
        public Integer call() throws Exception {
            long t0 = System.nanoTime();
            LocalServices s = services(opts, System.out);
            try {
                s.start();
            } catch (ServiceException e) {
                System.err.println("perfstream: " + e.getMessage());
                return 1;
            }
            System.out.printf(java.util.Locale.ROOT, "services ready in %.1f s; stop them with: deploy/perfstream services stop%n",
                (System.nanoTime() - t0) / 1e9);
            return 0;
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true,
        description = "Stops the services (SIGTERM, SIGKILL after services.stop.timeout). Stopping stopped services is fine.")
    static final class Stop implements Callable<Integer> {
        @Mixin
        SettingsOptions opts;

        @Override
        public Integer call() throws Exception {
            services(opts, System.out).stopAll();
            return 0;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
        description = "Shows which services run. Exit code 0 if all run, 3 otherwise.")
    static final class Status implements Callable<Integer> {
        @Mixin
        SettingsOptions opts;

        @Override
        public Integer call() throws Exception {
            return services(opts, System.out).status() ? 0 : 3;
        }
    }
}
