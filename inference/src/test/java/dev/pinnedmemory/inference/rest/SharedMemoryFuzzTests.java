package dev.pinnedmemory.inference.rest;

import java.io.IOException;
import java.util.Map;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.pinnedmemory.inference.FuzzCorpus;
import dev.pinnedmemory.inference.FuzzServer;
import dev.pinnedmemory.inference.grpc.GrpcFuzzHarness;
import io.grpc.Status;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes the shared memory parameters (issue 32): every input is a script ({@link SharedMemoryFuzzHarness.Choices})
 * of one inference request over REST or gRPC whose inputs and outputs name regions of the fuzz server
 * ({@code shared_memory_region}, {@code shared_memory_offset}, {@code shared_memory_byte_size}, with datatype and
 * shape), mixed with binary data. Each must end in an answer of the protocol with no exception escaping, every lease
 * back, the pool's books and the budget balanced, no region held by a request, and the client's shared memory
 * untouched outside the ranges the outputs named ({@link SharedMemoryFuzzHarness}).
 *
 * <p>In the normal build ({@code fuzz-regression}), the committed corpus
 * ({@code SharedMemoryFuzzTestsInputs/sharedMemoryRequest/}: the seeds of {@link SharedMemorySeeds} and every input
 * that once broke a promise) is replayed. Fuzzing: docs/RELIABILITY.md, "Fuzzing".
 */
@Tag("fuzz")
class SharedMemoryFuzzTests {

    private static final SharedMemoryFuzzHarness HARNESS = new SharedMemoryFuzzHarness(FuzzServer.shared());

    @FuzzTest(maxDuration = "10m")
    void sharedMemoryRequest(byte[] script) throws IOException {
        HARNESS.runAndCheck(script);
    }

    @Test
    void theCommittedCorpusShouldHoldEverySeed() throws IOException {
        FuzzCorpus.assertHoldsEverySeed(SharedMemoryFuzzTests.class, "sharedMemoryRequest", SharedMemorySeeds.all(), SharedMemorySeeds.class);
    }

    @Test
    void theSeedsThatAreTritonsExamplesShouldBeAnsweredAndTheOthersRefused() throws IOException {
        for (Map.Entry<String, byte[]> seed : SharedMemorySeeds.all().entrySet()) {
            Object answer = HARNESS.runAndCheck(seed.getValue());
            boolean ok = answer instanceof RestFuzzHarness.Exchange exchange ? exchange.status() == 200
                    : ((GrpcFuzzHarness.Outcome) answer).code() == Status.Code.OK;
            assertThat(ok).as("seed %s: %s", seed.getKey(), answer).isEqualTo(seed.getKey().startsWith("ok-"));
        }
    }
}
