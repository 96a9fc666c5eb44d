package dev.perfstream.streams.alerts;

import dev.perfstream.schemas.avro.DeadLetter;
import dev.perfstream.schemas.avro.WindowStats;

/** Either a decoded {@link WindowStats} or the {@link DeadLetter} that replaces a bad record. */
record Decoded(WindowStats stats, DeadLetter dead, byte[] rawKey) {
}
