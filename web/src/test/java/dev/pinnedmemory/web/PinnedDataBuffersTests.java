package dev.pinnedmemory.web;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.MemoryBudget;
import dev.pinnedmemory.backend.PageLockingBackends;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import org.springframework.http.HttpStatus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * {@link PinnedDataBuffers#join} with pooled Netty buffers whose reference counts are checked: every
 * buffer the join receives is released exactly once, whatever becomes of the body (joined, too long,
 * too short, failed, cancelled), and no lease outlives a join that did not hand it over.
 */
class PinnedDataBuffersTests {

    private final NettyDataBufferFactory factory = new NettyDataBufferFactory(new PooledByteBufAllocator(true));
    private final List<ByteBuf> sent = new ArrayList<>();
    /** The buffers the join received: those it must release, exactly once. */
    private final java.util.Set<ByteBuf> consumed = java.util.Collections.synchronizedSet(
            java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>()));   // a ByteBuf hashes its contents
    private final PinnedMemoryPool<float[]> pool = PinnedMemoryPool.builder(ElementType.FLOAT).bufferSize(4096)
            .minBufferSize(1024).backend(PageLockingBackends.unlocked()).name("frames").build();

    @AfterEach
    void everyBufferReleasedOnceAndEveryLeaseBack() {
        assertThat(consumed).allSatisfy(buffer -> assertThat(buffer.refCnt()).as("released exactly once").isZero());
        for (ByteBuf buffer : sent) {
            if (!consumed.contains(buffer)) {
                assertThat(buffer.refCnt()).as("a buffer the join never received is the source's").isEqualTo(1);
                buffer.release();
            }
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats().inUse() == 0);
        pool.close();
    }

    /** {@return {@code body} as the join sees it, noting each buffer it receives} */
    private Flux<DataBuffer> counted(Flux<DataBuffer> body) {
        return body.doOnNext(buffer -> consumed.add(((org.springframework.core.io.buffer.NettyDataBuffer) buffer)
                .getNativeBuffer()));
    }

    /** {@return a pooled buffer holding {@code count} floats from {@code first * 0.5}} */
    private DataBuffer chunk(int first, int count) {
        byte[] all = Bodies.floats(first + count);
        DataBuffer buffer = factory.allocateBuffer(count * Float.BYTES);
        buffer.write(all, first * Float.BYTES, count * Float.BYTES);
        sent.add(((org.springframework.core.io.buffer.NettyDataBuffer) buffer).getNativeBuffer());
        return buffer;
    }

    @Test
    void joinShouldCopyEveryBufferIntoALeaseOfExactlyTheDeclaredLength() {
        Flux<DataBuffer> body = Flux.just(chunk(0, 100), chunk(100, 150), chunk(250, 50));

        try (PinnedBuffer<float[]> lease = PinnedDataBuffers.join(counted(body), pool, 1200).block()) {
            assertThat(lease).isNotNull();
            assertThat(lease.length()).isEqualTo(300);
            assertThat(lease.toArray()).containsExactly(Bodies.values(300));
            assertThat(pool.stats().requestedBytes()).isEqualTo(1200);
        }
    }

    @Test
    void joinOfUnknownLengthShouldHandOverALeaseOfWhatArrived() {
        try (PinnedBuffer<float[]> lease = PinnedDataBuffers.join(counted(Flux.just(chunk(0, 10), chunk(10, 20))), pool, -1).block()) {
            assertThat(lease).isNotNull();
            assertThat(lease.length()).isEqualTo(30);
            assertThat(lease.toArray()).containsExactly(Bodies.values(30));
        }
        assertThat(pool.stats().returns()).isEqualTo(1);
    }

    @Test
    void bodyLongerThanDeclaredShouldBe400AndReleaseTheRest() {
        Flux<DataBuffer> body = Flux.just(chunk(0, 100), chunk(100, 100), chunk(200, 100));

        StepVerifier.create(PinnedDataBuffers.join(counted(body), pool, 800))
                .expectErrorSatisfies(error -> assertRefused(error, HttpStatus.BAD_REQUEST,
                        "body has more than the 800 bytes its Content-Length declared (pool 'frames')"))
                .verify(Duration.ofSeconds(5));
    }

    @Test
    void bodyOfUnknownLengthOverTheLargestBufferShouldBe413() {
        Flux<DataBuffer> body = Flux.just(chunk(0, 4000), chunk(4000, 100), chunk(4100, 10));

        StepVerifier.create(PinnedDataBuffers.join(counted(body), pool, -1))
                .expectErrorSatisfies(error -> assertRefused(error, HttpStatus.CONTENT_TOO_LARGE,
                        "body of more than 16384 bytes does not fit the largest 'frames' buffer of 16384 bytes"))
                .verify(Duration.ofSeconds(5));
    }

    @Test
    void bodyShorterThanDeclaredShouldBe400() {
        StepVerifier.create(PinnedDataBuffers.join(counted(Flux.just(chunk(0, 10))), pool, 400))
                .expectErrorSatisfies(error -> assertRefused(error, HttpStatus.BAD_REQUEST,
                        "body ended after 40 of the 400 bytes its Content-Length declared (pool 'frames')"))
                .verify(Duration.ofSeconds(5));
    }

    @Test
    void bodyThatFailsShouldBe400NamingTheCauseAndReleaseWhatCame() {
        Flux<DataBuffer> body = Flux.concat(Flux.just(chunk(0, 10)), Flux.error(new java.io.IOException("connection reset")));

        StepVerifier.create(PinnedDataBuffers.join(counted(body), pool, 400))
                .expectErrorSatisfies(error -> assertRefused(error, HttpStatus.BAD_REQUEST,
                        "could not read the request body after 40 of 400 bytes (pool 'frames'): connection reset"))
                .verify(Duration.ofSeconds(5));
    }

    @Test
    void cancelledJoinShouldReleaseBuffersAndGiveTheLeaseBack() {
        Sinks.Many<DataBuffer> body = Sinks.many().unicast().onBackpressureBuffer();
        body.tryEmitNext(chunk(0, 10));
        Disposable join = PinnedDataBuffers.join(counted(body.asFlux()), pool, 400).subscribe();
        await().atMost(Duration.ofSeconds(5)).until(() -> sent.getFirst().refCnt() == 0);
        assertThat(pool.stats().inUse()).as("rented while the body comes").isEqualTo(1);

        join.dispose();

        assertThat(pool.stats().inUse()).isZero();
        assertThat(sent.getFirst().refCnt()).isZero();
        // Nothing reaches a cancelled join: a late buffer stays its sender's (checked after the test).
        assertThat(body.tryEmitNext(chunk(10, 10)).isFailure()).isTrue();
    }

    @Test
    void lengthRefusedByTheHeadersShouldNotSubscribeTheBodyOrRent() {
        AtomicBoolean subscribed = new AtomicBoolean();
        Flux<DataBuffer> body = Flux.<DataBuffer>empty().doOnSubscribe(s -> subscribed.set(true));

        StepVerifier.create(PinnedDataBuffers.join(counted(body), pool, 16388))
                .expectErrorSatisfies(error -> assertRefused(error, HttpStatus.CONTENT_TOO_LARGE,
                        "body of 16388 bytes does not fit the largest 'frames' buffer of 16384 bytes"))
                .verify(Duration.ofSeconds(5));
        StepVerifier.create(PinnedDataBuffers.join(counted(body), pool, 0)).expectError(PinnedBodyException.class)
                .verify(Duration.ofSeconds(5));
        StepVerifier.create(PinnedDataBuffers.join(counted(body), pool, 6)).expectError(PinnedBodyException.class)
                .verify(Duration.ofSeconds(5));

        assertThat(subscribed).isFalse();
        assertThat(pool.stats().rents()).isZero();
    }

    @Test
    void joinWhenTheBudgetIsSpentShouldWaitOffTheCallersThreadThenAnswer503() {
        try (PinnedMemoryPool<float[]> waiting = PinnedMemoryPool.builder(ElementType.FLOAT).bufferSize(1024)
                .backend(PageLockingBackends.unlocked()).budget(new MemoryBudget(4096)).maxWait(Duration.ofMillis(50))
                .name("waiting").build();
             PinnedBuffer<float[]> held = waiting.rent()) {
            AtomicBoolean subscribed = new AtomicBoolean();
            Flux<DataBuffer> body = Flux.<DataBuffer>empty().doOnSubscribe(s -> subscribed.set(true));

            StepVerifier.create(PinnedDataBuffers.join(body, waiting, 400))
                    .expectErrorSatisfies(error -> {
                        assertThat(error).isInstanceOf(PinnedBodyException.class);
                        PinnedBodyException refused = (PinnedBodyException) error;
                        assertThat(refused.getStatusCode().value()).isEqualTo(503);
                        assertThat(refused.getHeaders().getFirst("Retry-After")).isEqualTo("1");
                        assertThat(refused.detail()).contains("after waiting", "max-wait 50 ms");
                        assertThat(Thread.currentThread().getName()).startsWith("boundedElastic");
                    })
                    .verify(Duration.ofSeconds(5));
            assertThat(subscribed).isFalse();
            assertThat(held.isPinned()).isTrue();
        }
    }

    @Test
    void joinShouldRefuseANegativeLengthOtherThanUnknown() {
        assertThatThrownBy(() -> PinnedDataBuffers.join(Flux.empty(), pool, -2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("contentLength: -2 (expected: -1 when unknown, or >= 0)");
    }

    private static void assertRefused(Throwable error, HttpStatus status, String detail) {
        assertThat(error).isInstanceOf(PinnedBodyException.class);
        PinnedBodyException refused = (PinnedBodyException) error;
        assertThat(refused.getStatusCode().value()).isEqualTo(status.value());
        assertThat(refused.detail()).startsWith(detail);
        assertThat(refused.getBody().getProperties()).containsEntry("pool", "frames");
    }

}
