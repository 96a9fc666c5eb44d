package dev.perfstream.ingest.collector;

import com.fasterxml.jackson.databind.JsonNode;
import dev.perfstream.schemas.avro.MetricEvent;
import dev.perfstream.schemas.json.JsonRecordCodec;
import dev.perfstream.schemas.serde.DecodeException;
import dev.perfstream.schemas.validate.EventValidator;
import dev.perfstream.schemas.validate.RouteTemplates;
import java.util.ArrayList;
import java.util.List;

/**
 * A batch of {@link MetricEvent}s from a service: a JSON array of events, or {@code {"events":[...]}},
 * each in the same JSON shape as on {@code perf.metrics}. Each item is decoded, validated, and its
 * route templated and capped per service on its own; bad items are reported, good ones sent.
 */
final class MetricBatchParser {
    private final JsonRecordCodec<MetricEvent> codec = JsonRecordCodec.of(MetricEvent.getClassSchema());
    private final EventValidator validator;
    private final RouteCap routes;
    private final int maxItems;

    MetricBatchParser(EventValidator validator, RouteCap routes, int maxItems) {
        this.validator = validator;
        this.routes = routes;
        this.maxItems = maxItems;
    }

    Parsed<MetricEvent> parse(JsonNode body) throws RequestRejected {
        JsonNode items = body.isObject() ? body.get("events") : body;
        if (items == null || !items.isArray()) {
            throw new RequestRejected(400, "invalid_field",
                "expected a JSON array of metric events or an object with field 'events' (array), got " + BeaconParser.type(body));
        }
        if (items.isEmpty()) {
            throw new RequestRejected(400, "invalid_field", "field 'events' is empty");
        }
        if (items.size() > maxItems) {
            throw new RequestRejected(400, "too_many_items", "batch has " + items.size() + " events, over the limit of " + maxItems);
        }
        List<MetricEvent> ok = new ArrayList<>(items.size());
        List<Parsed.Rejection> bad = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            try {
                MetricEvent e = codec.fromTree(items.get(i));
                List<String> problems = validator.check(e);
                if (!problems.isEmpty()) {
                    bad.add(new Parsed.Rejection(i, "invalid_field", "events[" + i + "]: " + String.join("; ", problems)));
                    continue;
                }
                if (e.getRoute() != null) {
                    e.setRoute(routes.admit(e.getService(), RouteTemplates.normalize(e.getRoute())));
                }
                ok.add(e);
            } catch (DecodeException ex) {
                bad.add(new Parsed.Rejection(i, "invalid_field", "events[" + i + "]: " + ex.getMessage()));
            }
        }
        return new Parsed<>(ok, bad);
    }
}
