package dev.perfstream.deploy.security;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.core.OutputStreamAppender;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * Everything this JVM logs (every logger at INFO at least, Kafka's clients and broker included, with stack
 * traces) and prints to stdout / stderr while it is open, as text, for checks that no secret is in it.
 * Kafka's configuration dumps ({@code ProducerConfig values: ...}) are logged at INFO, which the test
 * logging configuration otherwise hides; here they are captured, so the check sees what a production log
 * at INFO holds. Closing restores the levels and streams.
 */
final class CapturedLogs implements AutoCloseable {
    private static final String[] KAFKA_LOGGERS = {"org.apache.kafka", "kafka", "state.change.logger"};
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private final OutputStreamAppender<ch.qos.logback.classic.spi.ILoggingEvent> appender = new OutputStreamAppender<>();
    private final Map<Logger, Level> levels = new LinkedHashMap<>();
    private final PrintStream out = System.out;
    private final PrintStream err = System.err;

    private CapturedLogs() {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        PatternLayoutEncoder enc = new PatternLayoutEncoder();
        enc.setContext(ctx);
        enc.setPattern("%d{HH:mm:ss.SSS} %-5level [%thread] %logger - %msg%n%ex{full}");
        enc.setCharset(StandardCharsets.UTF_8);
        enc.start();
        appender.setContext(ctx);
        appender.setName("captured-for-secrets");
        appender.setEncoder(enc);
        appender.setOutputStream(synchronizedStream(buffer));
        appender.start();
        Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
        levels.put(root, root.getLevel());
        if (!root.isInfoEnabled()) {
            root.setLevel(Level.INFO);
        }
        root.addAppender(appender);
        // Kafka at INFO (its configuration dumps) goes to the capture only, not to the test's console as well.
        for (String name : KAFKA_LOGGERS) {
            Logger l = ctx.getLogger(name);
            levels.put(l, l.getLevel());
            l.setLevel(Level.INFO);
            l.addAppender(appender);
            l.setAdditive(false);
        }
        System.setOut(new PrintStream(tee(out), true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(tee(err), true, StandardCharsets.UTF_8));
    }

    static CapturedLogs start() {
        return new CapturedLogs();
    }

    /** What was captured so far. */
    String text() {
        synchronized (buffer) {
            return buffer.toString(StandardCharsets.UTF_8);
        }
    }

    @Override
    public void close() {
        System.setOut(out);
        System.setErr(err);
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        ctx.getLogger(Logger.ROOT_LOGGER_NAME).detachAppender(appender);
        for (String name : KAFKA_LOGGERS) {
            Logger l = ctx.getLogger(name);
            l.detachAppender(appender);
            l.setAdditive(true);
        }
        appender.stop();
        levels.forEach(Logger::setLevel);
    }

    /** Writes what was captured to a file (kept under the build's temp folder for a look after a failure). */
    java.nio.file.Path save(String name) throws java.io.IOException {
        java.nio.file.Path f = java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), name);
        java.nio.file.Files.writeString(f, text());
        return f;
    }

    private OutputStream tee(PrintStream original) {
        OutputStream mine = synchronizedStream(buffer);
        return new OutputStream() {
            @Override
            public void write(int b) {
                original.write(b);
                try {
                    mine.write(b);
                } catch (java.io.IOException e) {
                    throw new IllegalStateException(e);
                }
            }

            @Override
            public void write(byte[] b, int off, int len) {
                original.write(b, off, len);
                try {
                    mine.write(b, off, len);
                } catch (java.io.IOException e) {
                    throw new IllegalStateException(e);
                }
            }
        };
    }

    private static OutputStream synchronizedStream(ByteArrayOutputStream target) {
        return new OutputStream() {
            @Override
            public void write(int b) {
                synchronized (target) {
                    target.write(b);
                }
            }

            @Override
            public void write(byte[] b, int off, int len) {
                synchronized (target) {
                    target.write(b, off, len);
                }
            }
        };
    }
}
