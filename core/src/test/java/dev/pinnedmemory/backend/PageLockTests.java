package dev.pinnedmemory.backend;

import java.io.File;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link PageLockingBackend#lock}: memory mapped by someone else (here a file under /dev/shm, as a client's
 * shared memory region is) locked the backend's way, its contents untouched, unlocked exactly once. What is
 * locked is read from the kernel (VmLck, smaps), not from our own flags.
 */
class PageLockTests {

    private static final long PAGE = Libc.pageSize();

    private Path file;
    private FileChannel channel;
    private Arena arena;

    @BeforeEach
    void mapAFile() throws IOException {
        file = Path.of("/dev/shm", "pinned-memory-page-lock-" + ProcessHandle.current().pid());
        Files.deleteIfExists(file);
        channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
        channel.truncate(0);
        channel.write(java.nio.ByteBuffer.allocate(1), 512 * 1024 - 1);   // a 512 KiB object, as a client makes one
        arena = Arena.ofShared();
    }

    @AfterEach
    void unmap() throws IOException {
        arena.close();
        channel.close();
        Files.deleteIfExists(file);
    }

    @Test
    void mlockShouldLockThePagesOfAMappedFileLeaveTheirBytesAndUnlockThemOnce() throws IOException {
        // Not page-aligned on either end: the pages that hold the bytes are locked.
        MemorySegment region = channel.map(FileChannel.MapMode.READ_WRITE, 100, 256 * 1024, arena);
        for (long i = 0; i < region.byteSize(); i += 4096) {
            region.set(ValueLayout.JAVA_BYTE, i, (byte) 7);
        }
        long before = lockedKb();

        PageLock lock = MlockBackend.INSTANCE.lock(region);

        long pages = (roundUp(region.address() + region.byteSize()) - region.address() / PAGE * PAGE) / 1024;
        assertThat(lock.method()).isEqualTo("mlock");
        assertThat(lock.pageLocked()).isTrue();
        assertThat(lock.byteSize()).isEqualTo(256 * 1024);
        assertThat(lockedKb() - before).as("VmLck grew by the pages that hold the region").isEqualTo(pages);
        assertThat(smapsKb(region.address(), "Locked:")).isEqualTo(pages);
        for (long i = 0; i < region.byteSize(); i += 4096) {
            assertThat(region.get(ValueLayout.JAVA_BYTE, i)).isEqualTo((byte) 7);
        }

        lock.close();
        assertThat(lock.isClosed()).isTrue();
        assertThat(lockedKb()).isEqualTo(before);
        lock.close();
        assertThat(lockedKb()).as("a second close unlocks nothing more").isEqualTo(before);
        assertThat(region.get(ValueLayout.JAVA_BYTE, 0)).as("unlocked, still mapped").isEqualTo((byte) 7);
    }

    @Test
    void cudaRegistrationShouldRegisterThePagesLeaveTheirBytesUntouchedAndUnregisterOnce() throws IOException {
        MemorySegment region = channel.map(FileChannel.MapMode.READ_WRITE, 4096 + 100, 64 * 1024, arena);
        region.fill((byte) 9);
        FakeCudaRuntime cuda = new FakeCudaRuntime(1);
        cuda.useDevice(0);
        for (PageLockingBackend backend : List.of(new CudaRegisterBackend(new CudaHost(cuda), -1),
                new CudaBackend(new CudaHost(cuda), CudaBackend.REGISTERED_FROM))) {
            PageLock lock = backend.lock(region);

            long start = region.address() / PAGE * PAGE;
            assertThat(lock.method()).isEqualTo("cudaHostRegister");
            assertThat(lock.pageLocked()).isTrue();
            assertThat(cuda.registered).as(backend.name()).containsExactly(java.util.Map.entry(start,
                    roundUp(region.address() + region.byteSize()) - start));
            assertThat(region.toArray(ValueLayout.JAVA_BYTE)).as("nothing pre-touched: the bytes are the client's")
                    .containsOnly((byte) 9);

            lock.close();
            lock.close();
            assertThat(cuda.registered).isEmpty();
            assertThat(cuda.calls("cudaHostUnregister")).hasSize(backend instanceof CudaBackend ? 2 : 1);
        }
    }

    @Test
    void aRefusedRegistrationShouldNameCudaHostRegisterAndLeaveNothingRegistered() throws IOException {
        MemorySegment region = channel.map(FileChannel.MapMode.READ_WRITE, 0, 8192, arena);
        FakeCudaRuntime cuda = new FakeCudaRuntime(1);
        cuda.useDevice(0);
        cuda.registerAnswer = 2;

        assertThatThrownBy(() -> new CudaRegisterBackend(new CudaHost(cuda), -1).lock(region))
                .isInstanceOf(BackendException.class)
                .hasMessage("cudaHostRegister of 8 KiB refused: fakeCudaError (2)");
        assertThat(cuda.registered).isEmpty();
    }

    @Test
    void aFailedUnregistrationShouldNameTheCallOnceAndCountTheLockAsClosed() throws IOException {
        MemorySegment region = channel.map(FileChannel.MapMode.READ_WRITE, 0, 8192, arena);
        FakeCudaRuntime cuda = new FakeCudaRuntime(1);
        cuda.useDevice(0);
        PageLock lock = new CudaRegisterBackend(new CudaHost(cuda), -1).lock(region);
        cuda.registered.clear();   // the driver forgot it: unregistering answers cudaErrorInvalidValue

        assertThatThrownBy(lock::close).isInstanceOf(BackendException.class)
                .hasMessage("cudaHostUnregister of 8 KiB on device 0 failed: fakeCudaError (1)");
        assertThat(lock.isClosed()).isTrue();
        lock.close();
        assertThat(cuda.calls("cudaHostUnregister")).hasSize(1);
    }

    @Test
    void theUnlockedBackendAndBackendsOfUsersShouldLockNothingAndSaySo() throws IOException {
        MemorySegment region = channel.map(FileChannel.MapMode.READ_WRITE, 0, 8192, arena);
        long before = lockedKb();
        PageLockingBackend own = new PageLockingBackend() {
            @Override
            public String name() {
                return "own";
            }

            @Override
            public boolean pageLocked() {
                return true;
            }

            @Override
            public MemorySegment allocate(long bytes, Arena arena) {
                return arena.allocate(bytes);
            }
        };
        for (PageLockingBackend backend : List.of(UnlockedBackend.INSTANCE, own)) {
            try (PageLock lock = backend.lock(region)) {
                assertThat(lock.pageLocked()).as(backend.name()).isFalse();
                assertThat(lock.method()).isEqualTo(PageLock.NOT_LOCKED);
                assertThat(lock.byteSize()).isEqualTo(8192);
                assertThat(lockedKb()).isEqualTo(before);
            }
        }
    }

    @Test
    void heapMemoryShouldBeRefusedByEveryBackend() {
        MemorySegment heap = MemorySegment.ofArray(new byte[4096]);
        for (PageLockingBackend backend : List.of(MlockBackend.INSTANCE, UnlockedBackend.INSTANCE,
                new CudaRegisterBackend(new CudaHost(new FakeCudaRuntime(1)), -1))) {
            assertThatThrownBy(() -> backend.lock(heap)).as(backend.name()).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("segment: heap memory (expected: native memory, which has an address to lock)");
        }
    }

    @Test
    void aLockOfUsersShouldUnlockExactlyOnceFromAnyNumberOfCloses() throws InterruptedException {
        AtomicInteger unlocks = new AtomicInteger();
        PageLock lock = PageLock.of("ownLock", 4096, unlocks::incrementAndGet);
        List<Thread> closers = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            closers.add(Thread.ofPlatform().start(lock::close));
        }
        for (Thread closer : closers) {
            closer.join();
        }
        assertThat(unlocks).hasValue(1);
        assertThat(lock).hasToString("PageLock[ownLock, 4 KiB, closed]");
        assertThatThrownBy(() -> PageLock.of("none", 1, () -> { })).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("use PageLock.none");
        assertThatThrownBy(() -> PageLock.of("mlock", -1, () -> { })).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("byteSize: -1 (expected: >= 0)");
        assertThatThrownBy(() -> PageLock.none(-2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("byteSize: -2 (expected: >= 0)");
    }

    /** Without CAP_IPC_LOCK and with RLIMIT_MEMLOCK of 64 KiB, a child JVM's lock of 1 MiB is refused and locks nothing. */
    @Test
    void aRefusedMlockShouldNameTheLimitAndLockNothing() throws Exception {
        assumeTrue(onPath("setpriv") && onPath("prlimit"), "setpriv and prlimit (util-linux) are needed");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(List.of("setpriv", "--inh-caps=-ipc_lock", "--bounding-set=-ipc_lock",
                "prlimit", "--memlock=65536:65536", java, "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), LockRefusedMain.class.getName(), file.toString()))
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();

        assertThat(output).contains("REFUSED=mlock of 512 KiB refused: ")
                .contains("RLIMIT_MEMLOCK 64 KiB").contains("no CAP_IPC_LOCK")
                .contains("VMLCK=0");
    }

    private static long roundUp(long address) {
        return (address + PAGE - 1) / PAGE * PAGE;
    }

    static long lockedKb() {
        return ProcStatus.lockedBytes() / 1024;
    }

    private static long smapsKb(long address, String field) throws IOException {
        boolean inside = false;
        for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
            int dash = line.indexOf('-');
            int space = line.indexOf(' ');
            if (dash > 0 && space > dash && line.substring(0, dash).chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                long start = Long.parseUnsignedLong(line.substring(0, dash), 16);
                long end = Long.parseUnsignedLong(line.substring(dash + 1, space), 16);
                inside = address >= start && address < end;
            } else if (inside && line.startsWith(field)) {
                return Long.parseLong(line.substring(field.length()).replace("kB", "").trim());
            }
        }
        return -1;
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
