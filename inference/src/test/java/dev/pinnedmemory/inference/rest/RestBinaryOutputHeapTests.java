package dev.pinnedmemory.inference.rest;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.inference.TestPools;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import org.junit.jupiter.api.Test;

import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.web.context.request.async.StandardServletAsyncWebRequest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A binary output goes from its segment to the socket without crossing the heap, in a real Spring MVC on Tomcat.
 * Spring MVC hands a controller its response wrapped for the async request lifecycle, and that wrapper's stream
 * inherits the Servlet API's default {@code write(ByteBuffer)}, which copies every buffer into a new
 * {@code byte[]}: written through it, a 4 MiB output cost 4 MiB of heap per request. What Tomcat's request
 * threads allocate is read from the JVM's per-thread counters.
 */
class RestBinaryOutputHeapTests {

    private static final int TENSOR_BYTES = 4 << 20;

    @Test
    void aBinaryOutputShouldReachTheSocketWithoutItsBytesOnTheHeap() throws IOException {
        byte[] tensor = new byte[TENSOR_BYTES];
        new Random(29).nextBytes(tensor);
        String header = "{\"inputs\":[{\"name\":\"INPUT\",\"shape\":[" + TENSOR_BYTES / 4 + "],\"datatype\":\"FP32\","
                + "\"parameters\":{\"binary_data_size\":" + TENSOR_BYTES + "}}],\"outputs\":[{\"name\":\"OUTPUT\","
                + "\"parameters\":{\"binary_data\":true}}]}";
        try (PinnedMemoryPool<byte[]> pool = TestPools.tensors(TENSOR_BYTES);
             RestTestServer server = new RestTestServer(pool, ProtocolModels.echoes());
             RawHttp http = server.client()) {
            RawHttp.Response warm = http.postBinary("/v2/models/echo_fp32/infer", header, tensor);
            assertThat(warm.status()).isEqualTo(200);

            Map<Long, Long> before = tomcatThreadsAllocated();
            assertThat(before).as("Tomcat's request threads (http-nio-*), whose allocations are read").isNotEmpty();
            RawHttp.Response answer = http.postBinary("/v2/models/echo_fp32/infer", header, tensor);
            long allocated = allocatedSince(before);

            assertThat(answer.status()).isEqualTo(200);
            ByteBuffer output = answer.binary();
            byte[] echoed = new byte[output.remaining()];
            output.get(echoed);
            assertThat(echoed).as("the output's bytes").isEqualTo(tensor);
            assertThat(allocated).as("heap bytes Tomcat's threads allocated for a request with a %d-byte binary output",
                    TENSOR_BYTES).isLessThan(TENSOR_BYTES / 8).isPositive();
            TestPools.assertBalanced(pool);
        }
    }

    /** Behind a wrapper the writer does not know, outputs go through it (a filter's caching stream must see them). */
    @Test
    void anUnknownWrappersStreamShouldBeWrittenThroughNotLookedBeneath() throws IOException {
        ServletOutputStream caching = new DroppingStream();
        HttpServletResponseWrapper wrapped = new HttpServletResponseWrapper(new MockHttpServletResponse()) {
            @Override
            public ServletOutputStream getOutputStream() {
                return caching;
            }
        };
        assertThat(InferResponseWriter.bufferWriting(new MockHttpServletRequest(), wrapped)).as("no stream that writes buffers itself")
                .isNull();

        ServletOutputStream buffers = new BufferWritingStream();
        HttpServletResponseWrapper writesBuffers = new HttpServletResponseWrapper(new MockHttpServletResponse()) {
            @Override
            public ServletOutputStream getOutputStream() {
                return buffers;
            }
        };
        assertThat(InferResponseWriter.bufferWriting(new MockHttpServletRequest(), writesBuffers)).isSameAs(buffers);
    }

    /**
     * The response Spring MVC hands a controller, wrapped by this Spring's own async lifecycle class: the container's
     * stream beneath it is found (were Spring to rename the wrapper, the writer would fall back to its 64 KiB chunk
     * and the heap test above could not tell), but not once the request went async, where the wrapper's lock guards
     * writes against the container's callbacks.
     */
    @Test
    void springsAsyncLifecycleWrapperShouldBeLookedBeneathOnlyForARequestThatIsNotAsync() throws IOException {
        ServletOutputStream container = new BufferWritingStream();
        MockHttpServletResponse response = new MockHttpServletResponse() {
            @Override
            public ServletOutputStream getOutputStream() {
                return container;
            }
        };
        MockHttpServletRequest request = new MockHttpServletRequest();
        HttpServletResponse springs = new StandardServletAsyncWebRequest(request, response).getResponse();
        assertThat(springs).as("the response Spring MVC hands a controller").isNotSameAs(response);
        assertThat(springs.getOutputStream().getClass().getName()).as("Spring's lifecycle stream, which the writer names")
                .isEqualTo("org.springframework.web.context.request.async.StandardServletAsyncWebRequest$LifecycleServletOutputStream");

        assertThat(InferResponseWriter.bufferWriting(request, springs)).as("a synchronous request").isSameAs(container);
        request.setAsyncStarted(true);
        assertThat(InferResponseWriter.bufferWriting(request, springs)).as("an async request").isNull();
    }

    /** A stream that drops the bytes, its {@code write(ByteBuffer)} the Servlet API's copying default (a filter's). */
    private static class DroppingStream extends ServletOutputStream {

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void setWriteListener(WriteListener listener) {
        }

        @Override
        public void write(int b) {
        }
    }

    /** A container's stream that writes a {@code ByteBuffer} itself, as Tomcat's does; it drops the bytes. */
    private static final class BufferWritingStream extends DroppingStream {

        @Override
        public void write(ByteBuffer buffer) {
            buffer.position(buffer.limit());
        }
    }

    private static Map<Long, Long> tomcatThreadsAllocated() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Map<Long, Long> allocated = new HashMap<>();
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.getName().startsWith("http-nio-")) {
                allocated.put(thread.threadId(), threads.getThreadAllocatedBytes(thread.threadId()));
            }
        }
        return allocated;
    }

    private static long allocatedSince(Map<Long, Long> before) {
        long total = 0;
        for (Map.Entry<Long, Long> now : tomcatThreadsAllocated().entrySet()) {
            total += Math.max(0, now.getValue()) - Math.max(0, before.getOrDefault(now.getKey(), 0L));
        }
        return total;
    }
}
