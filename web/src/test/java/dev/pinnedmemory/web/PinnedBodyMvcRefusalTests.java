package dev.pinnedmemory.web;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import com.jayway.jsonpath.DocumentContext;
import com.jayway.jsonpath.JsonPath;
import dev.pinnedmemory.MemoryBudgetExceededException;
import dev.pinnedmemory.PinnedBuffer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every refusal of {@code @PinnedBody} under a real Tomcat: its status, its problem detail naming the
 * pool, the sizes and the limit, refused before anything is rented where the headers tell, and no lease
 * left behind.
 */
class PinnedBodyMvcRefusalTests extends MvcIngestTests {

    @Test
    void bodyOverTheLargestBufferShouldBe413BeforeItIsReadOrAnythingRented() throws Exception {
        long rents = frames.stats().rents();
        try (RawHttp client = new RawHttp(port)) {
            // Declares a megabyte and sends none of it: the answer comes all the same.
            String status = client.post("/floats", 1 << 20, new byte[0]).statusLine();

            assertThat(status).startsWith("HTTP/1.1 413");
        }
        HttpResponse<String> response = post("/floats", new byte[FRAME_BYTES + 4]);
        assertThat(response.statusCode()).isEqualTo(413);
        DocumentContext problem = problem(response);
        assertThat(problem.read("$.detail", String.class)).isEqualTo("body of 65540 bytes does not fit the largest "
                + "'frames' buffer of 65536 bytes (16384 float32 values); send smaller bodies or resize the pool");
        assertThat(problem.read("$.pool", String.class)).isEqualTo("frames");
        assertThat(problem.read("$.bodyBytes", Long.class)).isEqualTo(65540);
        assertThat(problem.read("$.limitBytes", Long.class)).isEqualTo(65536);
        assertThat(frames.stats().rents()).isEqualTo(rents);
    }

    @Test
    void chunkedBodyOverTheLargestBufferShouldBe413() throws Exception {
        HttpResponse<String> response = postChunked("/floats", new byte[FRAME_BYTES + 4]);

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(problem(response).read("$.detail", String.class))
                .startsWith("body of more than 65536 bytes does not fit the largest 'frames' buffer of 65536 bytes");
        assertThat(controller.received).isEmpty();
    }

    @Test
    void emptyBodyShouldBe400BeforeAnythingIsRented() throws Exception {
        long rents = frames.stats().rents();

        HttpResponse<String> response = post("/floats", new byte[0]);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(problem(response).read("$.detail", String.class)).isEqualTo("empty body (expected: little-endian "
                + "float32 values, 4 bytes each, for pool 'frames', at most 65536 bytes)");
        assertThat(frames.stats().rents()).isEqualTo(rents);
    }

    @Test
    void emptyChunkedBodyShouldBe400() throws Exception {
        HttpResponse<String> response = postChunked("/floats", new byte[0]);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(problem(response).read("$.detail", String.class)).startsWith("empty body");
    }

    @Test
    void bodyThatIsNotAWholeNumberOfElementsShouldBe400BeforeAnythingIsRented() throws Exception {
        long rents = frames.stats().rents();

        HttpResponse<String> response = post("/floats", new byte[4001]);

        assertThat(response.statusCode()).isEqualTo(400);
        DocumentContext problem = problem(response);
        assertThat(problem.read("$.detail", String.class)).isEqualTo("body of 4001 bytes is not a whole number of "
                + "float32 values (expected: a multiple of 4 bytes for pool 'frames')");
        assertThat(problem.read("$.bodyBytes", Long.class)).isEqualTo(4001);
        assertThat(frames.stats().rents()).isEqualTo(rents);
    }

    @Test
    void chunkedBodyWithAPartialElementShouldBe400() throws Exception {
        HttpResponse<String> response = postChunked("/floats", new byte[4001]);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(problem(response).read("$.detail", String.class)).contains("4001 bytes is not a whole number");
        assertThat(controller.received).isEmpty();
    }

    @Test
    void bodyThatEndsBeforeItsContentLengthShouldBe400() throws Exception {
        try (RawHttp client = new RawHttp(port)) {
            String status = client.post("/floats", 4000, new byte[1000]).endOutput().statusLine();

            assertThat(status).startsWith("HTTP/1.1 400");
        }
        assertThat(controller.received).isEmpty();
    }

    @Test
    void bodyWhenTheBudgetStaysSpentShouldBe503WithRetryAfterAfterTheMaxWait() throws Exception {
        List<PinnedBuffer<float[]>> held = spendTheBudget();
        try {
            long timeouts = frames.stats().waitTimeouts();

            HttpResponse<String> response = post("/floats", Bodies.floats(1000));

            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(response.headers().firstValue("Retry-After")).hasValue("1");
            DocumentContext problem = problem(response);
            assertThat(problem.read("$.detail", String.class))
                    .startsWith("the pinned memory budget is spent, also after waiting ")
                    .contains("(pool 'frames' max-wait 100 ms): no buffer for a body of 4000 bytes (4096 bytes asked; ",
                            "limit 262144 bytes");
            assertThat(problem.read("$.pool", String.class)).isEqualTo("frames");
            assertThat(frames.stats().waitTimeouts()).isEqualTo(timeouts + 1);
        } finally {
            held.forEach(PinnedBuffer::close);
        }
        assertThat(controller.received).isEmpty();
    }

    private DocumentContext problem(HttpResponse<String> response) {
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/problem+json"));
        DocumentContext problem = JsonPath.parse(response.body());
        assertThat(problem.read("$.status", Integer.class)).isEqualTo(response.statusCode());
        return problem;
    }

    /** Rents {@code frames} buffers, full-size and then the smallest, until the budget refuses even the smallest. */
    private List<PinnedBuffer<float[]>> spendTheBudget() {
        List<PinnedBuffer<float[]>> held = new ArrayList<>();
        for (int length : new int[] {frames.bufferSize(), frames.minBufferSize()}) {
            while (true) {
                try {
                    held.add(frames.rent(length));
                } catch (MemoryBudgetExceededException spent) {
                    break;
                }
            }
        }
        return held;
    }
}
