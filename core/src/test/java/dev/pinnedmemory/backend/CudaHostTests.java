package dev.pinnedmemory.backend;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryException;
import dev.pinnedmemory.PinnedMemoryPool;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The {@code cuda} backends' use of the CUDA runtime, on a {@link FakeCudaRuntime}, so that what
 * only a GPU would show can be provoked here: JCuda failing after {@code cudaHostAlloc} allocated
 * (above 2 GiB on JDK 21+), buffers of 2 GiB and more, frees and warm-ups on threads that never chose
 * a device, in an application that uses device 1. The gpu tests ({@code CudaBackendTests}) check
 * the same promises against the driver.
 */
class CudaHostTests {

    private static final long MIB = 1 << 20;

    @Test
    void memoryJCudaAllocatedBeforeFailingShouldBeFreedAndTheFailureSaySo() {
        FakeCudaRuntime cuda = new FakeCudaRuntime(1);
        cuda.throwAfterAllocating = true;
        CudaBackend backend = new CudaBackend(new CudaHost(cuda), CudaBackend.REGISTERED_FROM);
        try (Arena arena = Arena.ofShared()) {
            assertThatThrownBy(() -> backend.allocate(MIB, arena))
                    .isInstanceOf(BackendException.class)
                    .hasMessage("cudaHostAlloc of 1 MiB allocated, then JCuda failed: java.lang.IllegalArgumentException: "
                            + "capacity > Integer.MAX_VALUE: 1048576; the memory was freed")
                    .satisfies(e -> assertThat(((BackendException) e).requestedBytes()).isEqualTo(MIB));
        }
        long address = cuda.calls("cudaHostAlloc").getFirst().address();
        assertThat(cuda.calls("cudaFreeHost")).extracting(FakeCudaRuntime.Call::address).containsExactly(address);
        assertThat(cuda.allocated).isEmpty();
    }

    @Test
    void aPoolWhoseBackendFailsAfterAllocatingShouldHoldNoMemoryAndNameTheFailure() {
        FakeCudaRuntime cuda = new FakeCudaRuntime(1);
        cuda.throwAfterAllocating = true;
        try (PinnedMemoryPool<byte[]> pool = PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(1 << 16)
                .backend(new CudaBackend(new CudaHost(cuda), CudaBackend.REGISTERED_FROM)).name("after-alloc").build()) {
            assertThatThrownBy(pool::rent).isInstanceOf(PinnedMemoryException.class)
                    .hasRootCauseInstanceOf(BackendException.class)
                    .rootCause().hasMessageContaining("allocated, then JCuda failed").hasMessageEndingWith("the memory was freed");
            assertThat(pool.stats().pinnedBytes()).isZero();
        }
        assertThat(cuda.allocated).isEmpty();
        assertThat(cuda.calls("cudaFreeHost")).hasSize(1);
    }

    @Test
    void aFailureBeforeAnyAllocationShouldFreeNothing() {
        FakeCudaRuntime cuda = new FakeCudaRuntime(1);
        cuda.throwBeforeAllocating = true;
        assertThatThrownBy(() -> new CudaHost(cuda).hostAlloc(MIB, CudaRuntime.HOST_ALLOC_PORTABLE))
                .isInstanceOf(BackendException.class)
                .hasMessage("cudaHostAlloc of 1 MiB failed: java.lang.IllegalStateException: driver gone");
        assertThat(cuda.calls("cudaFreeHost")).isEmpty();
    }

    @Test
    void buffersOfTwoGibAndMoreShouldBeRegisteredNeverAllocatedByJCudasCudaHostAlloc() throws IOException {
        assertThat(CudaBackend.REGISTERED_FROM).isEqualTo(Integer.MAX_VALUE + 1L);   // JCuda's ByteBuffer limit
        FakeCudaRuntime cuda = new FakeCudaRuntime(1);
        // The same rule at a size a test can touch: from 4 MiB on, register.
        CudaBackend backend = new CudaBackend(new CudaHost(cuda), 4 * MIB);
        long address;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment small = backend.allocate(4 * MIB - 4096, arena);
            MemorySegment large = backend.allocate(6 * MIB, arena, true);
            address = large.address();
            assertThat(large.byteSize()).isEqualTo(6 * MIB);
            assertThat(large.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 6 * MIB - 1)).isZero();
            assertThat(cuda.calls("cudaHostAlloc")).extracting(FakeCudaRuntime.Call::address).containsExactly(small.address());
            assertThat(cuda.calls("cudaHostRegister")).singleElement()
                    .satisfies(call -> assertThat(call.address()).isEqualTo(address))
                    .satisfies(call -> assertThat(call.bytes()).isEqualTo(6 * MIB));
            assertThat(mapped(address)).isTrue();
        }
        assertThat(cuda.calls("cudaHostUnregister")).extracting(FakeCudaRuntime.Call::address).containsExactly(address);
        assertThat(cuda.registered).isEmpty();
        assertThat(cuda.allocated).isEmpty();
        assertThat(mapped(address)).isFalse();
    }

    @Test
    void aRefusedRegistrationOfALargeBufferShouldUnmapItAndNameTheCudaError() throws IOException {
        FakeCudaRuntime cuda = new FakeCudaRuntime(1);
        cuda.registerAnswer = 2;   // cudaErrorMemoryAllocation
        CudaBackend backend = new CudaBackend(new CudaHost(cuda), 4 * MIB);
        try (Arena arena = Arena.ofShared()) {
            assertThatThrownBy(() -> backend.allocate(6 * MIB, arena)).isInstanceOf(BackendException.class)
                    .hasMessage("cudaHostRegister of 6 MiB refused: fakeCudaError (2)");
        }
        assertThat(mapped(cuda.calls("cudaHostRegister").getFirst().address())).isFalse();
    }

    @Test
    void aFreeOnAThreadWithoutAContextShouldRunInTheAllocatingContextAndLeaveTheThreadWithout() throws Exception {
        FakeCudaRuntime cuda = new FakeCudaRuntime(2);
        CudaBackend backend = new CudaBackend(new CudaHost(cuda), 4 * MIB);
        cuda.useDevice(1);   // the application uses device 1 only
        Arena arena = Arena.ofShared();
        backend.allocate(MIB, arena);
        backend.allocate(6 * MIB, arena);   // registered
        AtomicReference<Long> after = new AtomicReference<>();
        Thread freer = Thread.ofPlatform().name("freer").start(() -> {
            arena.close();
            after.set(cuda.contextHere());
        });
        freer.join();
        assertThat(cuda.contextsCreated).as("contexts made by the frees").isEmpty();
        assertThat(cuda.calls("cudaFreeHost")).singleElement().satisfies(call -> {
            assertThat(call.thread()).isEqualTo("freer");
            assertThat(call.context()).isEqualTo(FakeCudaRuntime.primaryContext(1));
        });
        assertThat(cuda.calls("cudaHostUnregister")).singleElement()
                .satisfies(call -> assertThat(call.context()).isEqualTo(FakeCudaRuntime.primaryContext(1)));
        assertThat(after.get()).as("the freeing thread's context afterwards").isZero();
    }

    @Test
    void aFreeWhereTheAllocatingContextIsCurrentShouldSwitchNothing() {
        FakeCudaRuntime cuda = new FakeCudaRuntime(1);
        cuda.useDevice(0);
        try (Arena arena = Arena.ofShared()) {
            new CudaBackend(new CudaHost(cuda), CudaBackend.REGISTERED_FROM).allocate(MIB, arena);
        }
        assertThat(cuda.calls("cudaFreeHost")).hasSize(1);
        assertThat(cuda.calls("cuCtxSetCurrent")).isEmpty();
    }

    @Test
    void aFreeOnAThreadWithAnotherContextShouldPutThatContextBack() throws Exception {
        FakeCudaRuntime cuda = new FakeCudaRuntime(2);
        cuda.useDevice(1);
        Arena arena = Arena.ofShared();
        new CudaBackend(new CudaHost(cuda), CudaBackend.REGISTERED_FROM).allocate(MIB, arena);
        AtomicReference<Long> after = new AtomicReference<>();
        Thread other = Thread.ofPlatform().start(() -> {
            cuda.useDevice(0);
            arena.close();
            after.set(cuda.contextHere());
        });
        other.join();
        assertThat(cuda.calls("cudaFreeHost")).singleElement()
                .satisfies(call -> assertThat(call.context()).isEqualTo(FakeCudaRuntime.primaryContext(1)));
        assertThat(after.get()).isEqualTo(FakeCudaRuntime.primaryContext(0));
    }

    @Test
    void aContextTheDriverRefusesToSetShouldFailTheFreeNamingTheCall() throws Exception {
        FakeCudaRuntime cuda = new FakeCudaRuntime(2);
        CudaHost host = new CudaHost(cuda);
        cuda.useDevice(1);
        CudaHost.Pinned memory = host.hostAlloc(MIB, CudaRuntime.HOST_ALLOC_PORTABLE);
        cuda.setContextAnswer = 201;
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread other = Thread.ofPlatform().start(() -> {
            try {
                host.freeHost(memory);
            } catch (BackendException e) {
                failure.set(e);
            }
        });
        other.join();
        assertThat(failure.get()).hasMessage("cuCtxSetCurrent failed: FAKE_CUDA_ERROR (201)");
        assertThat(cuda.contextsCreated).isEmpty();
        cuda.setContextAnswer = 0;
        host.freeHost(memory);
        assertThat(cuda.allocated).isEmpty();
    }

    @Test
    void warmUpThreadsShouldAllocateInTheCallersContextAndTheReclaimerFreeInIt() {
        FakeCudaRuntime cuda = new FakeCudaRuntime(2);
        cuda.useDevice(1);   // the thread that builds the pool uses device 1, and nothing else does
        cuda.allocationGate = new CountDownLatch(4);   // the builder and its 3 warm-up threads each allocate
        try (PinnedMemoryPool<byte[]> pool = PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(1 << 16)
                .initialSize(8).maxSize(8).warmupThreads(4).backend(new CudaBackend(new CudaHost(cuda), 4 * MIB))
                .name("device-1").build()) {
            assertThat(pool.stats().idle()).isEqualTo(8);
        }
        List<FakeCudaRuntime.Call> allocations = cuda.calls("cudaHostAlloc");
        assertThat(allocations).hasSize(8)
                .allSatisfy(call -> assertThat(call.context()).isEqualTo(FakeCudaRuntime.primaryContext(1)));
        assertThat(allocations).extracting(FakeCudaRuntime.Call::thread).filteredOn(name -> name.startsWith("pinned-memory-warmup-"))
                .hasSizeGreaterThanOrEqualTo(3);
        await().atMost(Duration.ofSeconds(10)).until(cuda.allocated::isEmpty);   // the background thread frees
        assertThat(cuda.calls("cudaFreeHost")).hasSize(8)
                .allSatisfy(call -> assertThat(call.context()).isEqualTo(FakeCudaRuntime.primaryContext(1)));
        assertThat(cuda.contextsCreated).as("contexts made on threads that never chose a device").isEmpty();
        // Each switch on another thread is undone: every cuCtxSetCurrent to device 1's context is followed by one back.
        assertThat(cuda.calls("cuCtxSetCurrent").stream().filter(call -> call.address() == 0).count())
                .isEqualTo(cuda.calls("cuCtxSetCurrent").stream().filter(call -> call.address() != 0).count());
    }

    @Test
    void aTaskForAnotherThreadShouldRunInTheCallersContextAndLeaveThatThreadWithout() throws Exception {
        FakeCudaRuntime cuda = new FakeCudaRuntime(2);
        CudaHost host = new CudaHost(cuda);
        cuda.useDevice(1);
        AtomicReference<Long> after = new AtomicReference<>();
        Runnable task = PageLockingBackends.withCallersContext(new CudaBackend(host, CudaBackend.REGISTERED_FROM),
                () -> host.hostAlloc(MIB, CudaRuntime.HOST_ALLOC_PORTABLE));
        Thread worker = Thread.ofPlatform().name("worker").start(() -> {
            task.run();
            after.set(cuda.contextHere());
        });
        worker.join();
        assertThat(cuda.calls("cudaHostAlloc")).singleElement().satisfies(call -> {
            assertThat(call.thread()).isEqualTo("worker");
            assertThat(call.context()).isEqualTo(FakeCudaRuntime.primaryContext(1));
        });
        assertThat(cuda.contextsCreated).isEmpty();
        assertThat(after.get()).isZero();
    }

    @Test
    void workersOfACallerWithoutAContextShouldRunTheTaskAsItIs() {
        FakeCudaRuntime cuda = new FakeCudaRuntime(1);
        CudaBackend backend = new CudaBackend(new CudaHost(cuda), CudaBackend.REGISTERED_FROM);
        Runnable task = () -> { };
        assertThat(PageLockingBackends.withCallersContext(backend, task)).isSameAs(task);
        assertThat(PageLockingBackends.withCallersContext(PageLockingBackends.unlocked(), task)).isSameAs(task);
        assertThat(cuda.calls("cuCtxSetCurrent")).isEmpty();
    }

    @Test
    void theProbeShouldNameWhatTheDriverSaid() {
        assertThat(new CudaHost(new FakeCudaRuntime(0)).probe())
                .isEqualTo(new CudaHost.Probe(-1, null, "fakeCudaError (100)"));
        FakeCudaRuntime refusing = new FakeCudaRuntime(1);
        refusing.throwAfterAllocating = true;
        CudaHost.Probe probe = new CudaHost(refusing).probe();
        assertThat(probe.deviceCount()).isEqualTo(1);
        assertThat(probe.deviceName()).isEqualTo("Fake GPU 0");
        assertThat(probe.problem()).startsWith("probe allocation failed: cudaHostAlloc of 4 KiB allocated, then JCuda failed");
        assertThat(refusing.allocated).isEmpty();
        assertThat(new CudaHost(new FakeCudaRuntime(2)).probe()).isEqualTo(new CudaHost.Probe(2, "Fake GPU 0", null));
    }

    /** {@return whether {@code address} lies in a mapping of this process, read from {@code /proc/self/maps}} */
    private static boolean mapped(long address) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
            String[] range = line.substring(0, line.indexOf(' ')).split("-");
            if (Long.compareUnsigned(address, Long.parseUnsignedLong(range[0], 16)) >= 0
                    && Long.compareUnsigned(address, Long.parseUnsignedLong(range[1], 16)) < 0) {
                return true;
            }
        }
        return false;
    }
}
