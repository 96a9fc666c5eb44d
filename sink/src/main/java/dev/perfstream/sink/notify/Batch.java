package dev.perfstream.sink.notify;

import dev.perfstream.schemas.avro.Alert;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/** Alerts of one poll, and how far each receiver got with them. */
final class Batch {
    final List<Alert> alerts = new ArrayList<>();
    final Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    final Set<URI> alertmanagersDone = new HashSet<>();
    int webhookDone;
    int webhookAttempts;
}
