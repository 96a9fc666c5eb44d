package dev.perfstream.deploy.services;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * Checks, before anything starts, that a port can be bound. A broker or influxd started on a taken
 * port either exits with a stack trace in its log or, worse, the readiness check talks to the
 * other process; checking first gives one clear message instead.
 */
public final class PortGuard {
    private PortGuard() {
    }

    /**
     * @param setting the configuration key that chooses this port, named in the message
     * @throws PortInUseException if the port cannot be bound on {@code host}
     */
    public static void requireFree(String service, String host, int port, String setting) throws PortInUseException {
        try (ServerSocket s = new ServerSocket()) {
            // Servers bind with SO_REUSEADDR, so a socket lingering in TIME_WAIT must not count as "in use".
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(host, port), 1);
        } catch (IOException e) {
            throw new PortInUseException(service, host, port, setting);
        }
    }
}
