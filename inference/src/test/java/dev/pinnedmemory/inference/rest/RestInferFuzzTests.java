package dev.pinnedmemory.inference.rest;

import java.io.IOException;
import java.util.Map;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.pinnedmemory.inference.FuzzCorpus;
import dev.pinnedmemory.inference.FuzzServer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes the REST transport (issue 32): every input is a raw HTTP request given to
 * {@link InferenceRestController} through {@link RestFuzzHarness} (JSON header, {@code Inference-Header-Content-Length},
 * binary parts, JSON tensor data of every datatype, lying {@code Content-Length}s, clients that go away),
 * read twice (whole, and in a trickle as Tomcat hands it out). Each must end in an answer of the
 * protocol (200, 400, 404 or 413, never a 5xx; the same answer both ways), with no exception escaping,
 * every lease back and the pool's books balanced, and nothing read or written outside a lease (the pool
 * has strict segments; the models read every input byte and check the server's promises).
 *
 * <p>In the normal build ({@code fuzz-regression}), the committed corpus
 * ({@code RestInferFuzzTestsInputs/restRequest/}: the seeds of {@link RestSeeds} and every input that once
 * broke a promise) is replayed. Fuzzing: docs/RELIABILITY.md, "Fuzzing".
 */
@Tag("fuzz")
class RestInferFuzzTests {

    private static final RestFuzzHarness HARNESS = new RestFuzzHarness(FuzzServer.shared());

    @DictionaryFile(resourcePath = "inference-rest.dict")
    @FuzzTest(maxDuration = "10m")
    void restRequest(byte[] request) throws IOException {
        HARNESS.exchangeAndCheck(request);
    }

    @Test
    void theCommittedCorpusShouldHoldEverySeed() throws IOException {
        FuzzCorpus.assertHoldsEverySeed(RestInferFuzzTests.class, "restRequest", RestSeeds.all(), RestSeeds.class);
    }

    @Test
    void everySeedShouldBeAnsweredByTheProtocol() throws IOException {
        int answered = 0;
        for (Map.Entry<String, byte[]> seed : RestSeeds.all().entrySet()) {
            RestFuzzHarness.Exchange exchange = HARNESS.exchangeAndCheck(seed.getValue());
            assertThat(exchange).as("seed %s reaches the controller", seed.getKey()).isNotNull();
            if (exchange.status() == 200) {
                answered++;
            }
        }
        // The seeds that are the protocol's examples and the clients' requests are answered, not refused.
        assertThat(answered).isGreaterThanOrEqualTo(30);
    }
}
