package dev.pinnedmemory.sample;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BodyStreamerTests {

    @Test
    void streamShouldCopyEveryByteAcrossChunksAndTakeTheCrc() throws IOException {
        byte[] body = new byte[3 * BodyStreamer.CHUNK_BYTES + 123];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) (i * 31);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment target = arena.allocate(body.length + 100);

            BodyStreamer.Streamed streamed = BodyStreamer.stream(new ByteArrayInputStream(body), target);

            assertThat(streamed.bytes()).isEqualTo(body.length);
            assertThat("%08x".formatted(streamed.crc32())).isEqualTo(Floats.crc32(body));
            assertThat(target.asSlice(0, body.length).toArray(ValueLayout.JAVA_BYTE)).isEqualTo(body);
            assertThat(BodyStreamer.crc32(target, body.length)).isEqualTo(streamed.crc32());
        }
    }

    @Test
    void streamShouldAcceptABodyThatFillsTheTargetExactly() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            BodyStreamer.Streamed streamed = BodyStreamer.stream(new ByteArrayInputStream(new byte[4096]),
                    arena.allocate(4096));

            assertThat(streamed.bytes()).isEqualTo(4096);
        }
    }

    @Test
    void streamShouldStopAtTheFirstByteTooManyWithoutReadingTheRest() {
        AtomicLong consumed = new AtomicLong();
        InputStream endless = new InputStream() {
            @Override
            public int read() {
                consumed.incrementAndGet();
                return 7;
            }
        };
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment target = arena.allocate(1000);

            assertThatThrownBy(() -> BodyStreamer.stream(endless, target))
                    .isInstanceOf(BodyStreamer.TooLargeException.class).hasMessageContaining("1000 bytes");
            assertThat(consumed).hasValue(1001);
        }
    }

    @Test
    void streamShouldHandleShortReads() throws IOException {
        byte[] body = Floats.ramp(10_000);
        InputStream trickle = new FilterInputStream(new ByteArrayInputStream(body)) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return super.read(b, off, Math.min(len, 3));
            }
        };
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment target = arena.allocate(body.length);

            BodyStreamer.Streamed streamed = BodyStreamer.stream(trickle, target);

            assertThat(streamed.bytes()).isEqualTo(body.length);
            assertThat(target.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(body);
        }
    }
}
