package dev.perfstream.ingest.otlp;

import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import java.util.List;

/**
 * Who sent a batch: the resource's {@code service.name}, {@code service.instance.id} (else
 * {@code host.name}), {@code cloud.region}, {@code service.version} and {@code deployment.environment.name}
 * (else the older {@code deployment.environment}), and the resource's attributes as a stream key prefix.
 * The version and environment are passed on as they come; the stats stage validates them (length,
 * control characters) and dead-letters an event whose labels are unusable.
 */
record Origin(String service, String instance, String region, String key, String version, String environment) {
    /** @return the origin, or null when the resource has no {@code service.name} */
    static Origin of(Resource r) {
        List<KeyValue> a = r.getAttributesList();
        String service = SemConv.string(a, SemConv.SERVICE_NAME);
        if (service == null) {
            return null;
        }
        String instance = SemConv.firstOf(a, SemConv.SERVICE_INSTANCE, SemConv.HOST_NAME);
        return new Origin(service, instance, SemConv.string(a, SemConv.CLOUD_REGION), attributesKey(a),
            SemConv.string(a, SemConv.SERVICE_VERSION),
            SemConv.firstOf(a, SemConv.DEPLOYMENT_ENVIRONMENT, SemConv.DEPLOYMENT_ENVIRONMENT_OLD));
    }

    /** The attributes in a canonical order, as part of a cumulative stream's identity. */
    static String attributesKey(List<KeyValue> attrs) {
        return attrs.stream().map(kv -> kv.getKey() + "=" + SemConv.text(kv.getValue())).sorted()
            .reduce((x, y) -> x + "," + y).orElse("");
    }
}
