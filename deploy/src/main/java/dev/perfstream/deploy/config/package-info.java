/**
 * The configuration as a whole: the local services' keys, and the files generated from every module's key
 * declarations (the example properties file and the README tables), with the {@code perfstream config}
 * command that lists the keys and regenerates those files.
 */
package dev.perfstream.deploy.config;
