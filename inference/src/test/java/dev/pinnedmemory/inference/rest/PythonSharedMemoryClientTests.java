package dev.pinnedmemory.inference.rest;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.inference.InferenceResponse;
import dev.pinnedmemory.inference.InferenceServer;
import dev.pinnedmemory.inference.ModelMetadata;
import dev.pinnedmemory.inference.SharedMemoryLimits;
import dev.pinnedmemory.inference.SharedMemoryObjects;
import dev.pinnedmemory.inference.SharedMemoryRegistry;
import dev.pinnedmemory.inference.TensorMetadata;
import dev.pinnedmemory.inference.TestModels;
import dev.pinnedmemory.inference.TestPools;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A co-located client process this project did not write into the server: a Python program
 * ({@code src/test/python/shm_rest_client.py}, standard library only) creates its objects in /dev/shm, writes an
 * FP32 tensor, registers two regions over REST, runs inferences with the input and the output in them, and
 * unregisters. The server's locked memory (VmLck of this JVM, as the kernel reports it) grows by both regions while
 * they are registered and returns after. Under CI ({@code CI=true}) a missing python3 fails the test instead of
 * skipping it.
 */
class PythonSharedMemoryClientTests {

    private static final int ELEMENTS = 64 * 1024;   // 256 KiB per region

    @Test
    void aPythonClientShouldRegisterInferThroughItsRegionsAndUnregisterWithItsRegionsLockedMeanwhile() throws Exception {
        String python = require();
        PinnedMemoryPool<byte[]> pool = TestPools.tensors(4096);
        SharedMemoryRegistry registry = SharedMemoryRegistry.create(TestPools.MLOCK, pool.budget(), SharedMemoryLimits.DEFAULTS);
        TestModels.Scripted doubler = new TestModels.Scripted(new ModelMetadata("double", List.of(), "java",
                List.of(new TensorMetadata("INPUT", "FP32", List.of(-1L))), List.of(new TensorMetadata("OUTPUT", "FP32", List.of(-1L)))),
                request -> {
                    MemorySegment input = request.input("INPUT").data();
                    MemorySegment output = request.outputMemory("OUTPUT").asSlice(0, input.byteSize());
                    for (long i = 0; i < input.byteSize(); i += 4) {
                        output.set(TestModels.FLOAT, i, input.get(TestModels.FLOAT, i) * 2);
                    }
                    return InferenceResponse.builder().output("OUTPUT", "FP32", request.input("INPUT").shape(), output).build();
                });
        long locked = SharedMemoryObjects.lockedKb();
        try (RestTestServer rest = new RestTestServer(InferenceServer.builder(pool).model(doubler).sharedMemory(registry).build())) {
            Process client = new ProcessBuilder(python, "src/test/python/shm_rest_client.py",
                    "http://127.0.0.1:" + rest.port(), String.valueOf(ELEMENTS)).redirectErrorStream(true).start();
            StringBuilder said = new StringBuilder();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
                 Writer in = new OutputStreamWriter(client.getOutputStream(), StandardCharsets.UTF_8)) {
                awaitLine(out, "registered", said);
                assertThat(SharedMemoryObjects.lockedKb() - locked).as("both regions locked by the server").isEqualTo(2 * 256);
                assertThat(registry.heldBytes()).isEqualTo(2L * 4 * ELEMENTS);
                go(in);

                awaitLine(out, "unregistered", said);
                assertThat(SharedMemoryObjects.lockedKb()).as("unlocked again").isEqualTo(locked);
                go(in);
                awaitLine(out, "all checks passed", said);
            } finally {
                if (!client.waitFor(60, TimeUnit.SECONDS)) {
                    client.destroyForcibly();
                }
            }
            assertThat(client.exitValue()).as("the Python client said:%n%s", said).isZero();
            assertThat(said).contains("ok register\n", "ok status\n", "ok infer\n", "ok refusals\n", "ok unregister\n");
            assertThat(registry.copiedBytes()).as("the model wrote where the client asked").isZero();
            assertThat(registry.registrations()).isEqualTo(2);
            assertThat(registry.refusedRegistrations()).isEqualTo(2);
        } finally {
            registry.close();
        }
        assertThat(pool.stats().rents()).as("no tensor of these requests was rented").isZero();
        TestPools.assertBalanced(pool);
        pool.close();
    }

    private static void awaitLine(BufferedReader out, String expected, StringBuilder said) throws IOException {
        String line;
        while ((line = out.readLine()) != null) {
            said.append(line).append('\n');
            if (line.equals(expected)) {
                return;
            }
        }
        throw new AssertionError("the Python client ended before it said '" + expected + "':\n" + said);
    }

    private static void go(Writer in) throws IOException {
        in.write("go\n");
        in.flush();
    }

    /** {@return python3}, or skips the test where it is missing, unless under CI, where that fails it */
    private static String require() {
        for (String candidate : List.of("/usr/bin/python3", "/usr/local/bin/python3")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        String message = "the Python shared memory client test needs python3";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new AssertionError(message + ": CI has it, so its absence is a failure there");
        }
        Assumptions.abort(message);
        return "";
    }
}
