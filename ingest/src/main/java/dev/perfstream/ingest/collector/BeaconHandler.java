package dev.perfstream.ingest.collector;

import java.util.List;
import java.util.function.Consumer;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The beacon hot path: {@code POST /rum} answered by a plain Jetty 12 handler in front of Javalin;
 * every other request (and {@code /rum} with any other method, e.g. a CORS preflight) goes on to
 * Javalin. Hand-written rather than a Javalin route because Javalin's and the servlet layer's own
 * per-request work cost more CPU than the whole beacon (the bench README has the figures); the
 * checks, answers and metrics are the same code as the Javalin route ({@link CollectorApp}'s
 * {@code rum(Exchange)}). The CORS headers the Javalin plugin would add are added here.
 */
final class BeaconHandler extends Handler.Wrapper {
    static final String PATH = "/rum";

    private final Consumer<Exchange> beacons;
    private final List<String> corsOrigins;

    BeaconHandler(Consumer<Exchange> beacons, List<String> corsOrigins) {
        this.beacons = beacons;
        this.corsOrigins = corsOrigins;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (!"POST".equals(request.getMethod()) || !PATH.equals(request.getHttpURI().getPath())) {
            return super.handle(request, response, callback);
        }
        String origin = request.getHeaders().get("Origin");
        if (origin != null && !corsOrigins.isEmpty() && (corsOrigins.contains("*") || corsOrigins.contains(origin))) {
            // What Javalin's CORS plugin adds to an allowed simple request (sendBeacon's text/plain POST is one).
            response.getHeaders().put("Access-Control-Allow-Origin", corsOrigins.contains("*") ? "*" : origin);
            response.getHeaders().put("Vary", "Origin");
        }
        beacons.accept(Exchange.of(request, response, callback));
        return true;
    }
}
