package dev.perfstream.deploy.services;

/** A port a local service needs is taken; the message names the port and the setting to change. */
public final class PortInUseException extends ServiceException {
    private static final long serialVersionUID = 1L;
    private final int port;

    public PortInUseException(String service, String host, int port, String setting) {
        super(String.format("port %d on %s is already in use, so %s cannot listen there.%n"
                + "  Change the setting '%s' (environment %s, or --set %s=... / the config file),%n"
                + "  or stop whatever listens there (`ss -ltnp 'sport = :%d'` shows it; `deploy/perfstream services status`"
                + " shows perfstream's own services).",
            port, host, service, setting, envName(setting), setting, port));
        this.port = port;
    }

    public int port() {
        return port;
    }

    static String envName(String key) {
        return "PERFSTREAM_" + key.toUpperCase(java.util.Locale.ROOT).replace('.', '_').replace('-', '_');
    }
}
