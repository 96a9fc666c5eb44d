package dev.perfstream.schemas.config;

import dev.perfstream.schemas.Topics;

/** The topic name keys every process reads; defaults from {@link Topics}. Topics are not auto-created. */
public final class TopicKeys {
    public static final ConfigKey<String> METRICS = ConfigKey.string("topic.metrics", Topics.METRICS)
        .doc("MetricEvent input (services, the collector's batches, the load generator)");
    public static final ConfigKey<String> RUM = ConfigKey.string("topic.rum", Topics.RUM)
        .doc("RumEvent input (the collector's beacons, the load generator)");
    public static final ConfigKey<String> STATS = ConfigKey.string("topic.stats", Topics.STATS)
        .doc("WindowStats: the stats stage's output, input of alerts, scoring and the sink");
    public static final ConfigKey<String> ANOMALIES = ConfigKey.string("topic.anomalies", Topics.ANOMALIES)
        .doc("Anomaly scores of the scoring stage");
    public static final ConfigKey<String> FORECASTS = ConfigKey.string("topic.forecasts", Topics.FORECASTS)
        .doc("Forecasts of the scoring stage");
    public static final ConfigKey<String> ALERTS = ConfigKey.string("topic.alerts", Topics.ALERTS)
        .doc("Alert state changes of the alerts and scoring stages");
    public static final ConfigKey<String> QUERIES = ConfigKey.string("topic.queries", Topics.QUERIES)
        .doc("QueryStats: top DB statements per service and window (stats stage), input of alerts and the sink");
    public static final ConfigKey<String> CACHE = ConfigKey.string("topic.cache", Topics.CACHE)
        .doc("CacheStats: hit ratio per service, cache and window (stats stage), input of alerts and the sink");
    public static final ConfigKey<String> IMPACT = ConfigKey.string("topic.impact", Topics.IMPACT)
        .doc("UxImpact: conversion rate by LCP / INP bucket and the gain of a faster p75 per page, goal and window (stats"
            + " stage), input of the sink");
    public static final ConfigKey<String> RECOMMENDATIONS = ConfigKey.string("topic.recommendations",
            Topics.RECOMMENDATIONS)
        .doc("Recommendation: scaling advice per service and window (scoring stage), input of the sink");
    public static final ConfigKey<String> RUM_ELEMENTS = ConfigKey.string("topic.rum.elements", Topics.RUM_ELEMENTS)
        .doc("RumElementStats: RUM stats per LCP / INP / CLS element and INP script, page and window (stats stage),"
            + " input of the sink");
    public static final ConfigKey<String> DEADLETTER = ConfigKey.string("topic.deadletter", Topics.DEADLETTER)
        .doc("Every record a process could not use, with its reason");

    private TopicKeys() {
    }
}
