/**
 * What the three Kafka Streams stages (stats, alerts, scoring) share: their Kafka Streams properties,
 * with one policy for bad records and failed threads, and the keys every stage reads
 * ({@code state.dir}, {@code kafka.streams.*}).
 */
package dev.perfstream.streams.stage;
