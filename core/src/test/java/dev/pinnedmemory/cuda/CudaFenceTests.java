package dev.pinnedmemory.cuda;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.backend.BackendKind;
import dev.pinnedmemory.backend.BackendSelection;
import dev.pinnedmemory.backend.PageLockingBackends;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.JCudaDriver;
import jcuda.runtime.JCuda;
import jcuda.runtime.cudaMemcpyKind;
import jcuda.runtime.cudaStream_t;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** A pooled buffer closed after an asynchronous copy is reused only once the copy is done. Needs a CUDA device. */
@Tag("gpu")
class CudaFenceTests {

    private BackendSelection selection;

    @BeforeEach
    void requireDevice() {
        BackendSelection auto = PageLockingBackends.select(BackendKind.AUTO, false);
        assumeTrue(auto.report().name().equals("cuda"), () -> "no CUDA device: " + auto.report().skipped());
        selection = auto;
    }

    @Test
    void aBufferClosedAfterAnAsyncCopyShouldComeBackOnlyWhenTheCopyIsDone() throws Exception {
        int length = 16 << 20;
        cudaStream_t stream = new cudaStream_t();
        Pointer device = new Pointer();
        assertThat(JCuda.cudaStreamCreate(stream)).isZero();
        assertThat(JCuda.cudaMalloc(device, length)).isZero();
        try (PinnedMemoryPool<byte[]> pool = PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(length).maxSize(1)
                .backend(selection.backend()).name("gpu-fenced").build()) {
            PinnedBuffer<byte[]> staging = pool.rent();
            staging.fill(5);
            long address = staging.address();
            assertThat(JCuda.cudaMemcpyAsync(device, CudaPointers.to(staging.segment()), length,
                    cudaMemcpyKind.cudaMemcpyHostToDevice, stream)).isZero();
            CudaFence fence = CudaFence.record(stream);
            staging.closeAfter(fence);
            assertThat(JCuda.cudaStreamSynchronize(stream)).isZero();
            assertThat(fence.isComplete()).isTrue();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (pool.stats().fenced() > 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(pool.stats().fenced()).isZero();
            try (PinnedBuffer<byte[]> reused = pool.rent()) {
                assertThat(reused.address()).isEqualTo(address);
            }
            assertThat(fence.toString()).contains("complete", "closed");   // the pool closed it once it completed
            assertThat(fence.isComplete()).isTrue();                      // a completed fence stays complete
            byte[] back = new byte[length];
            assertThat(JCuda.cudaMemcpy(Pointer.to(back), device, length, cudaMemcpyKind.cudaMemcpyDeviceToHost)).isZero();
            assertThat(back[length - 1]).isEqualTo((byte) 5);
        } finally {
            JCuda.cudaFree(device);
            JCuda.cudaStreamDestroy(stream);
        }
    }

    @Test
    void aFenceOnAnIdleStreamShouldBeCompleteAtOnceAndCloseOnce() {
        cudaStream_t stream = new cudaStream_t();
        assertThat(JCuda.cudaStreamCreate(stream)).isZero();
        try {
            CudaFence fence = CudaFence.record(stream);
            assertThat(JCuda.cudaStreamSynchronize(stream)).isZero();
            assertThat(fence.isComplete()).isTrue();
            fence.close();
            fence.close();
        } finally {
            JCuda.cudaStreamDestroy(stream);
        }
    }

    /**
     * The promise that matters most: 256 MiB handed back with {@code closeAfter} right after
     * {@code cudaMemcpyAsync} are not rented out again before the copy has read them. A host
     * function ahead of the copy holds the stream until the test lets it go, so the copy is still
     * pending when the buffer is rented again and overwritten; the device must then hold the old
     * pattern in every byte checked.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aBufferClosedAfterAnAsyncCopyShouldNotBeRentedAgainBeforeTheCopyHasReadIt() {
        int length = 256 << 20;
        cudaStream_t stream = new cudaStream_t();
        Pointer device = new Pointer();
        CountDownLatch release = new CountDownLatch(1);
        assertThat(JCuda.cudaStreamCreate(stream)).isZero();
        assertThat(JCuda.cudaMalloc(device, length)).isZero();
        try (PinnedMemoryPool<byte[]> pool = PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(length).maxSize(1)
                .initialSize(1).clearOnReturn(false).backend(selection.backend()).name("gpu-in-flight").build()) {
            assertThat(JCuda.cudaLaunchHostFunc(stream, ignored -> awaitQuietly(release), "hold the stream")).isZero();
            PinnedBuffer<byte[]> staging = pool.rent();
            long first = staging.address();
            staging.fill(0x5A);
            assertThat(JCuda.cudaMemcpyAsync(device, CudaPointers.to(staging.segment()), length,
                    cudaMemcpyKind.cudaMemcpyHostToDevice, stream)).isZero();
            CudaFence fence = CudaFence.record(stream);
            staging.closeAfter(fence);
            assertThat(fence.isComplete()).isFalse();                 // the stream is held: the copy has not run
            assertThat(pool.stats().fenced()).isEqualTo(1);
            try (PinnedBuffer<byte[]> again = pool.rent()) {            // at once, while the copy is pending
                assertThat(again.address()).isNotEqualTo(first);
                again.fill(0x33);
                release.countDown();
                assertThat(JCuda.cudaStreamSynchronize(stream)).isZero();
            }
            byte[] back = new byte[length];
            assertThat(JCuda.cudaMemcpy(Pointer.to(back), device, length, cudaMemcpyKind.cudaMemcpyDeviceToHost)).isZero();
            for (int i = 0; i < length; i += 4093) {
                assertThat(back[i]).as("device byte %d", i).isEqualTo((byte) 0x5A);
            }
            assertThat(back[length - 1]).isEqualTo((byte) 0x5A);
        } finally {
            release.countDown();
            JCuda.cudaStreamSynchronize(stream);
            JCuda.cudaFree(device);
            JCuda.cudaStreamDestroy(stream);
        }
    }

    /**
     * Issue 30, finding 3, on the device: threads that query a fence while another closes it see
     * only answers (complete, pending, or closed), never a driver error from an event being
     * destroyed; and a thread without a context that queries and closes has none afterwards.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void queriesRacingACloseShouldOnlyAnswerOrSayClosedAndLeaveThreadsWithoutAContext() throws Exception {
        cudaStream_t stream = new cudaStream_t();
        assertThat(JCuda.cudaStreamCreate(stream)).isZero();
        ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Long> contextsAfter = new ConcurrentLinkedQueue<>();
        try {
            for (int round = 0; round < 300; round++) {
                CudaFence fence = CudaFence.record(stream);
                CountDownLatch start = new CountDownLatch(1);
                List<Thread> threads = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    threads.add(Thread.ofPlatform().start(() -> {
                        awaitQuietly(start);
                        for (int n = 0; n < 20; n++) {
                            try {
                                fence.isComplete();
                            } catch (IllegalStateException closed) {
                                // the close won: an answer, not a failure
                            } catch (RuntimeException e) {
                                unexpected.add(e);
                            }
                        }
                        contextsAfter.add(currentContext());
                    }));
                }
                threads.add(Thread.ofPlatform().start(() -> {
                    awaitQuietly(start);
                    try {
                        fence.close();
                    } catch (RuntimeException e) {
                        unexpected.add(e);
                    }
                    contextsAfter.add(currentContext());
                }));
                start.countDown();
                for (Thread thread : threads) {
                    thread.join();
                }
            }
        } finally {
            JCuda.cudaStreamDestroy(stream);
        }
        assertThat(unexpected).isEmpty();
        assertThat(contextsAfter).containsOnly(0L);
    }

    private static long currentContext() {
        Context context = new Context();
        return JCudaDriver.cuCtxGetCurrent(context) == 0 ? context.handle() : -1;
    }

    /** A context whose handle the test can read. */
    private static final class Context extends CUcontext {
        long handle() {
            return getNativePointer();
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
