package dev.perfstream.schemas.registry;

import org.apache.avro.Schema;

/**
 * What the Confluent-Avro codec needs from a registry: writer schemas by id, ids for the schemas it
 * writes. {@link SchemaRegistryClient} is the implementation; the interface exists so that the
 * codec's hot path can be benchmarked without HTTP in the loop (bench/).
 */
public interface SchemaLookup {
    /**
     * The Avro schema registered under {@code id}.
     *
     * @throws UnknownSchemaException       the registry does not know the id, or it is not a usable Avro schema
     * @throws RegistryUnavailableException the registry stayed unreachable for the whole retry budget
     */
    Schema schemaById(int id) throws UnknownSchemaException;

    /**
     * Registers {@code schema} under {@code subject} (idempotent: an existing identical schema keeps its id).
     *
     * @throws RegistryUnavailableException the registry stayed unreachable for the whole retry budget
     * @throws RegistryException            the registry refused the schema (e.g. 409 incompatible)
     */
    int register(String subject, Schema schema);
}
