package dev.pinnedmemory.web;

import java.lang.reflect.Method;
import java.util.List;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.PinnedMemoryPools;
import dev.pinnedmemory.backend.PageLockingBackends;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.core.MethodParameter;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.web.context.request.ServletWebRequest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The MVC resolver outside a running server: a handler start-up never saw fails its first request with the
 * start-up message, and a container whose {@code read(ByteBuffer)} is the Servlet API's default (the mock's)
 * still fills the lease, which ends with the request.
 */
class PinnedBodyArgumentResolverTests {

    private final PinnedMemoryPool<float[]> frames = PinnedMemoryPool.builder(ElementType.FLOAT).bufferSize(1024)
            .backend(PageLockingBackends.unlocked()).name("frames").build();
    private final PinnedBodyArgumentResolver resolver = new PinnedBodyArgumentResolver(new PinnedMemoryPools(List.of(frames)));

    @AfterEach
    void closePool() {
        assertThat(frames.stats().inUse()).isZero();
        frames.close();
    }

    @SuppressWarnings("unused")
    void unknown(@PinnedBody("nope") PinnedBuffer<float[]> batch) {
    }

    @SuppressWarnings("unused")
    void known(@PinnedBody("frames") PinnedBuffer<float[]> batch) {
    }

    private static MethodParameter parameter(String method) throws NoSuchMethodException {
        Method handler = PinnedBodyArgumentResolverTests.class.getDeclaredMethod(method, PinnedBuffer.class);
        return new MethodParameter(handler, 0);
    }

    @Test
    void handlerStartUpDidNotSeeShouldFailItsFirstRequestWithTheStartUpMessage() throws Exception {
        MockHttpServletRequest request = new MockHttpServletRequest("POST", "/late");
        request.setContent(new byte[16]);

        assertThatThrownBy(() -> resolver.resolveArgument(parameter("unknown"), null, new ServletWebRequest(request), null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("@PinnedBody(\"nope\") parameter 'batch' of PinnedBodyArgumentResolverTests.unknown(PinnedBuffer) "
                        + "names pool 'nope', which does not exist (pools: [frames]); configure pinned-memory.pools.nope or "
                        + "name one of those");
        assertThat(frames.stats().rents()).isZero();
    }

    @Test
    void containerWithTheDefaultReadOfAByteBufferShouldStillFillTheLeaseThatEndsWithTheRequest() throws Exception {
        MockHttpServletRequest request = new MockHttpServletRequest("POST", "/frames");
        request.setContent(Bodies.floats(1000));
        ServletWebRequest webRequest = new ServletWebRequest(request, new MockHttpServletResponse());

        @SuppressWarnings("unchecked")
        PinnedBuffer<float[]> batch = (PinnedBuffer<float[]>) resolver.resolveArgument(parameter("known"), null,
                webRequest, null);

        assertThat(batch.toArray()).containsExactly(Bodies.values(1000));
        assertThat(batch.isPinned()).isTrue();
        webRequest.requestCompleted();
        assertThat(batch.isPinned()).isFalse();
    }
}
