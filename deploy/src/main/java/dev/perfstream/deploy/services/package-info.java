/**
 * The local services of a run on one machine: an Apache Kafka broker (KRaft, its own JVM) and
 * InfluxDB 1.x ({@code influxd}), on loopback, with data, logs and PID files under a project-local
 * folder. Ports are checked before anything starts; readiness is awaited with deadlines; PID files
 * let a later command find and stop what an earlier one started.
 */
package dev.perfstream.deploy.services;
