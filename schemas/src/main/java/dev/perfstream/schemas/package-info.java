/**
 * The contract between perfstream and its users: topic names here, the Avro schemas under
 * {@code src/main/avro} (generated into {@code dev.perfstream.schemas.avro}), the JSON codec in
 * {@code json}, the per-record wire-format seam in {@code serde} (JSON, Confluent Avro), the schema-registry
 * client and compatibility check in {@code registry}, and the edge validation of input events in
 * {@code validate}.
 */
package dev.perfstream.schemas;
