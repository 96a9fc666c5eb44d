/**
 * Riding out a schema registry outage inside a Kafka Streams stage without blocking the stream
 * thread, dropping or dead-lettering anything, or leaving exactly-once: records whose schema cannot
 * be fetched are parked, in arrival order, in a changelogged store, and replayed by a wall-clock
 * punctuator with capped exponential backoff once the registry answers again
 * ({@link dev.perfstream.streams.outage.ParkedRecords}).
 */
package dev.perfstream.streams.outage;
