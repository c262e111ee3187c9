package dev.pinnedmemory.cuda;

import dev.pinnedmemory.PinnedMemoryException;
import jcuda.runtime.cudaEvent_t;
import jcuda.runtime.cudaStream_t;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * {@link CudaFence} against a fake runtime that can hold a {@code cudaEventQuery} or a
 * {@code cudaEventDestroy} in flight: a query and the destroy never overlap, a query never blocks,
 * and every call runs in the context the event was recorded in, with the caller's own put back.
 * Runs everywhere; {@code CudaFenceTests} (gpu) checks the fence against a device.
 */
class CudaFenceRaceTests {

    private static final long RECORDING_CONTEXT = 0xC0001;

    @Test
    void aCloseDuringAQueryShouldDestroyTheEventOnlyAfterTheQueryReturned() throws Exception {
        FakeEvents cuda = new FakeEvents();
        CudaFence fence = cuda.recordOnDeviceOne();
        cuda.holdQueries();
        AtomicReference<Object> answer = new AtomicReference<>();
        Thread poller = Thread.ofPlatform().name("poller").start(() -> answer.set(completion(fence)));
        assertThat(cuda.queryEntered.await(10, TimeUnit.SECONDS)).isTrue();
        Thread closer = Thread.ofPlatform().name("closer").start(fence::close);
        await().atMost(Duration.ofSeconds(10)).until(() -> closer.getState() == Thread.State.WAITING
                || closer.getState() == Thread.State.TIMED_WAITING);
        assertThat(cuda.log()).as("nothing destroyed while the query runs").doesNotContain("destroy");
        cuda.releaseQueries.countDown();
        poller.join();
        closer.join();
        assertThat(answer.get()).isEqualTo(false);   // pending, answered normally
        assertThat(cuda.log()).containsSubsequence("query-begin", "query-end", "destroy");
        assertThat(cuda.overlaps).isZero();
        assertThat(fence.toString()).contains("closed");
    }

    @Test
    void aQueryDuringACloseShouldNeitherBlockNorTouchTheEvent() throws Exception {
        FakeEvents cuda = new FakeEvents();
        CudaFence fence = cuda.recordOnDeviceOne();
        cuda.holdDestroy();
        Thread closer = Thread.ofPlatform().name("closer").start(fence::close);
        assertThat(cuda.destroyEntered.await(10, TimeUnit.SECONDS)).isTrue();
        assertThatThrownBy(fence::isComplete).isInstanceOf(IllegalStateException.class)
                .hasMessage("CudaFence was closed before it completed");
        assertThat(cuda.log()).doesNotContain("query-begin");
        cuda.releaseDestroy.countDown();
        closer.join();
        assertThatThrownBy(fence::isComplete).isInstanceOf(IllegalStateException.class);
        fence.close();   // once only
        assertThat(cuda.log().stream().filter("destroy"::equals).count()).isEqualTo(1);
    }

    @Test
    void manyThreadsQueryingWhileOneClosesShouldNeverQueryADestroyedEvent() throws Exception {
        for (int round = 0; round < 200; round++) {
            FakeEvents cuda = new FakeEvents();
            CudaFence fence = cuda.recordOnDeviceOne();
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> pollers = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                pollers.add(Thread.ofPlatform().start(() -> {
                    awaitQuietly(start);
                    for (int n = 0; n < 50; n++) {
                        completion(fence);
                    }
                }));
            }
            Thread closer = Thread.ofPlatform().start(() -> {
                awaitQuietly(start);
                fence.close();
            });
            start.countDown();
            for (Thread poller : pollers) {
                poller.join();
            }
            closer.join();
            assertThat(cuda.overlaps).as("round %d", round).isZero();
            assertThat(cuda.queriesAfterDestroy).as("round %d", round).isZero();
        }
    }

    @Test
    void queriesAndTheDestroyOnAThreadWithoutAContextShouldRunInTheRecordingContextAndPutNoneBack() throws Exception {
        FakeEvents cuda = new FakeEvents();
        CudaFence fence = cuda.recordOnDeviceOne();
        cuda.complete = true;
        AtomicReference<Long> after = new AtomicReference<>();
        Thread poller = Thread.ofPlatform().start(() -> {
            assertThat(fence.isComplete()).isTrue();
            fence.close();
            after.set(cuda.context.get()[0]);
        });
        poller.join();
        assertThat(cuda.contextsAtCalls).containsOnly(RECORDING_CONTEXT);
        assertThat(after.get()).isZero();
        assertThat(fence.isComplete()).isTrue();   // complete stays complete after the close
    }

    @Test
    void aQueryWhereTheRecordingContextIsCurrentShouldSwitchNothing() {
        FakeEvents cuda = new FakeEvents();
        CudaFence fence = cuda.recordOnDeviceOne();
        assertThat(fence.isComplete()).isFalse();
        fence.close();
        assertThat(cuda.switches).isZero();
    }

    @Test
    void aFailedRecordShouldDestroyTheEventAndNameTheCall() {
        FakeEvents cuda = new FakeEvents();
        cuda.recordAnswer = 400;   // cudaErrorInvalidResourceHandle
        assertThatThrownBy(() -> CudaFence.record(new cudaStream_t(), cuda)).isInstanceOf(PinnedMemoryException.class)
                .hasMessage("cudaEventRecord failed: fakeCudaError (400)");
        assertThat(cuda.log()).containsExactly("create", "record", "destroy");
    }

    private static Object completion(CudaFence fence) {
        try {
            return fence.isComplete();
        } catch (IllegalStateException e) {
            return e;
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Events that can be held in a query or a destroy, with per-thread contexts as CUDA has them. */
    private static final class FakeEvents implements EventRuntime {

        final ThreadLocal<long[]> context = ThreadLocal.withInitial(() -> new long[1]);
        final List<String> log = new ArrayList<>();
        final List<Long> contextsAtCalls = new ArrayList<>();
        final CountDownLatch queryEntered = new CountDownLatch(1);
        final CountDownLatch releaseQueries = new CountDownLatch(1);
        final CountDownLatch destroyEntered = new CountDownLatch(1);
        final CountDownLatch releaseDestroy = new CountDownLatch(1);
        volatile boolean holdQueries;
        volatile boolean holdDestroy;
        volatile boolean complete;
        volatile int recordAnswer;
        int inFlight;
        boolean destroyed;
        int overlaps;
        int queriesAfterDestroy;
        int switches;

        CudaFence recordOnDeviceOne() {
            context.get()[0] = RECORDING_CONTEXT;
            return CudaFence.record(new cudaStream_t(), this);
        }

        void holdQueries() {
            holdQueries = true;
        }

        void holdDestroy() {
            holdDestroy = true;
        }

        synchronized List<String> log() {
            return List.copyOf(log);
        }

        private synchronized void enter(String what) {
            log.add(what);
            contextsAtCalls.add(context.get()[0]);
            if (inFlight > 0) {
                overlaps++;
            }
        }

        @Override
        public int currentDevice(int[] device) {
            device[0] = 1;
            return SUCCESS;
        }

        @Override
        public synchronized int createEvent(cudaEvent_t event) {
            log.add("create");
            return SUCCESS;
        }

        @Override
        public synchronized int recordEvent(cudaEvent_t event, cudaStream_t stream) {
            log.add("record");
            return recordAnswer;
        }

        @Override
        public int queryEvent(cudaEvent_t event) {
            synchronized (this) {
                log.add("query-begin");
                contextsAtCalls.add(context.get()[0]);
                if (destroyed) {
                    queriesAfterDestroy++;
                }
                inFlight++;
            }
            if (holdQueries) {
                queryEntered.countDown();
                awaitQuietly(releaseQueries);
            }
            synchronized (this) {
                inFlight--;
                log.add("query-end");
            }
            return complete ? SUCCESS : NOT_READY;
        }

        @Override
        public int destroyEvent(cudaEvent_t event) {
            enter("destroy");
            if (holdDestroy) {
                destroyEntered.countDown();
                awaitQuietly(releaseDestroy);
            }
            synchronized (this) {
                destroyed = true;
            }
            return SUCCESS;
        }

        @Override
        public int currentContext(long[] context) {
            context[0] = this.context.get()[0];
            return SUCCESS;
        }

        @Override
        public synchronized int setCurrentContext(long context) {
            switches++;
            this.context.get()[0] = context;
            return SUCCESS;
        }

        @Override
        public String errorName(int code) {
            return "fakeCudaError (" + code + ")";
        }

        @Override
        public String driverErrorName(int code) {
            return "FAKE_CUDA_ERROR (" + code + ")";
        }
    }
}
