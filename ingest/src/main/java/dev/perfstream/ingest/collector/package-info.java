/**
 * The HTTP collector ({@link dev.perfstream.ingest.collector.CollectorApp}): browser beacons from the
 * RUM snippet and JSON batches from services, validated at the edge (size, rate, origin, content
 * type, API key, fields), normalised (route templates with a per-app cap, hashed session ids, no
 * client address kept) and produced to Kafka with a bounded buffer that turns into 503 when full.
 */
package dev.perfstream.ingest.collector;
