package dev.perfstream.schemas.kafka;

import static dev.perfstream.schemas.kafka.KafkaPreflight.oneLine;

import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who a process is to Kafka, as far as its settings tell (protocol, SASL user, client certificate, and the setting
 * each came from), for {@link KafkaPreflight}'s messages: the principal, the {@code kafka-acls.sh} line that grants
 * a missing right, and the one-line translation of an authentication or authorization failure. Never a secret.
 */
final class KafkaPrincipal {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaPreflight.class);
    private static final Pattern JAAS_USER = Pattern.compile("username\\s*=\\s*\"([^\"]*)\"");

    private final KafkaClients clients;
    private final String bootstrap;
    private final Properties admin;

    KafkaPrincipal(KafkaClients clients) {
        this.clients = clients;
        this.bootstrap = clients.bootstrapServers();
        this.admin = clients.admin(Map.of());
    }

    String protocol() {
        return admin.getProperty(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "PLAINTEXT").toUpperCase(Locale.ROOT);
    }

    String mechanism() {
        return admin.getProperty(SaslConfigs.SASL_MECHANISM, SaslConfigs.DEFAULT_SASL_MECHANISM);
    }

    String userName() {
        String jaas = admin.getProperty(SaslConfigs.SASL_JAAS_CONFIG);
        if (jaas == null) {
            return null;
        }
        Matcher m = JAAS_USER.matcher(jaas);
        return m.find() ? m.group(1) : null;
    }

    String user() {
        String u = userName();
        return u == null ? "this client" : "user '" + u + "'";
    }

    /** As the messages name it: {@code User 'stats'} or the certificate's principal. */
    String principal() {
        String u = protocol().startsWith("SASL") ? userName() : null;
        if (u != null) {
            return "User '" + u + "' (" + origin(SaslConfigs.SASL_JAAS_CONFIG) + ")";
        }
        if (protocol().equals("SSL") && admin.getProperty(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG) != null) {
            return "the principal of the client certificate (" + origin(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG) + ")";
        }
        return "this client (security.protocol " + protocol() + ")";
    }

    String principalForAcl() {
        String u = protocol().startsWith("SASL") ? userName() : null;
        return u == null ? "User:<principal>" : "User:" + u;
    }

    /** "; grant it: kafka-acls.sh ..." */
    String grant(String operation, String resourceFlag, String name, boolean prefixed) {
        return "; grant it: kafka-acls.sh --bootstrap-server " + bootstrap + " --command-config ADMIN.properties --add "
            + "--allow-principal " + principalForAcl() + " --operation " + operation
            + (resourceFlag.equals("--transactional-id") ? " --operation Describe" : "") + " " + resourceFlag + " " + name
            + (prefixed ? " --resource-pattern-type prefixed" : "");
    }

    String origin(String clientSetting) {
        return origin(clientSetting, KafkaClients.CLIENT.prefix() + clientSetting + " not set");
    }

    String origin(String clientSetting, String whenUnset) {
        String o = clients.origin(KafkaClients.Role.ADMIN, clientSetting);
        return o == null ? whenUnset : o;
    }

    String bootstrap() {
        return bootstrap;
    }

    /**
     * Throws {@link KafkaAccessException} naming the setting for an authentication or authorization failure; returns
     * false (after a warning) for what only delays the check (no answer, anything else).
     */
    boolean refusal(Throwable c, String process) {
        if (c instanceof SaslAuthenticationException) {
            throw new KafkaAccessException("Kafka at " + bootstrap + " refused the SASL " + mechanism() + " login of "
                + user() + " (" + origin(SaslConfigs.SASL_JAAS_CONFIG) + "): Kafka answered: " + oneLine(c.getMessage()));
        }
        if (c instanceof SslAuthenticationException) {
            String root = oneLine(rootMessage(c));
            String low = root.toLowerCase(Locale.ROOT);
            String why;
            if (low.contains("pkix") || low.contains("certification path") || low.contains("unable to find valid")) {
                why = "the broker's certificate is not signed by a CA in the trust store ("
                    + origin(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, "the JVM's default trust store; set "
                    + KafkaClients.CLIENT.prefix() + SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG) + ")";
            } else if (low.contains("subject alternative") || low.contains("no name matching")) {
                why = "the broker's certificate does not name the host in " + KafkaClients.BOOTSTRAP_SERVERS.name() + "="
                    + bootstrap + " (" + SslConfigs.SSL_ENDPOINT_IDENTIFICATION_ALGORITHM_CONFIG + ")";
            } else {
                why = "the broker did not accept this client's certificate (" + origin(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG,
                    "no client certificate set; " + KafkaClients.CLIENT.prefix() + SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG) + ")";
            }
            throw new KafkaAccessException("TLS handshake with Kafka at " + bootstrap + " failed: " + why + ": "
                + oneLine(c.getMessage()) + (root.equals(oneLine(c.getMessage())) ? "" : ": " + root));
        }
        if (c instanceof AuthenticationException) {
            throw new KafkaAccessException("Kafka at " + bootstrap + " refused to authenticate this client ("
                + origin(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "security.protocol not set: PLAINTEXT") + "): "
                + oneLine(rootMessage(c)));
        }
        if (c instanceof AuthorizationException) {
            throw new KafkaAccessException(principal() + " was refused by Kafka at " + bootstrap + ": " + oneLine(c.getMessage()));
        }
        if (c instanceof org.apache.kafka.common.errors.TimeoutException) {
            LOG.warn("Kafka preflight of the {}: Kafka at {} did not answer ({}); starting anyway, its clients keep retrying",
                process, bootstrap, oneLine(c.getMessage()));
            return false;
        }
        LOG.warn("Kafka preflight of the {}: not completed: {}", process, oneLine(String.valueOf(c)));
        return false;
    }

    private static String rootMessage(Throwable t) {
        Throwable r = t;
        while (r.getCause() != null && r.getCause() != r) {
            r = r.getCause();
        }
        String m = r.getMessage();
        return m == null ? r.getClass().getSimpleName() : m;
    }
}
