package dev.perfstream.models.anomaly;

import java.util.Arrays;

/**
 * The ring of a {@link SeriesDetector}'s last cleaned values (an anomalous value enters as its expectation),
 * each with its deseasoned form (the value minus the daily profile at its time, NaN where the profile had
 * none): the robust level (their median), the deseasoned level, and the lags the expectation model reads.
 * A sorted copy, kept up to date by one removal and one insertion per value, gives the median without a sort.
 */
final class RecentValues {
    final double[] values;
    final double[] deseason;
    int pos;
    int n;
    private final double[] sorted;
    private final double[] scratch;

    RecentValues(int size) {
        this.values = new double[size];
        this.deseason = new double[size];
        this.sorted = new double[size];
        this.scratch = new double[size];
    }

    /** Median of the values; only called with at least one. */
    double level() {
        return (n & 1) == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
    }

    /** Median of the deseasoned values; NaN while fewer than 5 have one. */
    double deseasonedLevel() {
        int m = 0;
        for (int i = 0; i < n; i++) {
            if (!Double.isNaN(deseason[i])) {
                scratch[m++] = deseason[i];
            }
        }
        if (m < 5) {
            return Double.NaN;
        }
        Arrays.sort(scratch, 0, m);
        return (m & 1) == 1 ? scratch[m / 2] : 0.5 * (scratch[m / 2 - 1] + scratch[m / 2]);
    }

    /** Rebuilds the sorted copy of the ring (after a state restore). */
    void resort() {
        System.arraycopy(values, 0, sorted, 0, n);
        Arrays.sort(sorted, 0, n);
    }

    void push(double v, double deseasoned) {
        deseason[pos] = deseasoned;
        // Keep the sorted copy sorted: drop the value leaving the ring, insert the new one (15 moves at most).
        int m = n;
        if (m == values.length) {
            double old = values[pos];
            int i = 0;
            while (i < m - 1 && Double.compare(sorted[i], old) != 0) {
                i++;
            }
            System.arraycopy(sorted, i + 1, sorted, i, m - 1 - i);
            m--;
        }
        int j = m;
        while (j > 0 && sorted[j - 1] > v) {
            sorted[j] = sorted[j - 1];
            j--;
        }
        sorted[j] = v;
        values[pos] = v;
        pos = (pos + 1) % values.length;
        n = Math.min(n + 1, values.length);
    }
}
