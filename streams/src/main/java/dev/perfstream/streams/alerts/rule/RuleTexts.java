package dev.perfstream.streams.alerts.rule;

/**
 * A rule's own alert texts ({@link Template}s), each null when the rule keeps perfstream's default:
 * {@code summary} replaces the one-line summary, {@code description} the playbook hint, and
 * {@code runbook_url} becomes the alert's {@code runbook_url} label (an annotation in Alertmanager).
 */
public record RuleTexts(Template summary, Template description, Template runbookUrl) {
    public static final RuleTexts NONE = new RuleTexts(null, null, null);

    public boolean isEmpty() {
        return summary == null && description == null && runbookUrl == null;
    }
}
