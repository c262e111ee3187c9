/**
 * Turns JMH's JSON results into the charts and tables of {@code docs/BENCHMARKS.md}.
 */
@NullMarked
package dev.pinnedmemory.benchmarks.report;

import org.jspecify.annotations.NullMarked;
