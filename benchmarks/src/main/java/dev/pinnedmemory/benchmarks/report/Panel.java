package dev.pinnedmemory.benchmarks.report;

import java.util.List;

/**
 * One chart panel: horizontal bars sharing an axis. Immutable.
 *
 * @param title what is measured, and whether lower or higher is better
 * @param unit the axis unit
 * @param logScale whether the axis is logarithmic (for values spanning decades)
 * @param bars the bars, top to bottom; a bar with a null label draws a gap with {@code note} as heading
 */
record Panel(String title, String unit, boolean logScale, List<Bar> bars) {

    /**
     * @param label the row label
     * @param value the bar length in {@code unit}
     * @param error the half-width of the error bar, NaN for none
     * @param ours whether this is pinned-memory (drawn in the highlight colour) or a peer
     * @param note text after the value, e.g. a ratio to the peer
     */
    record Bar(String label, double value, double error, boolean ours, String note) {

        static Bar heading(String text) {
            return new Bar(null, Double.NaN, Double.NaN, false, text);
        }

        boolean isHeading() {
            return label == null;
        }
    }
}
