package dev.perfstream.streams.stats;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/** What {@link StatsProcessor} logs while open (the warnings a user reads when windows are held back). */
final class ProcessorLog implements AutoCloseable {
    private final Logger logger = (Logger) LoggerFactory.getLogger(StatsProcessor.class);
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    ProcessorLog() {
        appender.start();
        logger.addAppender(appender);
    }

    /** The formatted messages so far, oldest first. */
    List<String> messages() {
        return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
    }
}
