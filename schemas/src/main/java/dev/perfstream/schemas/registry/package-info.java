/**
 * The schema registry side of the contract: a small client for the Confluent Schema Registry REST
 * API ({@link dev.perfstream.schemas.registry.SchemaRegistryClient}: register under the topic-name
 * subject, fetch by id, caches, basic auth, TLS trust store, timeouts, bounded retries while the
 * registry is unreachable), its configuration ({@link dev.perfstream.schemas.registry.RegistryConfig}),
 * and schema governance: Avro compatibility with field-naming messages
 * ({@link dev.perfstream.schemas.registry.SchemaCompat}) and the build's check of every schema against
 * its released version ({@link dev.perfstream.schemas.registry.CompatibilityCheck}).
 */
package dev.perfstream.schemas.registry;
