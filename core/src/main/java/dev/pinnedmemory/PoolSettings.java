package dev.pinnedmemory;

import dev.pinnedmemory.backend.NumaNode;
import dev.pinnedmemory.backend.NumaTopology;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;

/**
 * A pool's validated, immutable settings: the one shape between the outside (the
 * {@link PinnedMemoryPool.Builder}, the pool's constructors, the Spring Boot starter's
 * {@code pinned-memory.pools.<name>.*}) and the pool. Made by {@link #builder(ElementType)} (or the
 * canonical constructor); every rule is checked in the canonical constructor, once per value made,
 * and a value that breaks one throws an {@link InvalidPoolSettingException} naming the setting, the
 * rule and the value as it was given. Lengths count elements; a size given in bytes becomes
 * elements once, in {@link ElementType#lengthForBytes}. Every size, count and product of them is
 * checked, so the pool's arithmetic cannot overflow. {@link PinnedMemoryPool#builder(PoolSettings)}
 * builds a pool with these settings as they are: nothing is checked again. Owns no memory;
 * immutable and thread-safe.
 *
 * @param name the name in logs, stats and metrics
 * @param type the element type
 * @param bufferLength elements per buffer (the largest size class)
 * @param minBufferLength the smallest size class, or 0 for one size only
 * @param initialSize buffers allocated up front and after each resize
 * @param maxSize most idle buffers kept per size class
 * @param clearOnReturn whether a buffer is zeroed before it is rented again
 * @param maxWait how long {@link PinnedMemoryPool#rentWaiting()} waits for memory
 * @param writeCombined whether to ask the backend for write-combined memory
 * @param strictSegments whether each lease gets a segment of its own that fails once the lease ends
 * @param leakDetection how leaks are reported
 * @param warmupThreads threads that allocate the initial buffers
 * @param numaNode the NUMA node asked for: {@link NumaNode#NONE}, {@link NumaNode#AUTO} (the CUDA
 *     device's node, found when the pool is built) or an online node; what a pool was bound to is
 *     its {@link PinnedMemoryPool#numaPlacement()}
 * @param fenceWarnAfter how long a transfer fence may be pending before it is logged and counted as stuck
 * @param <A> the primitive array type
 */
public record PoolSettings<A>(String name, ElementType<A> type, int bufferLength, int minBufferLength, int initialSize,
                              int maxSize, boolean clearOnReturn, Duration maxWait, boolean writeCombined,
                              boolean strictSegments, LeakDetectionLevel leakDetection, int warmupThreads,
                              NumaNode numaNode, Duration fenceWarnAfter) {

    /** Most idle buffers a pool keeps per size class: {@value}. */
    static final int MAX_IDLE = PinnedMemoryPool.MAX_IDLE_BUFFERS;

    /** Longest {@code fenceWarnAfter}: 100 days, well inside a nanosecond {@code long}. */
    static final Duration MAX_FENCE_WARN_AFTER = Duration.ofDays(100);

    /**
     * How the values being checked were given, while {@link Builder#build()} makes them: sizes in
     * bytes or elements, and the machine whose online NUMA nodes count. Unbound for the canonical
     * constructor called directly (elements, this machine). It lets the rules run once, here, and
     * still report a value as it was given.
     */
    private static final ScopedValue<Given> GIVEN = ScopedValue.newInstance();

    /** Told a pool's name each time its rules run: the seam tests count rule runs with; null otherwise. */
    static volatile @Nullable Consumer<String> rulesRun;

    /**
     * Checks every rule, once, with lengths shown as they were given (elements, or bytes such as
     * {@code 4096B} from {@link Builder#bufferSizeInBytes}), and a node number against the online
     * nodes of this machine.
     *
     * @throws InvalidPoolSettingException naming the setting, the rule and the value
     * @throws NullPointerException for a null name, type, duration, level or node
     */
    public PoolSettings {
        Given given = GIVEN.orElse(Given.DIRECTLY);
        check(name, type, bufferLength, minBufferLength, initialSize, maxSize, maxWait, leakDetection, warmupThreads,
                numaNode, fenceWarnAfter, given);
    }

    /** {@return a builder for settings of a pool of {@code type} elements, with the defaults} */
    public static <A> Builder<A> builder(ElementType<A> type) {
        return new Builder<>(type);
    }

    /** {@return a builder that starts from these settings} */
    public Builder<A> toBuilder() {
        return new Builder<>(type).name(name).bufferSize(bufferLength).minBufferSize(minBufferLength)
                .initialSize(initialSize).maxSize(maxSize).clearOnReturn(clearOnReturn).maxWait(maxWait)
                .writeCombined(writeCombined).strictSegments(strictSegments).leakDetection(leakDetection)
                .warmupThreads(warmupThreads).numaNode(numaNode).fenceWarnAfter(fenceWarnAfter);
    }

    /** {@return the bytes of {@code count} buffers of {@code length} elements} @throws IllegalArgumentException on overflow */
    static long initialBytes(int count, int length, ElementType<?> type) {
        try {
            return Math.multiplyExact((long) count, Math.multiplyExact((long) length, type.byteSize()));
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("initialSize " + count + " x bufferSize " + length + " " + type
                    + " elements overflows (expected: at most " + Long.MAX_VALUE + " bytes)");
        }
    }

    /**
     * The rule of {@code bufferSize}, also for a resize: positive.
     *
     * @throws InvalidPoolSettingException naming {@code bufferSize}, the rule and the value
     */
    static void checkBufferLength(ElementType<?> type, int bufferLength, IntFunction<String> size) {
        if (bufferLength <= 0) {
            throw new InvalidPoolSettingException("bufferSize", "must be positive", size.apply(bufferLength),
                    "a positive number of " + type.configName() + " elements");
        }
    }

    /** The rules, once; {@code given} shows a length as it was given and says which machine's nodes count. */
    private static void check(String name, ElementType<?> type, int bufferLength, int minBufferLength, int initialSize,
                              int maxSize, Duration maxWait, LeakDetectionLevel leakDetection, int warmupThreads,
                              NumaNode numaNode, Duration fenceWarnAfter, Given given) {
        Consumer<String> counting = rulesRun;
        if (counting != null) {
            counting.accept(String.valueOf(name));
        }
        IntFunction<String> size = given.size();
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(leakDetection, "leakDetection");
        if (name == null || name.isBlank()) {
            throw new InvalidPoolSettingException("name", "must not be blank", "'" + name + "'", "a name such as frames");
        }
        checkBufferLength(type, bufferLength, size);
        if (minBufferLength < 0 || minBufferLength > bufferLength) {
            throw new InvalidPoolSettingException("minBufferSize", minBufferLength < 0 ? "must be 0 (no size classes) or positive"
                    : "must be at most bufferSize (" + size.apply(bufferLength) + ")", size.apply(minBufferLength),
                    "0 (no size classes) or at most bufferSize (" + size.apply(bufferLength) + ")");
        }
        if (maxSize < 0 || maxSize > MAX_IDLE) {
            throw new InvalidPoolSettingException("maxSize", "must be 0 to " + MAX_IDLE, String.valueOf(maxSize),
                    "0 to " + MAX_IDLE + " (default 20)");
        }
        if (initialSize < 0 || initialSize > maxSize) {
            throw new InvalidPoolSettingException("initialSize", initialSize < 0 ? "must be 0 or more"
                    : "must be at most maxSize (" + maxSize + ")", String.valueOf(initialSize),
                    "0 to maxSize (" + maxSize + "), or raise maxSize");
        }
        if (Objects.requireNonNull(maxWait, "maxWait").isNegative()) {
            throw new InvalidPoolSettingException("maxWait", "must be 0 or more", maxWait.toString(),
                    "a duration such as 250ms, or 0 to fail at once");
        }
        if (warmupThreads < 1) {
            throw new InvalidPoolSettingException("warmupThreads", "must be at least 1", String.valueOf(warmupThreads),
                    "1 or more");
        }
        Objects.requireNonNull(numaNode, "numaNode");
        if (!Objects.requireNonNull(fenceWarnAfter, "fenceWarnAfter").isPositive()
                || fenceWarnAfter.compareTo(MAX_FENCE_WARN_AFTER) > 0) {
            throw new InvalidPoolSettingException("fenceWarnAfter", "must be more than 0 and at most 100d",
                    fenceWarnAfter.toString(), "a duration such as 10s or 2m");
        }
        if (!numaNode.isNone() && !numaNode.isAuto()) {
            List<Integer> online = given.machine().onlineNodes();
            if (!online.contains(numaNode.id())) {
                String nodes = online.stream().map(String::valueOf).collect(Collectors.joining(", "));
                throw new InvalidPoolSettingException("numaNode", "must be an online NUMA node of this machine ("
                        + nodes + ", from " + given.machine().onlineNodesFile() + ")", String.valueOf(numaNode.id()),
                        "none, auto (the CUDA device's node) or one of the online NUMA nodes: " + nodes);
            }
        }
    }

    /**
     * How {@link Builder#build()} was given the values it checks.
     *
     * @param size shows a length as it was given: elements, or bytes as {@code 4096B}
     * @param machine the machine whose online NUMA nodes a node number must be one of
     */
    private record Given(IntFunction<String> size, NumaTopology machine) {
        /** The canonical constructor called directly: lengths in elements, this machine. */
        static final Given DIRECTLY = new Given(String::valueOf, NumaTopology.system());
    }

    /**
     * Collects a pool's settings; {@link #build()} checks them all at once. Sizes are given in
     * elements ({@link #bufferSize}) or in bytes ({@link #bufferSizeInBytes}, converted by
     * {@link ElementType#lengthForBytes}); an invalid value is reported as it was given. Not
     * thread-safe; build on one thread.
     *
     * @param <A> the primitive array type of the elements
     */
    public static final class Builder<A> {
        private static final AtomicInteger UNNAMED = new AtomicInteger();

        private final ElementType<A> type;
        private @Nullable String name;
        private int bufferLength;
        private long bufferBytes;
        private boolean bufferInBytes;
        private int minBufferLength;
        private long minBufferBytes;
        private boolean minBufferInBytes;
        private int initialSize;
        private int maxSize = 20;
        private boolean clearOnReturn = true;
        private Duration maxWait = Duration.ZERO;
        private boolean writeCombined;
        private boolean strictSegments;
        private @Nullable LeakDetectionLevel leakDetection;
        private int warmupThreads = Math.min(4, Runtime.getRuntime().availableProcessors());
        private NumaNode numaNode = NumaNode.NONE;
        private NumaTopology numaTopology = NumaTopology.system();
        private Duration fenceWarnAfter = Duration.ofNanos(FencedBlocks.DEFAULT_WARN_AFTER_NANOS);

        private Builder(ElementType<A> type) {
            this.type = Objects.requireNonNull(type, "type");
        }

        /** The name in logs, stats and metrics (default {@code pool-N}); not blank. */
        public Builder<A> name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /** Elements per buffer (the largest size class); required, positive. */
        public Builder<A> bufferSize(int elements) {
            this.bufferLength = elements;
            this.bufferInBytes = false;
            return this;
        }

        /** Bytes per buffer (the largest size class): a positive multiple of the element size. */
        public Builder<A> bufferSizeInBytes(long bytes) {
            this.bufferBytes = bytes;
            this.bufferInBytes = true;
            return this;
        }

        /**
         * The smallest size class in elements (default 0: no size classes, every buffer is
         * {@code bufferSize}). With {@code 0 < minBufferSize < bufferSize}, {@link PinnedMemoryPool#rent(int)}
         * is served from classes between the two, spaced so a buffer is at most 25 % larger than asked.
         */
        public Builder<A> minBufferSize(int elements) {
            this.minBufferLength = elements;
            this.minBufferInBytes = false;
            return this;
        }

        /** The smallest size class in bytes; 0 for none, else a positive multiple of the element size. */
        public Builder<A> minBufferSizeInBytes(long bytes) {
            this.minBufferBytes = bytes;
            this.minBufferInBytes = true;
            return this;
        }

        /** Buffers allocated up front and after each resize (default 0, at most {@code maxSize}). */
        public Builder<A> initialSize(int initialSize) {
            this.initialSize = initialSize;
            return this;
        }

        /** Most idle buffers kept per size class (default 20, at most {@value PinnedMemoryPool#MAX_IDLE_BUFFERS}); returns beyond it are freed. */
        public Builder<A> maxSize(int maxSize) {
            this.maxSize = maxSize;
            return this;
        }

        /**
         * Whether a returned buffer is zeroed before it is rented again (default true): on the
         * library's background thread soon after the return, and at the rent for what it has not
         * reached yet (always, for a buffer whose {@code segment()} a lease handed out).
         */
        public Builder<A> clearOnReturn(boolean clearOnReturn) {
            this.clearOnReturn = clearOnReturn;
            return this;
        }

        /** How long {@link PinnedMemoryPool#rentWaiting()} waits for memory (default 0: fail fast). */
        public Builder<A> maxWait(Duration maxWait) {
            this.maxWait = Objects.requireNonNull(maxWait, "maxWait");
            return this;
        }

        /**
         * Whether to ask for write-combined memory (default false): with the {@code cuda} backend,
         * {@code cudaHostAllocWriteCombined}, faster for host-to-device staging but very slow for the
         * CPU to read. Other backends ignore it.
         */
        public Builder<A> writeCombined(boolean writeCombined) {
            this.writeCombined = writeCombined;
            return this;
        }

        /**
         * Whether each lease gets a segment of its own that throws once the lease ends (default
         * false: the pooled memory itself). Costs an arena per rent and closing it per return.
         */
        public Builder<A> strictSegments(boolean strictSegments) {
            this.strictSegments = strictSegments;
            return this;
        }

        /** How leaks are reported (default {@link LeakDetector#defaultLevel()}). */
        public Builder<A> leakDetection(LeakDetectionLevel leakDetection) {
            this.leakDetection = Objects.requireNonNull(leakDetection, "leakDetection");
            return this;
        }

        /**
         * Threads that allocate and page-lock the initial buffers at start and after a resize
         * (default: the number of processors, at most 4; at least 1). First touch and locking of
         * fresh pages is the slow part of a warm-up, and the kernel does it in parallel for separate buffers.
         */
        public Builder<A> warmupThreads(int warmupThreads) {
            this.warmupThreads = warmupThreads;
            return this;
        }

        /**
         * The NUMA node to bind the pool's memory to (default {@link NumaNode#NONE}: wherever the
         * kernel or driver puts it); a node number must be online on this machine. A node binds
         * every buffer with {@code mbind(MPOL_BIND)} before its first touch; {@link NumaNode#AUTO}
         * takes the current CUDA device's node, resolved when the pool is built, when the machine
         * says which. With the {@code cuda} backend a placed pool's memory comes from the
         * registration path ({@code cuda-register}); where the driver refuses to register, a node
         * number fails the pool's build naming the CUDA error and {@code AUTO} leaves the memory
         * unbound (with a warning; stats say -1).
         */
        public Builder<A> numaNode(NumaNode numaNode) {
            this.numaNode = Objects.requireNonNull(numaNode, "numaNode");
            return this;
        }

        /** The machine whose online nodes a NUMA node is checked against: the seam tests use. */
        Builder<A> numaTopology(NumaTopology numaTopology) {
            this.numaTopology = Objects.requireNonNull(numaTopology, "numaTopology");
            return this;
        }

        /**
         * How long a transfer fence ({@link PinnedBuffer#closeAfter}) may stay pending before it is
         * logged once at WARN and counted as stuck (default 10 s; positive, at most 100 days).
         */
        public Builder<A> fenceWarnAfter(Duration fenceWarnAfter) {
            this.fenceWarnAfter = Objects.requireNonNull(fenceWarnAfter, "fenceWarnAfter");
            return this;
        }

        /**
         * {@return the settings, every rule checked}
         *
         * @throws InvalidPoolSettingException for the first setting that breaks a rule, naming it,
         *     the rule and the value as it was given
         */
        public PoolSettings<A> build() {
            int length = bufferInBytes ? type.lengthForBytes("bufferSize", bufferBytes) : bufferLength;
            int minLength = !minBufferInBytes ? minBufferLength
                    : minBufferBytes == 0 ? 0 : type.lengthForBytes("minBufferSize", minBufferBytes);
            IntFunction<String> size = bufferInBytes ? elements -> (long) elements * type.byteSize() + "B" : String::valueOf;
            String named = name != null ? name : "pool-" + UNNAMED.incrementAndGet();
            LeakDetectionLevel leaks = leakDetection != null ? leakDetection : LeakDetector.defaultLevel();
            return ScopedValue.where(GIVEN, new Given(size, numaTopology)).call(() -> new PoolSettings<>(named, type, length,
                    minLength, initialSize, maxSize, clearOnReturn, maxWait, writeCombined, strictSegments, leaks,
                    warmupThreads, numaNode, fenceWarnAfter));
        }
    }
}
