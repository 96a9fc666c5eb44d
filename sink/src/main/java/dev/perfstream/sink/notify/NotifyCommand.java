package dev.perfstream.sink.notify;

import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.config.SettingsOptions;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code perfstream run notify}: runs the notifier in the foreground until Ctrl-C. */
@Command(name = "notify", mixinStandardHelpOptions = true,
    description = {"Sends every alert of perf.alerts to Alertmanager (alertmanager.url, comma-separated for an HA pair;"
        + " POST /api/v2/alerts) and/or a webhook (alerts.webhook.url, JSON, signed with alerts.webhook.secret).",
        "Commits offsets only after every receiver accepted; while one is down it holds the alerts and retries with"
            + " backoff. Active alerts are re-sent every alertmanager.resend (default 1m) and kept in a compacted topic"
            + " (notify.state.topic), so a restart neither loses nor re-pages. Runs until Ctrl-C."})
public final class NotifyCommand implements Callable<Integer> {
    @Mixin
    SettingsOptions options;

    @Override
    public Integer call() throws Exception {
        Settings settings = options.load();
        NotifierApp app;
        try {
            app = NotifierApp.start(settings);
        } catch (IllegalArgumentException | IllegalStateException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            app.close();
            stopped.countDown();
        }, "perfstream-notify-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        while (app.isRunning() && !stopped.await(1, TimeUnit.SECONDS)) {
            // Foreground until Ctrl-C, or until the loop ends on its own.
        }
        if (app.failure() != null) {
            Runtime.getRuntime().removeShutdownHook(hook);
            app.close();
            System.err.println("notifier failed: " + app.failure());
            return 1;
        }
        return 0;
    }
}
