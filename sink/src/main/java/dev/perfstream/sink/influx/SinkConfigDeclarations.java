package dev.perfstream.sink.influx;

import dev.perfstream.schemas.config.ConfigDeclarations;
import dev.perfstream.schemas.config.ConfigGroup;
import java.util.List;

/** The keys of the sink and of the InfluxDB it writes to, and of the notifier. */
public final class SinkConfigDeclarations implements ConfigDeclarations {
    @Override
    public List<ConfigGroup> groups() {
        return List.of(ConfigGroup.of("sink", "Sink (result topics -> InfluxDB)", 70, SinkConfig.class),
            ConfigGroup.of("notify", "Notifier (perf.alerts -> Alertmanager, webhook)", 75,
                dev.perfstream.sink.notify.NotifierConfig.class));
    }
}
