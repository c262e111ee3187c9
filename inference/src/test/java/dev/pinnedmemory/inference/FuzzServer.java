package dev.pinnedmemory.inference;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.PoolStats;

/**
 * The server every fuzz target drives (issue 32): one {@link InferenceServer} over a pool with strict
 * segments (a segment used after its lease ended throws) and small limits, so that every limit of the
 * protocol is in reach of a fuzzer's inputs of a few KiB, serving {@link ChecksumModel}s that read every
 * input byte:
 * <ul>
 * <li>{@code mymodel}: the protocol's example ({@code input0} UINT32 [2, 2], {@code input1} BOOL [3]);</li>
 * <li>{@code simple} version 1: Triton's example ({@code INPUT0}, {@code INPUT1} INT32 [1, 16]);</li>
 * <li>{@code echo_<datatype>} for each of the 14 datatypes: {@code INPUT} [-1];</li>
 * <li>{@code grid} versions 1 and 2: {@code A} FP64 [-1, -1], {@code B} BYTES [-1], {@code C} BOOL [2].</li>
 * </ul>
 * It has Triton's system shared memory extension on, with one POSIX shared memory object of
 * {@value #OBJECT_BYTES} bytes ({@code /dev/shm/pinned-memory-test-<pid>-...-fuzz}, removed when the JVM exits)
 * registered as two regions: {@value #REGION0} (offset 0, {@value #REGION0_BYTES} bytes) and {@value #REGION1}
 * (offset {@value #REGION1_OFFSET}, {@value #REGION1_BYTES} bytes); {@link #client()} is the client's mapping of
 * the whole object.
 *
 * <p>The transports' targets and their named regression tests share one server per JVM ({@link #shared()}):
 * its books are checked after every input ({@link #assertBalanced}).
 *
 * <p>Owns its pool, registry and shared memory object; lives as long as the JVM (the fuzz runs and the regression
 * run end with it). Thread-safe as the server and pool are; the targets drive it from one thread.
 */
public final class FuzzServer {

    /** The pool's largest buffer, so the largest tensor: 2 KiB, small enough that a fuzzer's input passes it. */
    public static final int LARGEST = 2048;
    /** {@code max-inputs}. */
    public static final int MAX_INPUTS = 4;
    /** {@code max-header-size}: the JSON of a REST request, the names and parameters of a gRPC one. */
    public static final int MAX_HEADER_BYTES = 2048;

    /** The shared memory object's size. */
    public static final int OBJECT_BYTES = 16384;
    /** The first region: the object's first 4 KiB. */
    public static final String REGION0 = "r0";
    /** {@value #REGION0}'s size. */
    public static final int REGION0_BYTES = 4096;
    /** The second region: 8 KiB from the object's offset 4096. */
    public static final String REGION1 = "r1";
    /** Where {@value #REGION1} starts in the object. */
    public static final int REGION1_OFFSET = 4096;
    /** {@value #REGION1}'s size. */
    public static final int REGION1_BYTES = 8192;

    private static final FuzzServer SHARED = new FuzzServer();

    private final PinnedMemoryPool<byte[]> pool;
    private final SharedMemoryObjects objects = new SharedMemoryObjects();
    private final SharedMemoryRegistry registry;
    private final MemorySegment client;
    /** What the budget holds beyond the pool's own buffers when no request runs: the registered regions. */
    private final long idleBudgetBeyondPool;
    private final InferenceServer server;

    private FuzzServer() {
        // Size classes from 64 bytes: most fuzzed tensors rent a buffer of their own class; nothing is zeroed
        // (every lease is written whole before it is read, which the checksum model would notice otherwise).
        this.pool = PinnedMemoryPool.builder(ElementType.BYTE).name("fuzz-tensors").bufferSize(LARGEST).minBufferSize(64)
                .maxSize(8).clearOnReturn(false).maxWait(Duration.ZERO).strictSegments(true).backend(TestPools.MLOCK)
                .build();
        this.registry = SharedMemoryRegistry.create(TestPools.MLOCK, pool.budget(), SharedMemoryLimits.DEFAULTS);
        String key = objects.create("fuzz", OBJECT_BYTES);
        this.client = objects.map(key);
        registry.register(REGION0, key, 0, REGION0_BYTES);
        registry.register(REGION1, key, REGION1_OFFSET, REGION1_BYTES);
        this.idleBudgetBeyondPool = pool.budget().usedBytes() - pool.stats().pinnedBytes();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            registry.close();
            objects.close();
        }, "fuzz-server-shared-memory"));
        this.server = InferenceServer.builder(pool).models(models(pool)).sharedMemory(registry)
                .limits(new InferenceLimits(MAX_INPUTS, MAX_HEADER_BYTES)).build();
    }

    /** {@return the server of this JVM's fuzz targets} */
    public static FuzzServer shared() {
        return SHARED;
    }

    /** {@return the server} */
    public InferenceServer inference() {
        return server;
    }

    /** {@return the registry of the server's shared memory regions} */
    public SharedMemoryRegistry sharedMemory() {
        return registry;
    }

    /** {@return the client's mapping of the whole shared memory object (both regions are slices of it)} */
    public MemorySegment client() {
        return client;
    }

    /** {@return the pool of input tensors and of the models' copies} */
    public PinnedMemoryPool<byte[]> pool() {
        return pool;
    }

    /**
     * Checks the books after an input, at once (every lease and every hold of a request ends before its transport
     * returns): nothing of the pool in use, as many returns as rents, no leaks; the budget back to its idle figure
     * (the pool's buffers and the registered regions); both regions still registered and held by no request.
     *
     * @throws AssertionError naming {@code input} and the books otherwise
     */
    public void assertBalanced(String input) {
        PoolStats stats = pool.stats();
        if (stats.inUse() != 0 || stats.rents() != stats.returns() || stats.leaks() != 0) {
            throw new AssertionError("the pool's books do not balance after " + input + ": inUse " + stats.inUse()
                    + ", rents " + stats.rents() + ", returns " + stats.returns() + ", leaks " + stats.leaks());
        }
        long beyondPool = pool.budget().usedBytes() - stats.pinnedBytes();
        if (beyondPool != idleBudgetBeyondPool) {
            throw new AssertionError("the budget holds " + beyondPool + " bytes beyond the pool's buffers after " + input
                    + ", " + idleBudgetBeyondPool + " when idle (the registered regions)");
        }
        List<SharedMemoryRegionStatus> regions = registry.status(null);
        if (regions.size() != 2 || registry.heldRegionCount() != 2) {
            throw new AssertionError("after " + input + " the registry has " + regions + ", " + registry.heldRegionCount()
                    + " held (expected: " + REGION0 + " and " + REGION1 + ")");
        }
        for (SharedMemoryRegionStatus region : regions) {
            if (region.activeRequests() != 0) {
                throw new AssertionError("shared memory region '" + region.name() + "' is still held by "
                        + region.activeRequests() + " requests after " + input);
            }
        }
    }

    private static List<InferenceModel> models(PinnedMemoryPool<byte[]> pool) {
        List<InferenceModel> models = new ArrayList<>();
        models.add(ChecksumModel.builder("mymodel", pool)
                .input("input0", "UINT32", 2, 2).input("input1", "BOOL", 3)
                .output("output0", ChecksumModel.Kind.ECHO, "input0")
                .output("output1", ChecksumModel.Kind.COPY, "input1")
                .output("checksum", ChecksumModel.Kind.CHECKSUM, "")
                .build());
        models.add(ChecksumModel.builder("simple", pool, "1")
                .input("INPUT0", "INT32", 1, 16).input("INPUT1", "INT32", 1, 16)
                .output("OUTPUT0", ChecksumModel.Kind.COPY, "INPUT0")
                .output("OUTPUT1", ChecksumModel.Kind.ECHO, "INPUT1")
                .output("CHECKSUM", ChecksumModel.Kind.CHECKSUM, "")
                .build());
        for (Datatype type : Datatype.values()) {
            models.add(ChecksumModel.builder("echo_" + type.name().toLowerCase(Locale.ROOT), pool)
                    .input("INPUT", type.name(), -1)
                    .output("OUTPUT", ChecksumModel.Kind.ECHO, "INPUT")
                    .output("COPY", ChecksumModel.Kind.COPY, "INPUT")
                    .output("CHECKSUM", ChecksumModel.Kind.CHECKSUM, "")
                    .build());
        }
        models.add(ChecksumModel.builder("grid", pool, "1", "2")
                .input("A", "FP64", -1, -1).input("B", "BYTES", -1).input("C", "BOOL", 2)
                .output("OUTPUT", ChecksumModel.Kind.ECHO, "B")
                .output("COPY", ChecksumModel.Kind.COPY, "A")
                .output("CHECKSUM", ChecksumModel.Kind.CHECKSUM, "")
                .build());
        return models;
    }
}
