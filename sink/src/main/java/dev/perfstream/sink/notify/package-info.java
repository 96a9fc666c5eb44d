/**
 * The notifier: {@code perf.alerts} out to the people who act on alerts, through Alertmanager's v2
 * API (which groups, silences, inhibits and routes them) and a generic signed webhook. Offsets are
 * committed only after every receiver accepted; the set of firing alerts is kept in a compacted
 * topic, so a restart neither loses an alert nor pages twice, and it is re-sent to Alertmanager
 * periodically so that Alertmanager never resolves an active alert on its own. A new consumer group,
 * or a lost state topic, rebuilds that set from {@code perf.alerts} itself ({@code AlertsHistory})
 * instead of replaying the topic through the receivers.
 */
package dev.perfstream.sink.notify;
