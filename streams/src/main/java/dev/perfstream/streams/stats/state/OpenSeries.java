package dev.perfstream.streams.stats.state;

/** One series of a {@link SeriesWindowStore}: the heads of its window chains, one per size, and its changelog status. */
final class OpenSeries {
    final String id;
    /** This task emits the series' final windows; else it forwards partials to the owner. */
    final boolean owned;
    final WindowAccumulator[] heads;
    /**
     * How many of the sizes it merges up: every size (the rollup included) when owned, none (1) when foreign or
     * smallest-only. Events feed the smallest; each larger size is merged from the next smaller one. A per-version
     * series keeps windows of one size only, the release window's ({@code VersionWindows#size}).
     */
    final int depth;
    /**
     * Index of the smallest size it has windows of, which events and late counts go into: 0, or a larger size for the
     * series that need no finer windows ({@code SeriesWindowStore#configureFirstSize}).
     */
    final int first;
    int windows;
    /** Open windows fed directly by events ({@link WindowAccumulator#direct}): restored from an older build's state. */
    int direct;
    /** Changed since the last write to the inner store. */
    boolean dirty;
    /** Present in the inner store (so removing it needs a tombstone). */
    boolean persisted;
    /** Left the store (its last window closed): links to it are stale. */
    boolean removed;
    /** Its per-version series by version, a few at most (see {@code VersionWindows#versionSeries}); null until the first. */
    String[] versionKeys;
    OpenSeries[] versionSeries;

    /** A per-version series of release comparison ({@link VersionWindows}). */
    final boolean ofVersion;

    OpenSeries(String id, boolean owned, int sizes, int depth, int first, boolean ofVersion) {
        this.id = id;
        this.owned = owned;
        this.heads = new WindowAccumulator[sizes];
        this.depth = depth;
        this.first = first;
        this.ofVersion = ofVersion;
    }
}
