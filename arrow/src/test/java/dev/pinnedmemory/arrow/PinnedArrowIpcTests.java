package dev.pinnedmemory.arrow;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.List;

import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.PoolStats;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.OutOfMemoryException;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.ipc.message.ArrowBlock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Real Arrow IPC streams and files, written by Arrow's own writers, read back into pool leases. */
class PinnedArrowIpcTests {

    private static final int BATCHES = 4;
    private static final int BASE_ROWS = 1000;

    private final PinnedMemoryPool<byte[]> pool = Pools.bytes("arrow", 1 << 20);

    @TempDir
    Path directory;

    @AfterEach
    void closePool() {
        PoolStats stats = pool.stats();
        assertThat(stats.inUse()).as("every lease back").isZero();
        assertThat(stats.rents()).as("rents = returns").isEqualTo(stats.returns());
        assertThat(stats.leaks()).isZero();
        pool.close();
    }

    @Test
    void streamReadThroughPinnedAllocatorShouldPutEveryBatchInLockedLeasesAndGiveThemAllBack() throws IOException {
        byte[] stream = ArrowBatches.stream(BATCHES, BASE_ROWS);
        long lockedBefore = ProcMemory.lockedKb();
        try (BufferAllocator allocator = PinnedArrow.rootAllocator(pool)) {
            try (ArrowStreamReader reader = new ArrowStreamReader(new ByteArrayInputStream(stream), allocator)) {
                VectorSchemaRoot root = reader.getVectorSchemaRoot();
                int batch = 0;
                while (reader.loadNextBatch()) {
                    ArrowBatches.assertBatch(root, batch, BASE_ROWS);
                    assertThat(pool.stats().inUse()).as("leases while batch %d is loaded", batch).isPositive();
                    assertEveryBufferInALockedLease(root);
                    assertThat(ProcMemory.lockedKb() - lockedBefore).as("VmLck grew by the batch's bytes")
                            .isGreaterThanOrEqualTo(allocator.getAllocatedMemory() / 1024);
                    batch++;
                }
                assertThat(batch).isEqualTo(BATCHES);
            }
            assertThat(allocator.getAllocatedMemory()).as("Arrow's books").isZero();
        }
        assertThat(pool.stats().rents()).as("one body per batch at least").isGreaterThanOrEqualTo(BATCHES);
    }

    @Test
    void fileReadThroughPinnedAllocatorShouldServeRandomAccessToEveryBatch() throws IOException {
        Path file = directory.resolve("batches.arrow");
        ArrowBatches.file(file, BATCHES, BASE_ROWS);
        try (BufferAllocator allocator = PinnedArrow.rootAllocator(pool);
             FileChannel channel = FileChannel.open(file);
             ArrowFileReader reader = new ArrowFileReader(channel, allocator)) {
            VectorSchemaRoot root = reader.getVectorSchemaRoot();
            List<ArrowBlock> blocks = reader.getRecordBlocks();
            assertThat(blocks).hasSize(BATCHES);
            for (int batch : new int[] {2, 0, 3, 1}) {
                assertThat(reader.loadRecordBatch(blocks.get(batch))).isTrue();
                ArrowBatches.assertBatch(root, batch, BASE_ROWS);
                assertEveryBufferInALockedLease(root);
                assertThat(pool.stats().inUse()).isPositive();
            }
        }
    }

    @Test
    void batchLargerThanThePoolsLargestBufferShouldFailNamingTheSizesAndLeaveNothingHeld() throws IOException {
        byte[] stream = ArrowBatches.stream(1, 20_000);
        try (PinnedMemoryPool<byte[]> small = Pools.bytes("small", 64 << 10);
             BufferAllocator allocator = PinnedArrow.rootAllocator(small)) {
            try (ArrowStreamReader reader = new ArrowStreamReader(new ByteArrayInputStream(stream), allocator)) {
                assertThatThrownBy(reader::loadNextBatch).isInstanceOf(OutOfMemoryException.class)
                        .hasMessageContaining("does not fit pool 'small', whose largest buffer is 65536 bytes")
                        .hasMessageContaining("raise the pool's buffer-size");
            }
            assertThat(allocator.getAllocatedMemory()).isZero();
            assertThat(small.stats().inUse()).isZero();
            assertThat(small.stats().rents()).as("whatever was rented is back").isEqualTo(small.stats().returns());
            assertThat(small.stats().requestedBytes()).as("the body was never rented").isLessThan(64 << 10);
        }
    }

    @Test
    void readerClosedEarlyShouldStillGiveEveryLeaseBack() throws IOException {
        byte[] stream = ArrowBatches.stream(BATCHES, BASE_ROWS);
        try (BufferAllocator allocator = PinnedArrow.rootAllocator(pool)) {
            try (ArrowStreamReader reader = new ArrowStreamReader(new ByteArrayInputStream(stream), allocator)) {
                assertThat(reader.loadNextBatch()).isTrue();
                assertThat(pool.stats().inUse()).isPositive();
            }
            assertThat(pool.stats().inUse()).isZero();
        }
    }

    private static void assertEveryBufferInALockedLease(VectorSchemaRoot root) {
        for (FieldVector vector : root.getFieldVectors()) {
            assertBuffersInLeases(vector);
        }
    }

    private static void assertBuffersInLeases(FieldVector vector) {
        for (ArrowBuf buffer : vector.getFieldBuffers()) {
            if (buffer.capacity() == 0) {
                continue;
            }
            PinnedBuffer<byte[]> lease = Pools.leaseOf(buffer);
            assertThat(lease.isPinned()).as("%s's lease lasts", vector.getName()).isTrue();
            assertThat(buffer.memoryAddress()).as("%s lies in its lease", vector.getName())
                    .isBetween(lease.address(), lease.address() + lease.byteSize() - buffer.capacity());
            assertThat(ProcMemory.lockedKbAt(buffer.memoryAddress())).as("%s is locked memory", vector.getName())
                    .isGreaterThanOrEqualTo((buffer.capacity() + 1023) / 1024);
        }
        for (FieldVector child : vector.getChildrenFromFields()) {
            assertBuffersInLeases(child);
        }
    }
}
