package dev.perfstream.models.backtest;

import java.io.PrintStream;

/** A one-line progress bar on stderr for long jobs (bytes read against file size, origins done against origins). */
final class Progress {
    private final PrintStream out;
    private final long total;
    private final String label;
    private final boolean enabled;
    private int lastPercent = -1;

    Progress(PrintStream out, long total, String label, boolean enabled) {
        this.out = out;
        this.total = total;
        this.label = label;
        this.enabled = enabled && total > 0;
    }

    /** {@code done} of the total (bytes, origins); {@code rows} as the line reports them. */
    void update(long done, long rows) {
        if (!enabled) {
            return;
        }
        int p = (int) Math.min(100, done * 100 / total);
        if (p != lastPercent) {
            lastPercent = p;
            int bars = p / 4;
            out.print("\r" + label + " [" + "#".repeat(bars) + " ".repeat(25 - bars) + "] " + p + "% " + rows + " rows");
            out.flush();
        }
    }

    void done() {
        if (enabled && lastPercent >= 0) {
            out.println();
        }
    }
}
