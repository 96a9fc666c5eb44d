package dev.perfstream.streams.alerts;

import dev.perfstream.runtime.StageRunner;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.config.SettingsOptions;
import dev.perfstream.streams.alerts.rule.RuleFileException;
import dev.perfstream.streams.alerts.rule.RuleParser;
import dev.perfstream.streams.alerts.rule.RuleSource;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code perfstream run alerts}: runs the alerts stage in the foreground until Ctrl-C. */
@Command(name = "alerts", mixinStandardHelpOptions = true,
    description = {"Run the alerts stage: perf.stats -> KPI rules, availability SLOs, alert state machine -> perf.alerts.",
        "Rules come from alerts.rules.file (YAML; built-in platform KPIs when unset) and reload on change.",
        "With --check, only validate the rules file and exit (non-zero, listing every problem with its line)."})
public final class RunAlertsCommand implements Callable<Integer> {
    @Mixin
    SettingsOptions options;

    @Option(names = "--rules", description = "Rules file (YAML); same as --set alerts.rules.file=FILE.")
    Path rulesFile;

    @Option(names = "--check", description = "Validate the rules file and exit.")
    boolean check;

    @Option(names = "--print-defaults", description = "Print the built-in default rules file and exit.")
    boolean printDefaults;

    @Override
    public Integer call() throws Exception {
        if (printDefaults) {
            System.out.print(RuleSource.defaultText());
            return 0;
        }
        Settings s = options.load(rulesFile == null ? Map.of() : Map.of("alerts.rules.file", rulesFile.toString()));
        AlertsConfig c = AlertsConfig.from(s);
        if (check) {
            return check(c);
        }
        return StageRunner.run("alerts", s, AlertsApp::start, app -> String.format(
            "alerts stage running (application.id %s, %s -> %s, rules %s)", c.applicationId(), c.statsTopic(),
            c.alertsTopic(), app.rules().get().source()), System.err);
    }

    private static int check(AlertsConfig c) throws Exception {
        String name = c.rulesFile() == null ? "default-rules.yaml (built in)" : c.rulesFile().toString();
        String text = c.rulesFile() == null ? RuleSource.defaultText() : Files.readString(c.rulesFile(), StandardCharsets.UTF_8);
        try {
            var rs = RuleParser.parse(name, text, new HashSet<>(c.statsWindows()));
            rs.warnings().forEach(w -> System.err.println("warning: " + w));
            System.out.printf("%s: OK, %d rules, %d SLOs, version %s%n", name, rs.rules().size(), rs.slos().size(),
                rs.version());
            return 0;
        } catch (RuleFileException e) {
            e.problems().forEach(p -> System.err.println("error: " + p));
            return 2;
        }
    }
}
