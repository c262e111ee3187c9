/**
 * The GPU check of the bundle that {@code benchmarks/gpu-bundle.sh} builds: the {@code gpu}-tagged
 * tests through the JUnit Platform launcher, copy bandwidth and the time to make pinned memory,
 * set against PyTorch in the same run, written as {@code gpu-check.json} and {@code gpu-check.txt}.
 * Needs only core, JCuda and the JUnit Platform at run time (no JMH), so a {@code jlink}ed runtime
 * runs it where there is no JDK.
 */
@NullMarked
package dev.pinnedmemory.benchmarks.gpu;

import org.jspecify.annotations.NullMarked;
