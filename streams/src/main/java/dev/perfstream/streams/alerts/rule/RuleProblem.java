package dev.perfstream.streams.alerts.rule;

/** One problem in a rules file: where and what. {@code line} is 1-based, 0 when unknown. */
public record RuleProblem(String file, int line, String message) {
    @Override
    public String toString() {
        return file + (line > 0 ? ":" + line : "") + ": " + message;
    }
}
