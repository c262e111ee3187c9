package dev.pinnedmemory.benchmarks;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.arrow.PinnedArrow;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An Arrow IPC stream (written once by Arrow's {@code ArrowStreamWriter}: int, float, utf8 and
 * list-of-int columns with nulls, {@code batches} batches of {@code rows} rows) read whole with
 * {@code ArrowStreamReader}, each batch loaded and its row count and first value consumed: into
 * {@code PinnedArrow.rootAllocator} over a byte pool ({@code pinned}: {@code clearOnReturn} off;
 * {@code pinned-clearing}: the default, which zeroes a reused buffer before it is rented again)
 * against Arrow's default allocator with {@code arrow-memory-unsafe} ({@code arrow-default}). One allocator per trial, one
 * reader per operation, as a service would hold an allocator and open a reader per stream.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
        "--sun-misc-unsafe-memory-access=allow"})
@State(Scope.Thread)
public class ArrowIpcReadBenchmark {

    public static final String PINNED = "pinned";
    public static final String PINNED_CLEARING = "pinned-clearing";
    public static final String ARROW_DEFAULT = "arrow-default";

    private static final Schema SCHEMA = new Schema(List.of(
            Field.nullable("id", new ArrowType.Int(32, true)),
            Field.nullable("score", new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE)),
            Field.nullable("name", ArrowType.Utf8.INSTANCE),
            new Field("tags", FieldType.nullable(ArrowType.List.INSTANCE),
                    List.of(Field.nullable("item", new ArrowType.Int(32, true))))));

    @Param({PINNED, PINNED_CLEARING, ARROW_DEFAULT})
    public String allocator;

    @Param({"8"})
    public int batches;

    @Param({"65536"})
    public int rows;

    private byte[] stream;
    private PinnedMemoryPool<byte[]> pool;
    private BufferAllocator bufferAllocator;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        stream = write(batches, rows);
        if (!ARROW_DEFAULT.equals(allocator)) {
            pool = PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(64 << 20).minBufferSize(4096).maxSize(4)
                    .clearOnReturn(PINNED_CLEARING.equals(allocator)).backend(Backends.mlock()).build();
            bufferAllocator = PinnedArrow.rootAllocator(pool);
        } else {
            bufferAllocator = new RootAllocator();
        }
        read();   // the pool's leases exist after set-up, as in a service that has read a stream before
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        bufferAllocator.close();
        if (pool != null) {
            pool.close();
        }
    }

    @Benchmark
    public long read() throws IOException {
        long consumed = 0;
        try (ArrowStreamReader reader = new ArrowStreamReader(new ByteArrayInputStream(stream), bufferAllocator)) {
            VectorSchemaRoot root = reader.getVectorSchemaRoot();
            while (reader.loadNextBatch()) {
                consumed += root.getRowCount() + ((IntVector) root.getVector("id")).get(0);
            }
        }
        return consumed;
    }

    /** {@return the bytes of the stream} Arrow's default allocator writes it, independent of the one measured. */
    static byte[] write(int batches, int rows) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (BufferAllocator writerAllocator = new RootAllocator();
             VectorSchemaRoot root = VectorSchemaRoot.create(SCHEMA, writerAllocator);
             ArrowStreamWriter writer = new ArrowStreamWriter(root, null, Channels.newChannel(out))) {
            writer.start();
            for (int batch = 0; batch < batches; batch++) {
                fill(root, batch, rows);
                writer.writeBatch();
            }
            writer.end();
        }
        return out.toByteArray();
    }

    private static void fill(VectorSchemaRoot root, int batch, int rows) {
        root.allocateNew();
        IntVector id = (IntVector) root.getVector("id");
        Float4Vector score = (Float4Vector) root.getVector("score");
        VarCharVector name = (VarCharVector) root.getVector("name");
        ListVector tags = (ListVector) root.getVector("tags");
        IntVector items = (IntVector) tags.getDataVector();
        int itemCount = 0;
        for (int row = 0; row < rows; row++) {
            id.setSafe(row, row * 7 + batch);
            if (row % 7 == 0) {
                score.setNull(row);
            } else {
                score.setSafe(row, row * 0.5f);
            }
            if (row % 4 == 1) {
                name.setNull(row);
            } else {
                name.setSafe(row, ("row-" + batch + "-" + row).getBytes(StandardCharsets.UTF_8));
            }
            int offset = tags.startNewValue(row);
            int size = row % 4;
            for (int i = 0; i < size; i++) {
                items.setSafe(offset + i, row + i);
            }
            itemCount = offset + size;
            tags.endValue(row, size);
        }
        items.setValueCount(itemCount);
        root.setRowCount(rows);
    }
}
