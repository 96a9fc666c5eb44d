package dev.perfstream.streams.alerts.state;

/** Where an alert is. INACTIVE alerts are deleted from the store unless they carry flapping history. */
public enum Phase { INACTIVE, PENDING, FIRING }
