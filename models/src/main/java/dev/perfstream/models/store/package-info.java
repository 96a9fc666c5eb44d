/** Versioned Tribuo models with their provenance, on a (possibly shared) file system. */
package dev.perfstream.models.store;
