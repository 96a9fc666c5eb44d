package dev.perfstream.sink.notify;

import dev.perfstream.runtime.StageRunner;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.config.SettingsOptions;
import java.util.concurrent.Callable;
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
        return StageRunner.run("notify", settings, NotifierApp::start, app -> "notifier running", System.out);
    }
}
