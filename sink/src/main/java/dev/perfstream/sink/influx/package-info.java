/**
 * The sink: perfstream's result topics into InfluxDB. {@link dev.perfstream.sink.influx.SinkApp}
 * wires a plain Kafka consumer, the mapping of each result type to one idempotent InfluxDB point
 * ({@code ResultPoints}), and a writer for the v1 {@code /write} or the v2 {@code /api/v2/write} API
 * of influxdb-client-java; offsets are committed only after InfluxDB acknowledged a batch.
 */
package dev.perfstream.sink.influx;
