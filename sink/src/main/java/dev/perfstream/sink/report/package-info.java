/** {@code perfstream report}: tables of results read back from InfluxDB (speed vs conversion). */
package dev.perfstream.sink.report;
