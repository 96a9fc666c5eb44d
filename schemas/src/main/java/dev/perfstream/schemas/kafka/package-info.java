/**
 * Kafka client settings: the one factory every perfstream process builds its producers, consumers and
 * admin clients (and, through the streams module, its Kafka Streams properties) from. It layers the
 * process's own tuning, then what the user passes through ({@code kafka.client.config} file,
 * {@code kafka.client.*}, then the per-role {@code kafka.producer.*}, {@code kafka.consumer.*},
 * {@code kafka.admin.*}), then the settings perfstream's correctness depends on, which cannot be
 * overridden. Pass-through keys are checked against the clients' own {@code ConfigDef}s at start.
 */
package dev.perfstream.schemas.kafka;
