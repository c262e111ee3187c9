package dev.pinnedmemory.backend;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.cuda.CudaPointers;
import dev.pinnedmemory.MemoryBudget;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUpointer_attribute;
import jcuda.driver.JCudaDriver;
import jcuda.runtime.JCuda;
import jcuda.runtime.cudaMemcpyKind;
import jcuda.runtime.cudaPointerAttributes;
import jcuda.runtime.cudaMemoryType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Needs a CUDA driver and device: skipped (not failed) elsewhere. Run alone with {@code -Dgroups=gpu}. */
@Tag("gpu")
class CudaBackendTests {

    private static BackendSelection selection;

    @BeforeEach
    void requireDevice() {
        BackendSelection auto = PageLockingBackends.select(BackendKind.AUTO, false);
        assumeTrue(auto.report().name().equals("cuda"), () -> "no CUDA device: " + auto.report().skipped());
        selection = auto;
    }

    @Test
    void cudaBackendMemoryShouldBeReportedAsHostPinnedByTheDriver() {
        try (PinnedMemoryPool<byte[]> pool = PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(1 << 20)
                .backend(selection.backend()).build();
             PinnedBuffer<byte[]> buffer = pool.rent()) {
            cudaPointerAttributes attributes = new cudaPointerAttributes();
            assertThat(JCuda.cudaPointerGetAttributes(attributes, CudaPointers.to(buffer.segment()))).isZero();
            assertThat(attributes.type).isEqualTo(cudaMemoryType.cudaMemoryTypeHost);
        }
    }

    @Test
    void hostToDeviceToHostThroughAPooledBufferShouldReturnTheSameBytes() {
        int length = 1 << 18;
        float[] data = new float[length];
        for (int i = 0; i < length; i++) {
            data[i] = i * 0.5f;
        }
        try (PinnedMemoryPool<float[]> pool = PinnedMemoryPool.builder(ElementType.FLOAT).bufferSize(length)
                .backend(selection.backend()).build();
             PinnedBuffer<float[]> up = pool.rent();
             PinnedBuffer<float[]> down = pool.rent()) {
            up.copyFrom(data);
            Pointer device = new Pointer();
            long bytes = up.byteSize();
            assertThat(JCuda.cudaMalloc(device, bytes)).isZero();
            try {
                assertThat(JCuda.cudaMemcpy(device, CudaPointers.to(up.segment()), bytes, cudaMemcpyKind.cudaMemcpyHostToDevice)).isZero();
                assertThat(JCuda.cudaMemcpy(CudaPointers.to(down.segment()), device, bytes, cudaMemcpyKind.cudaMemcpyDeviceToHost)).isZero();
            } finally {
                JCuda.cudaFree(device);
            }
            assertThat(down.toArray()).isEqualTo(data);
        }
    }

    @Test
    void writeCombinedPoolsShouldAskTheDriverForWriteCombinedPortableMemory() {
        try (PinnedMemoryPool<byte[]> pool = PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(1 << 20)
                .writeCombined(true).backend(selection.backend()).build();
             PinnedMemoryPool<byte[]> plain = PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(1 << 20)
                .backend(selection.backend()).build();
             PinnedBuffer<byte[]> combined = pool.rent();
             PinnedBuffer<byte[]> ordinary = plain.rent()) {
            int[] flags = new int[1];
            // The runtime API has no cudaHostGetFlags in JCuda; the driver API's twin reads the same flags.
            assertThat(jcuda.driver.JCudaDriver.cuMemHostGetFlags(flags, CudaPointers.to(combined.segment()))).isZero();
            assertThat(flags[0] & jcuda.driver.JCudaDriver.CU_MEMHOSTALLOC_WRITECOMBINED).isNotZero();
            assertThat(flags[0] & jcuda.driver.JCudaDriver.CU_MEMHOSTALLOC_PORTABLE).isNotZero();
            assertThat(jcuda.driver.JCudaDriver.cuMemHostGetFlags(flags, CudaPointers.to(ordinary.segment()))).isZero();
            assertThat(flags[0] & jcuda.driver.JCudaDriver.CU_MEMHOSTALLOC_WRITECOMBINED).isZero();
            assertThat(flags[0] & jcuda.driver.JCudaDriver.CU_MEMHOSTALLOC_PORTABLE).isNotZero();
        }
    }

    /**
     * Issue 30, finding 1: JCuda's {@code cudaHostAlloc} wraps its memory in a direct
     * {@code ByteBuffer}, which JDK 21+ refuse above {@code Integer.MAX_VALUE} bytes after the driver
     * allocated. A 3 GiB buffer of the {@code cuda} backend is registered instead: pinned, known to the
     * driver, copied in place, and gone from the driver once freed.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aThreeGibBufferShouldBePinnedByTheDriverCopyFromItsLastBytesAndBeFreed() {
        int length = 3 << 28;   // floats: 3 GiB
        long bytes = 4L * length;
        MemoryBudget budget = MemoryBudget.unlimited();
        long address;
        try (PinnedMemoryPool<float[]> pool = PinnedMemoryPool.builder(ElementType.FLOAT).bufferSize(length).maxSize(0)
                .clearOnReturn(false).backend(selection.backend()).budget(budget).name("three-gib").build();
             PinnedBuffer<float[]> buffer = pool.rent()) {
            address = buffer.address();
            assertThat(buffer.byteSize()).isEqualTo(bytes);
            assertThat(hostMemoryType(address)).isEqualTo(cudaMemoryType.cudaMemoryTypeHost);
            assertThat(hostMemoryType(address + bytes - 1)).isEqualTo(cudaMemoryType.cudaMemoryTypeHost);
            long tail = 4L << 20;
            MemorySegment last = buffer.segment().asSlice(bytes - tail);
            last.fill((byte) 0x6B);
            assertThat(buffer.segment().get(ValueLayout.JAVA_BYTE, bytes - tail - 1)).isZero();   // zeroed memory before it
            Pointer device = new Pointer();
            assertThat(JCuda.cudaMalloc(device, tail)).isZero();
            byte[] back = new byte[(int) tail];
            try {
                assertThat(JCuda.cudaMemcpy(device, CudaPointers.to(last), tail, cudaMemcpyKind.cudaMemcpyHostToDevice)).isZero();
                assertThat(JCuda.cudaMemcpy(Pointer.to(back), device, tail, cudaMemcpyKind.cudaMemcpyDeviceToHost)).isZero();
            } finally {
                JCuda.cudaFree(device);
            }
            assertThat(back[0]).isEqualTo((byte) 0x6B);
            assertThat(back[back.length - 1]).isEqualTo((byte) 0x6B);
        }
        awaitUntil(() -> budget.usedBytes() == 0, Duration.ofSeconds(30));   // freed on the background thread
        assertThat(hostMemoryType(address)).isEqualTo(cudaMemoryType.cudaMemoryTypeUnregistered);
    }

    /**
     * Why the backend registers buffers from 2 GiB on: JCuda's own {@code cudaHostAlloc} of 3 GiB
     * throws after allocating. {@link CudaHost#hostAlloc} frees what it got and says so.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void jcudasCudaHostAllocOfThreeGibShouldThrowAfterAllocatingAndTheHostShouldFreeWhatItGot() {
        long bytes = 3L << 30;
        HostPointer pointer = HostPointer.empty();
        assertThatThrownBy(() -> JCuda.cudaHostAlloc(pointer, bytes, JCuda.cudaHostAllocPortable))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(pointer.address()).as("the address JCuda stored after the ByteBuffer failed").isNotZero();
        assertThat(JCuda.cudaFreeHost(HostPointer.at(pointer.address()))).isZero();
        assertThatThrownBy(() -> CudaHost.jcuda().hostAlloc(bytes, CudaRuntime.HOST_ALLOC_PORTABLE))
                .isInstanceOf(BackendException.class)
                .hasMessageStartingWith("cudaHostAlloc of 3 GiB allocated, then JCuda failed: java.lang.IllegalArgumentException")
                .hasMessageEndingWith("; the memory was freed");
    }

    /**
     * Issue 30, finding 2: warm-up threads allocate in the context of the thread that builds the
     * pool, never in one of their own. A context of the test's own making (not device 0's primary
     * context, which a thread without a context would fall back to) is current while the pool warms
     * up on 4 threads; the driver must say every buffer was allocated in it.
     */
    @Test
    void warmUpThreadsShouldAllocateInTheContextOfTheThreadThatBuildsThePool() {
        assertThat(JCudaDriver.cuInit(0)).isZero();
        CUdevice device = new CUdevice();
        assertThat(JCudaDriver.cuDeviceGet(device, 0)).isZero();
        Context own = new Context();
        assertThat(JCudaDriver.cuCtxCreate(own, 0, device)).isZero();   // current on this thread now
        MemoryBudget budget = MemoryBudget.unlimited();
        try {
            List<PinnedBuffer<byte[]>> rented = new ArrayList<>();
            try (PinnedMemoryPool<byte[]> pool = PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(1 << 20)
                    .initialSize(8).maxSize(8).warmupThreads(4).backend(selection.backend()).budget(budget)
                    .name("own-context").build()) {
                for (int i = 0; i < 8; i++) {
                    rented.add(pool.rent());
                }
                for (PinnedBuffer<byte[]> buffer : rented) {
                    assertThat(contextOf(buffer.address())).as("context of %x", buffer.address()).isEqualTo(own.handle());
                }
                rented.forEach(PinnedBuffer::close);
            }
            awaitUntil(() -> budget.usedBytes() == 0, Duration.ofSeconds(10));
        } finally {
            JCudaDriver.cuCtxDestroy(own);
        }
    }

    /** Issue 30, finding 2: a free on a thread without a context makes none and leaves the thread without one. */
    @Test
    void aFreeOnAThreadWithoutAContextShouldLeaveItWithoutOne() throws Exception {
        Arena arena = Arena.ofShared();
        long address = selection.backend().allocate(1 << 20, arena).address();
        long[] before = new long[1];
        long[] after = new long[1];
        Thread freer = Thread.ofPlatform().start(() -> {
            before[0] = currentContext();
            arena.close();
            after[0] = currentContext();
        });
        freer.join();
        assertThat(before[0]).isZero();
        assertThat(after[0]).isZero();
        assertThat(hostMemoryType(address)).isEqualTo(cudaMemoryType.cudaMemoryTypeUnregistered);
    }

    @Test
    void freesOnAnotherThreadShouldLeaveThatThreadsCurrentDeviceAlone() throws Exception {
        int[] before = new int[1];
        int[] after = new int[1];
        Thread freer = Thread.ofPlatform().start(() -> {
            JCuda.cudaGetDevice(before);
            PinnedBuffer<byte[]> buffer = PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(4096).maxSize(0)
                    .backend(selection.backend()).build().rent();
            buffer.close();   // maxSize 0: freed here, with the allocating device current
            JCuda.cudaGetDevice(after);
        });
        freer.join();
        assertThat(after[0]).isEqualTo(before[0]);
    }

    /**
     * Polls {@code condition} until it holds, failing after {@code limit}. (Not Awaitility: the bundle
     * that runs these tests on a GPU machine would need Hamcrest, and with it java.desktop.)
     */
    static void awaitUntil(BooleanSupplier condition, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition still false after %s", limit).isLessThan(deadline);
            LockSupport.parkNanos(1_000_000);
        }
    }

    private static int hostMemoryType(long address) {
        cudaPointerAttributes attributes = new cudaPointerAttributes();
        return JCuda.cudaPointerGetAttributes(attributes, HostPointer.at(address)) == 0 ? attributes.type
                : cudaMemoryType.cudaMemoryTypeUnregistered;
    }

    private static long contextOf(long address) {
        long[] context = new long[1];
        assertThat(JCudaDriver.cuPointerGetAttribute(Pointer.to(context), CUpointer_attribute.CU_POINTER_ATTRIBUTE_CONTEXT,
                new CUdeviceptr().withByteOffset(address))).isZero();
        return context[0];
    }

    private static long currentContext() {
        Context context = new Context();
        assertThat(JCudaDriver.cuCtxGetCurrent(context)).isZero();
        return context.handle();
    }

    /** A context whose handle the test can read. */
    private static final class Context extends CUcontext {
        long handle() {
            return getNativePointer();
        }
    }
}
