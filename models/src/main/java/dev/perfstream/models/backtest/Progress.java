package dev.perfstream.models.backtest;

import java.io.PrintStream;

/** A one-line progress bar on stderr for long files (bytes read against file size). */
final class Progress {
    private final PrintStream out;
    private final long total;
    private final String label;
    private final boolean enabled;
    private int lastPercent = -1;

    Progress(PrintStream out, long totalBytes, String label, boolean enabled) {
        this.out = out;
        this.total = totalBytes;
        this.label = label;
        this.enabled = enabled && totalBytes > 0;
    }

    void update(long bytesRead, long rows) {
        if (!enabled) {
            return;
        }
        int p = (int) Math.min(100, bytesRead * 100 / total);
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
