package dev.pinnedmemory.inference.rest;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.pinnedmemory.inference.Datatype;
import dev.pinnedmemory.inference.FuzzCorpus;

/**
 * The shared memory fuzz target's seed corpus: scripts ({@link SharedMemoryFuzzHarness.Script}) of the requests
 * Triton's shared memory examples send ({@code simple_http_shm_client}, {@code simple_grpc_shm_client}: both
 * inputs and both outputs of {@code simple} in regions) and of those the shared memory tests refuse (offsets and
 * sizes past a region, unknown regions, sizes that do not fit the shape, shared memory and data at once, values of
 * the wrong type). A seed named {@code ok-...} is answered, every other refused. Committed under
 * {@code src/test/resources/dev/pinnedmemory/inference/rest/SharedMemoryFuzzTestsInputs/sharedMemoryRequest/};
 * {@link #main} writes them there again after a change here.
 */
final class SharedMemorySeeds {

    private static final int REST = 0;
    private static final int GRPC = 1;
    private static final int SIMPLE = 0;
    private static final int SHM = 0;
    private static final int DATA = 1;
    private static final int BOTH = 2;
    private static final int R0 = 0;
    private static final int R1 = 1;
    private static final int UNKNOWN_REGION = 2;

    private SharedMemorySeeds() {
    }

    /** Writes every seed into the directory {@code args[0]}. */
    public static void main(String[] args) throws IOException {
        FuzzCorpus.write(args[0], all());
    }

    /** {@return every seed by its file name} */
    static Map<String, byte[]> all() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        for (int transport : new int[] {REST, GRPC}) {
            String prefix = transport == REST ? "rest-" : "grpc-";
            // Triton's simple_*_shm_client: INPUT0 and INPUT1 (INT32 [1, 16]) in one region, OUTPUT0 and OUTPUT1 in another.
            seeds.put("ok-" + prefix + "triton-simple-shm", new SharedMemoryFuzzHarness.Script()
                    .pick(transport).pick(SIMPLE).pick(2).pick(2)
                    .pick(0).pick(0).pick(2).number(1).number(16).pick(SHM).pick(R0).pick(1).number(0).pick(1).number(64)
                    .pick(1).bytes(ints(0, 16))
                    .pick(1).pick(0).pick(2).number(1).number(16).pick(SHM).pick(R0).pick(1).number(64).pick(1).number(64)
                    .pick(1).bytes(ints(100, 16))
                    .pick(2).pick(0).pick(1).pick(R1).pick(1).number(0).pick(1).number(64).pick(0)
                    .pick(1).pick(1).pick(R1).pick(1).number(64).pick(1).number(64).pick(0)
                    .pick(0).toByteArray());
            // An FP32 input in a region at an offset, one output as data, the checksum into the other region.
            seeds.put("ok-" + prefix + "fp32-in-region-checksum-out", new SharedMemoryFuzzHarness.Script()
                    .pick(transport).pick(model(Datatype.FP32)).pick(2).pick(1)
                    .pick(0).pick(0).pick(1).number(4).pick(SHM).pick(R1).pick(1).number(128).pick(1).number(16).pick(0)
                    .pick(2).pick(0).pick(0).pick(1).pick(2).pick(1).pick(R0).pick(1).number(4088).pick(1).number(8).pick(0)
                    .pick(0).toByteArray());
            // BYTES elements (a 4-byte length each) in a region, copied into the other.
            seeds.put("ok-" + prefix + "bytes-in-region", new SharedMemoryFuzzHarness.Script()
                    .pick(transport).pick(model(Datatype.BYTES)).pick(0).pick(1)
                    .pick(0).pick(0).pick(1).number(2).pick(SHM).pick(R0).pick(1).number(0).pick(1).number(11)
                    .pick(1).bytes(new byte[] {2, 0, 0, 0, 'a', 'b', 1, 0, 0, 0, 'c'})
                    .pick(1).pick(1).pick(1).pick(R1).pick(1).number(0).pick(1).number(11).pick(0)
                    .pick(0).toByteArray());
            // BOOL elements of a region filled with 0 and 1, echoed into the same region elsewhere.
            seeds.put("ok-" + prefix + "bool-in-region-echoed-into-it", new SharedMemoryFuzzHarness.Script()
                    .pick(transport).pick(model(Datatype.BOOL)).pick(1).pick(1)
                    .pick(0).pick(0).pick(1).number(3).pick(SHM).pick(R0).pick(1).number(5).pick(1).number(3).pick(0)
                    .pick(1).pick(0).pick(1).pick(R0).pick(1).number(100).pick(1).number(3).pick(1)
                    .pick(0).toByteArray());
            // Data sent as binary data (REST) or raw contents (gRPC), the output written into a region.
            seeds.put("ok-" + prefix + "data-in-output-to-region", new SharedMemoryFuzzHarness.Script()
                    .pick(transport).pick(model(Datatype.UINT8)).pick(2).pick(1)
                    .pick(0).pick(0).pick(1).number(5).pick(DATA).bytes(new byte[] {1, 2, 3, 4, 5}).pick(0)
                    .pick(1).pick(0).pick(1).pick(R1).pick(1).number(1).pick(1).number(5).pick(1)
                    .pick(0).toByteArray());
            seeds.put("refused-" + prefix + "offset-at-region-end", fp32Input(transport, R0, 4096, 16));
            seeds.put("refused-" + prefix + "size-past-region-end", fp32Input(transport, R1, 8188, 16));
            seeds.put("refused-" + prefix + "offset-negative", fp32Input(transport, R1, -1, 16));
            seeds.put("refused-" + prefix + "offset-plus-size-overflows", fp32Input(transport, R1, Long.MAX_VALUE - 4095, 8192));
            seeds.put("refused-" + prefix + "size-not-the-shapes", fp32Input(transport, R0, 0, 12));
            seeds.put("refused-" + prefix + "unknown-region", fp32Input(transport, UNKNOWN_REGION, 0, 16));
            seeds.put("refused-" + prefix + "region-and-data", new SharedMemoryFuzzHarness.Script()
                    .pick(transport).pick(model(Datatype.FP32)).pick(0).pick(1)
                    .pick(0).pick(0).pick(1).number(4).pick(BOTH).pick(R0).pick(1).number(0).pick(1).number(16).pick(0)
                    .bytes(new byte[16]).pick(0)
                    .pick(0).pick(0).toByteArray());
            seeds.put("refused-" + prefix + "offset-a-string", new SharedMemoryFuzzHarness.Script()
                    .pick(transport).pick(model(Datatype.FP32)).pick(0).pick(1)
                    .pick(0).pick(0).pick(1).number(4).pick(SHM).pick(R0).pick(2).number(16).pick(1).number(16).pick(0)
                    .pick(0).pick(0).toByteArray());
            seeds.put("refused-" + prefix + "output-past-region-end", new SharedMemoryFuzzHarness.Script()
                    .pick(transport).pick(model(Datatype.FP32)).pick(0).pick(1)
                    .pick(0).pick(0).pick(1).number(4).pick(SHM).pick(R0).pick(1).number(0).pick(1).number(16).pick(0)
                    .pick(1).pick(0).pick(1).pick(R0).pick(1).number(4092).pick(1).number(16).pick(0)
                    .pick(0).toByteArray());
        }
        return seeds;
    }

    /** {@return a script of one FP32 [4] input at {@code offset} of {@code region}, {@code size} bytes, no output asked} */
    private static byte[] fp32Input(int transport, int region, long offset, long size) {
        return new SharedMemoryFuzzHarness.Script()
                .pick(transport).pick(model(Datatype.FP32)).pick(0).pick(1)
                .pick(0).pick(0).pick(1).number(4).pick(SHM).pick(region).pick(1).number(offset).pick(1).number(size).pick(0)
                .pick(0).pick(0).toByteArray();
    }

    private static int model(Datatype type) {
        return 1 + type.ordinal();
    }

    private static byte[] ints(int first, int count) {
        ByteBuffer bytes = ByteBuffer.allocate(count * Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
            bytes.putInt(first + i);
        }
        return bytes.array();
    }
}
