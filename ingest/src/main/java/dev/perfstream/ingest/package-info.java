/** perfstream ingest module; see the module README. */
package dev.perfstream.ingest;
