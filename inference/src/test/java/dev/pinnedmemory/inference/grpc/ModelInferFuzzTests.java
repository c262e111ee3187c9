package dev.pinnedmemory.inference.grpc;

import java.io.IOException;
import java.util.Map;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.pinnedmemory.inference.FuzzCorpus;
import dev.pinnedmemory.inference.FuzzServer;
import io.grpc.Status;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes the gRPC transport's request marshaller (issue 32): every input is the wire bytes of a
 * {@code ModelInferRequest}, read by {@link ModelInferRequestReader} through grpc-java's own stream over
 * direct buffers and through a stream read once (staged in leases), then answered as {@code ModelInfer}
 * answers it ({@link GrpcFuzzHarness}). Each must end in a status of the protocol (a refusal is
 * {@code INVALID_ARGUMENT}, {@code NOT_FOUND} or {@code RESOURCE_EXHAUSTED}, never {@code INTERNAL} or
 * {@code UNKNOWN}; the same both ways), with no exception escaping, every lease back and the pool's books
 * balanced, and nothing read or written outside a lease (strict segments; models that read every byte).
 *
 * <p>In the normal build ({@code fuzz-regression}), the committed corpus
 * ({@code ModelInferFuzzTestsInputs/modelInferRequest/}: the seeds of {@link GrpcSeeds} and every input that
 * once broke a promise) is replayed. Fuzzing: docs/RELIABILITY.md, "Fuzzing".
 */
@Tag("fuzz")
class ModelInferFuzzTests {

    private static final GrpcFuzzHarness HARNESS = new GrpcFuzzHarness(FuzzServer.shared());

    @DictionaryFile(resourcePath = "inference-grpc.dict")
    @FuzzTest(maxDuration = "10m")
    void modelInferRequest(byte[] message) throws IOException {
        HARNESS.readAndCheck(message);
    }

    @Test
    void theCommittedCorpusShouldHoldEverySeed() throws IOException {
        FuzzCorpus.assertHoldsEverySeed(ModelInferFuzzTests.class, "modelInferRequest", GrpcSeeds.all(), GrpcSeeds.class);
    }

    @Test
    void everySeedShouldBeAnsweredOrRefusedByTheProtocol() throws IOException {
        int answered = 0;
        for (Map.Entry<String, byte[]> seed : GrpcSeeds.all().entrySet()) {
            GrpcFuzzHarness.Outcome outcome = HARNESS.readAndCheck(seed.getValue());
            if (seed.getKey().startsWith("refused-") || seed.getKey().endsWith("-has-none")) {
                assertThat(outcome.code()).as("seed %s: %s", seed.getKey(), outcome).isNotEqualTo(Status.Code.OK);
            } else {
                assertThat(outcome.code()).as("seed %s: %s", seed.getKey(), outcome).isEqualTo(Status.Code.OK);
                answered++;
            }
        }
        assertThat(answered).isGreaterThanOrEqualTo(30);
    }
}
