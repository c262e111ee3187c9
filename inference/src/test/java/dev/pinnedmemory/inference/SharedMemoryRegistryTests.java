package dev.pinnedmemory.inference;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.pinnedmemory.MemoryBudget;
import dev.pinnedmemory.backend.PageLockingBackends;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The registry of shared memory regions without any server: a region is mapped, page-locked (VmLck, as the kernel
 * reports it) and counted on the budget while registered, and given back when unregistered; hostile keys,
 * offsets and sizes are refused naming what is wrong, with nothing mapped (/proc/self/maps) or locked; an
 * unregister waits for the requests that hold the region.
 */
class SharedMemoryRegistryTests {

    private static final long PAGE_KB = 4;

    private final SharedMemoryObjects objects = new SharedMemoryObjects();
    private MemoryBudget budget;
    private SharedMemoryRegistry registry;

    @BeforeEach
    void start() {
        budget = new MemoryBudget(8L << 20);
        registry = SharedMemoryRegistry.create(TestPools.MLOCK, budget, new SharedMemoryLimits(4, 4L << 20, Duration.ofSeconds(30)));
    }

    @AfterEach
    void stop() {
        registry.close();
        assertThat(registry.heldRegionCount()).isZero();
        assertThat(budget.usedBytes()).isZero();
        objects.close();
    }

    @Test
    void aRegisteredRegionShouldBeMappedLockedAndCountedUntilItIsUnregistered() {
        String key = objects.create("input", 256 * 1024);
        MemorySegment client = objects.map(key);
        client.set(ValueLayout.JAVA_INT_UNALIGNED, 4096 + 8, 0x01020304);
        long locked = SharedMemoryObjects.lockedKb();

        SharedMemoryRegionStatus status = registry.register("input0", key, 4096, 128 * 1024);

        assertThat(status).isEqualTo(new SharedMemoryRegionStatus("input0", key, 4096, 128 * 1024, true, "mlock", 0, 0, 0));
        assertThat(SharedMemoryObjects.lockedKb() - locked).as("VmLck grew by the region").isEqualTo(128);
        assertThat(SharedMemoryObjects.mappingsOf(SharedMemoryObjects.path(key))).isEqualTo(2);   // the client's and ours
        assertThat(budget.usedBytes()).isEqualTo(128 * 1024);
        assertThat(registry.heldBytes()).isEqualTo(128 * 1024);
        assertThat(registry.status(null)).containsExactly(status);
        assertThat(registry.status("input0")).containsExactly(status);

        SharedMemoryRegistry.Use use = registry.use(new SharedMemoryReference("input0", 8, 4), "input 'x'");
        assertThat(use.view().get(ValueLayout.JAVA_INT_UNALIGNED, 0)).as("the client's bytes, no copy").isEqualTo(0x01020304);
        client.set(ValueLayout.JAVA_INT_UNALIGNED, 4096 + 8, 7);
        assertThat(use.view().get(ValueLayout.JAVA_INT_UNALIGNED, 0)).as("one memory, two mappings").isEqualTo(7);
        assertThat(registry.status("input0").getFirst().activeRequests()).isEqualTo(1);
        close(use);

        registry.unregister("input0");

        assertThat(SharedMemoryObjects.lockedKb()).as("VmLck back").isEqualTo(locked);
        assertThat(SharedMemoryObjects.mappingsOf(SharedMemoryObjects.path(key))).as("unmapped: the client's is left").isEqualTo(1);
        assertThat(budget.usedBytes()).isZero();
        assertThat(registry.status(null)).isEmpty();
        assertThatThrownBy(() -> use.view().get(ValueLayout.JAVA_BYTE, 0)).as("a stale view throws, never touches unmapped memory")
                .isInstanceOf(IllegalStateException.class);
        assertThat(registry.registrations()).isEqualTo(1);
        assertThat(registry.unregistrations()).isEqualTo(1);
        registry.unregister("input0");   // unknown now: nothing to do, as Triton answers
        assertThat(registry.unregistrations()).isEqualTo(1);
    }

    @Test
    void hostileKeysShouldBeRefusedNamingTheKeyWithNothingMappedOrLocked() throws Exception {
        Path elsewhere = Files.createTempFile("pinned-memory-not-shm", ".bin");
        Files.write(elsewhere, new byte[8192]);
        Path link = objects.reserve("link");
        Files.createSymbolicLink(link, elsewhere);
        Path fifo = objects.reserve("fifo");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        Path directory = objects.reserve("dir");
        Files.createDirectory(directory);
        try {
            assertRefused(() -> registry.register("r", "/../etc/passwd", 0, 4096), "key '/../etc/passwd' has a '/' after its first");
            assertRefused(() -> registry.register("r", "/..", 0, 4096), "key '/..' contains '..'");
            assertRefused(() -> registry.register("r", "name", 0, 4096), "key 'name' does not start with '/'");
            assertRefused(() -> registry.register("r", "/a/b", 0, 4096), "key '/a/b' has a '/' after its first");
            assertRefused(() -> registry.register("r", "/", 0, 4096), "key '/' names nothing after its '/'");
            assertRefused(() -> registry.register("r", "/a\u0000b", 0, 4096), "key '/a\\u0000b' contains a control character");
            assertRefused(() -> registry.register("r", "/" + "x".repeat(256), 0, 4096), "has a name of 256 characters");
            assertRefused(() -> registry.register("r", "/pinned-memory-test-missing", 0, 4096),
                    "(/dev/shm/pinned-memory-test-missing) does not exist (create it with shm_open before registering it)");
            assertRefused(() -> registry.register("r", "/" + link.getFileName(), 0, 4096),
                    "is a symbolic link, which is never followed");
            assertRefused(() -> registry.register("r", "/" + fifo.getFileName(), 0, 4096), "is no regular file (a FIFO, socket or device)");
            assertRefused(() -> registry.register("r", "/" + directory.getFileName(), 0, 4096), "is a directory");
            assertThat(SharedMemoryObjects.mappingsOf(elsewhere)).isZero();
        } finally {
            Files.delete(elsewhere);
        }
    }

    @Test
    void hostileOffsetsAndSizesShouldBeRefusedNamingThemWithNothingMappedOrLocked() {
        String key = objects.create("sized", 64 * 1024);
        assertRefused(() -> registry.register("r", key, -1, 4096), "shared memory region 'r': offset -1, byte_size 4096 "
                + "(expected: an offset of at least 0 and a byte_size of at least 1)");
        assertRefused(() -> registry.register("r", key, 0, -4096), "offset 0, byte_size -4096");
        assertRefused(() -> registry.register("r", key, 0, 0), "offset 0, byte_size 0");
        assertRefused(() -> registry.register("r", key, 0, 64 * 1024 + 1), "shared memory region 'r': offset 0 + byte_size "
                + "65537 = 65537 bytes, past the end of '" + key + "', which holds 65536 bytes");
        assertRefused(() -> registry.register("r", key, 64 * 1024 + 1, 1), "offset 65537 + byte_size 1 = 65538 bytes, past the end");
        assertRefused(() -> registry.register("r", key, Long.MAX_VALUE, 4096), "offset 9223372036854775807 + "
                + "byte_size 4096 = more than a long holds bytes, past the end");
        assertThatThrownBy(() -> registry.register("r", key, 4096, Long.MAX_VALUE)).isInstanceOf(InferenceException.class)
                .hasMessageContaining("byte_size 9223372036854775807): 0 bytes are registered, and 9223372036854775807 more "
                        + "exceed the limit of 4194304 bytes")
                .extracting(e -> ((InferenceException) e).reason()).isEqualTo(InferenceException.Reason.LIMIT_EXCEEDED);
        assertThat(SharedMemoryObjects.mappingsOf(SharedMemoryObjects.path(key))).isZero();
    }

    @Test
    void namesLimitsAndTheBudgetShouldBeEnforcedNamingTheLimit() {
        String key = objects.create("limits", 4L << 20);
        registry.register("a", key, 0, 1 << 20);
        assertRefused(() -> registry.register("a", key, 0, 4096), "shared memory region 'a' is registered already (key '"
                + key + "'): unregister it first");
        assertRefused(() -> registry.register("a/b", key, 0, 4096), "shared memory region name 'a/b' (expected: 1 to 128 "
                + "letters, digits, '_', '.', ':' or '-')");
        assertRefused(() -> registry.register("", key, 0, 4096), "shared memory region name ''");
        assertThatThrownBy(() -> registry.register("b", key, 0, 6L << 20)).isInstanceOf(InferenceException.class)
                .hasMessage("shared memory region 'b' (key '" + key + "', offset 0, byte_size 6291456): 1048576 bytes are "
                        + "registered, and 6291456 more exceed the limit of 4194304 bytes "
                        + "(pinned-memory.inference.shared-memory.max-total-size)")
                .extracting(e -> ((InferenceException) e).reason()).isEqualTo(InferenceException.Reason.LIMIT_EXCEEDED);
        registry.register("b", key, 0, 4096);
        registry.register("c", key, 4096, 4096);
        registry.register("d", key, 8192, 4096);
        assertThatThrownBy(() -> registry.register("e", key, 0, 4096)).isInstanceOf(InferenceException.class)
                .hasMessageEndingWith("4 regions are registered, the limit (pinned-memory.inference.shared-memory.max-regions) is 4")
                .extracting(e -> ((InferenceException) e).reason()).isEqualTo(InferenceException.Reason.LIMIT_EXCEEDED);
        registry.unregisterAll();
        assertThat(budget.usedBytes()).isZero();

        MemoryBudget small = new MemoryBudget(64 * 1024);
        try (SharedMemoryRegistry tight = SharedMemoryRegistry.create(TestPools.MLOCK, small, SharedMemoryLimits.DEFAULTS)) {
            long locked = SharedMemoryObjects.lockedKb();
            assertThatThrownBy(() -> tight.register("big", key, 0, 128 * 1024)).isInstanceOf(InferenceException.class)
                    .hasMessageContaining("shared memory region 'big' of 131072 bytes does not fit the pinned memory budget: "
                            + "pinned memory budget exceeded: requested 131072 bytes, used 0 bytes, limit 65536 bytes")
                    .extracting(e -> ((InferenceException) e).reason()).isEqualTo(InferenceException.Reason.OUT_OF_MEMORY);
            assertThat(SharedMemoryObjects.lockedKb()).isEqualTo(locked);
            assertThat(tight.refusedRegistrations()).isEqualTo(1);
        }
        assertThat(registry.refusedRegistrations()).isEqualTo(5);
    }

    @Test
    void theUsesOfARegionShouldStayInsideItAndRefuseAnObjectThatShrank() {
        String key = objects.create("uses", 64 * 1024);
        registry.register("r", key, 4096, 8192);
        assertThatThrownBy(() -> registry.use(new SharedMemoryReference("other", 0, 4), "input 'x'"))
                .isInstanceOf(InferenceException.class)
                .hasMessage("input 'x': no shared memory region 'other' is registered (registered: [r])");
        assertThatThrownBy(() -> registry.use(new SharedMemoryReference("r", 8000, 200), "input 'x'"))
                .hasMessage("input 'x': shared_memory_offset 8000 + shared_memory_byte_size 200 lie outside shared memory "
                        + "region 'r' of 8192 bytes");
        assertThatThrownBy(() -> registry.use(new SharedMemoryReference("r", 9000, 0), "input 'x'"))
                .hasMessageContaining("shared_memory_offset 9000 + shared_memory_byte_size 0 lie outside");
        assertThatThrownBy(() -> registry.use(new SharedMemoryReference("r", 1, Long.MAX_VALUE), "output 'y'"))
                .hasMessageContaining("shared_memory_offset 1 + shared_memory_byte_size 9223372036854775807 lie outside");
        assertThat(registry.status("r").getFirst().activeRequests()).as("refused uses hold nothing").isZero();
        SharedMemoryRegistry.Use empty = registry.use(new SharedMemoryReference("r", 8192, 0), "input 'x'");
        assertThat(empty.view().byteSize()).as("an empty tensor at the region's end").isZero();
        close(empty);

        SharedMemoryObjects.truncate(key, 8192);   // the client shrinks its object under the region
        assertThatThrownBy(() -> registry.use(new SharedMemoryReference("r", 0, 4), "input 'x'"))
                .isInstanceOf(InferenceException.class)
                .hasMessage("input 'x': shared memory region 'r' cannot be used: '" + key + "' holds 8192 bytes now, fewer than "
                        + "the 12288 of its registered range (offset 4096, byte_size 8192): its client shrank it; unregister it");
        registry.unregister("r");
        assertThat(budget.usedBytes()).isZero();
    }

    @Test
    void unregisterShouldWaitForTheRequestsThatUseTheRegionAndTakeNoNewOne() throws Exception {
        String key = objects.create("busy", 64 * 1024);
        long locked = SharedMemoryObjects.lockedKb();
        registry.register("busy", key, 0, 64 * 1024);
        SharedMemoryRegistry.Use running = registry.use(new SharedMemoryReference("busy", 0, 16), "input 'x'");

        Thread unregistering = Thread.ofPlatform().name("unregistering").start(() -> registry.unregister("busy"));
        await().until(() -> unregistering.getState() == Thread.State.TIMED_WAITING && registry.regionCount() == 0);

        assertThat(registry.heldRegionCount()).as("still held for the running request").isEqualTo(1);
        assertThat(SharedMemoryObjects.lockedKb() - locked).as("still locked").isEqualTo(64);
        assertThat(running.view().get(ValueLayout.JAVA_BYTE, 0)).as("still mapped for it").isZero();
        assertThatThrownBy(() -> registry.use(new SharedMemoryReference("busy", 0, 16), "input 'y'"))
                .hasMessage("input 'y': no shared memory region 'busy' is registered (registered: [])");

        close(running);
        unregistering.join(TimeUnit.SECONDS.toMillis(30));

        assertThat(unregistering.isAlive()).isFalse();
        assertThat(SharedMemoryObjects.lockedKb()).isEqualTo(locked);
        assertThat(registry.heldRegionCount()).isZero();
        assertThat(budget.usedBytes()).isZero();
    }

    @Test
    void anUnregisterThatStopsWaitingShouldLeaveTheMemoryToTheLastRequest() throws Exception {
        try (SharedMemoryRegistry impatient = SharedMemoryRegistry.create(TestPools.MLOCK, budget,
                new SharedMemoryLimits(4, 1 << 20, Duration.ZERO))) {
            String key = objects.create("impatient", 8192);
            long locked = SharedMemoryObjects.lockedKb();
            impatient.register("r", key, 0, 8192);
            SharedMemoryRegistry.Use running = impatient.use(new SharedMemoryReference("r", 0, 8192), "input 'x'");

            impatient.unregister("r");

            assertThat(impatient.regionCount()).isZero();
            assertThat(impatient.heldRegionCount()).isEqualTo(1);
            assertThat(SharedMemoryObjects.lockedKb() - locked).isEqualTo(8);
            CompletableFuture.runAsync(() -> close(running)).get(30, TimeUnit.SECONDS);
            assertThat(impatient.heldRegionCount()).isZero();
            assertThat(SharedMemoryObjects.lockedKb()).isEqualTo(locked);
            assertThat(SharedMemoryObjects.mappingsOf(SharedMemoryObjects.path(key))).isZero();
        }
    }

    @Test
    void closingTheRegistryShouldUnregisterAndUnlockEveryRegionAndRefuseLaterOnes() {
        String key = objects.create("stop", 64 * 1024);
        long locked = SharedMemoryObjects.lockedKb();
        registry.register("a", key, 0, 16 * 1024);
        registry.register("b", key, 16 * 1024, 16 * 1024);
        assertThat(SharedMemoryObjects.lockedKb() - locked).isEqualTo(32);

        registry.close();

        assertThat(SharedMemoryObjects.lockedKb()).isEqualTo(locked);
        assertThat(SharedMemoryObjects.mappingsOf(SharedMemoryObjects.path(key))).isZero();
        assertThat(registry.unregistrations()).isEqualTo(2);
        assertThatThrownBy(() -> registry.register("c", key, 0, 4096)).isInstanceOf(InferenceException.class)
                .hasMessage("shared memory region 'c' cannot be registered: the server is shutting down");
    }

    @Test
    void aDisabledRegistryShouldRefuseEverythingNamingTheProperty() {
        SharedMemoryRegistry off = SharedMemoryRegistry.disabled();
        for (Executable refused : List.<Executable>of(() -> off.register("r", "/k", 0, 1), () -> off.unregister("r"),
                off::unregisterAll, () -> off.status(null), () -> off.use(new SharedMemoryReference("r", 0, 4), "input 'x'"))) {
            assertThatThrownBy(refused::execute).isInstanceOf(InferenceException.class)
                    .hasMessageContaining("system shared memory is switched off (pinned-memory.inference.shared-memory.enabled)")
                    .extracting(e -> ((InferenceException) e).reason()).isEqualTo(InferenceException.Reason.FORBIDDEN);
        }
        assertThat(off.isEnabled()).isFalse();
        assertThat(off.backendName()).isEqualTo("none");
        off.close();
    }

    @Test
    void theUnlockedBackendShouldMapWithoutLockingAndSaySo() {
        String key = objects.create("unlocked", 8192);
        long locked = SharedMemoryObjects.lockedKb();
        try (SharedMemoryRegistry unlocked = SharedMemoryRegistry.create(PageLockingBackends.unlocked(), budget,
                SharedMemoryLimits.DEFAULTS)) {
            SharedMemoryRegionStatus status = unlocked.register("r", key, 0, 8192);
            assertThat(status.pageLocked()).isFalse();
            assertThat(status.lockedWith()).isEqualTo("none");
            assertThat(SharedMemoryObjects.lockedKb()).isEqualTo(locked);
            assertThat(budget.usedBytes()).as("counted all the same").isEqualTo(8192);
        }
        assertThat(budget.usedBytes()).isZero();
    }

    @Test
    void tensorParametersShouldNameARegionAndIntegerSizesOrBeRefused() throws IOException {
        assertThat(SharedMemoryReference.parse(java.util.Map.of(), "input 'x'")).isNull();
        assertThat(SharedMemoryReference.parse(java.util.Map.of("shared_memory_region", "r", "shared_memory_byte_size", 16L),
                "input 'x'")).isEqualTo(new SharedMemoryReference("r", 0, 16));
        assertThat(SharedMemoryRegistry.refersToRegion(java.util.Map.of("shared_memory_offset", 0L))).isTrue();
        assertParameters(java.util.Map.of("shared_memory_byte_size", 16L),
                "input 'x': shared_memory_byte_size without shared_memory_region (expected: the name of a registered region with it)");
        assertParameters(java.util.Map.of("shared_memory_region", "r"),
                "input 'x': shared_memory_region 'r' without shared_memory_byte_size (both are required; shared_memory_offset "
                        + "is 0 when left out)");
        assertParameters(java.util.Map.of("shared_memory_region", 7L, "shared_memory_byte_size", 16L),
                "input 'x': shared_memory_region is the number 7 (expected: the name of a registered region)");
        assertParameters(java.util.Map.of("shared_memory_region", "r", "shared_memory_byte_size", "16"),
                "input 'x': shared_memory_byte_size is the string '16' (expected: a number of bytes, an integer of at least 0)");
        assertParameters(java.util.Map.of("shared_memory_region", "r", "shared_memory_byte_size", 16L, "shared_memory_offset", -4L),
                "input 'x': shared_memory_offset is -4 (expected: at least 0)");
        assertParameters(java.util.Map.of("shared_memory_region", "r", "shared_memory_byte_size", 1.5),
                "input 'x': shared_memory_byte_size is the number 1.5 (expected: a number of bytes, an integer of at least 0)");
    }

    private static void assertParameters(java.util.Map<String, Object> parameters, String message) {
        assertThatThrownBy(() -> SharedMemoryReference.parse(parameters, "input 'x'")).isInstanceOf(InferenceException.class)
                .hasMessage(message);
    }

    /** Asserts a refusal with INVALID_ARGUMENT whose message contains {@code fragment}, with nothing locked, counted or mapped. */
    private void assertRefused(Executable registration, String fragment) {
        long locked = SharedMemoryObjects.lockedKb();
        long used = budget.usedBytes();
        int held = registry.heldRegionCount();
        assertThatThrownBy(registration::execute).isInstanceOf(InferenceException.class).hasMessageContaining(fragment)
                .extracting(e -> ((InferenceException) e).reason()).isEqualTo(InferenceException.Reason.INVALID_ARGUMENT);
        assertThat(SharedMemoryObjects.lockedKb()).isEqualTo(locked);
        assertThat(budget.usedBytes()).isEqualTo(used);
        assertThat(registry.heldRegionCount()).isEqualTo(held);
    }

    private static void close(SharedMemoryRegistry.Use use) {
        try {
            use.hold().close();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
