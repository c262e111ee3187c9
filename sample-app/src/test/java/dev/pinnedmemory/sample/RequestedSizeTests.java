package dev.pinnedmemory.sample;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.http.HttpStatus;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RequestedSizeTests {

    private static final DataSize MAX = DataSize.ofMegabytes(256);

    @Test
    void parseShouldAcceptUnitsAndPlainBytes() {
        assertThat(RequestedSize.parse("size", "64MB", MAX, 1)).isEqualTo(64L << 20);
        assertThat(RequestedSize.parse("size", "512KB", MAX, 1)).isEqualTo(512L << 10);
        assertThat(RequestedSize.parse("size", " 1048576 ", MAX, 1)).isEqualTo(1L << 20);
        assertThat(RequestedSize.parse("size", "256MB", MAX, 1)).isEqualTo(256L << 20);
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "1.5MB", "64XB", "99999999999999999999", "9223372036854775807GB", ""})
    void parseShouldRefuseWhatIsNotASize(String text) {
        assertThatThrownBy(() -> RequestedSize.parse("size", text, MAX, 1))
                .isInstanceOfSatisfying(RequestRefusedException.class,
                        e -> assertThat(e.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST))
                .satisfies(e -> assertThat(((RequestRefusedException) e).getBody().getDetail())
                        .contains("must be a size such as 64MB"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-1", "-64MB", "257MB", "1GB", "3"})
    void parseShouldRefuseSizesOutOfRange(String text) {
        assertThatThrownBy(() -> RequestedSize.parse("size", text, MAX, 4))
                .isInstanceOfSatisfying(RequestRefusedException.class, e -> assertThat(e.getBody().getDetail())
                        .contains("must be positive, at most 256MB and a multiple of 4 bytes"));
    }

    @Test
    void shownShouldTameWhatItQuotes() {
        assertThat(RequestedSize.shown("a\u0000b\nc")).isEqualTo("a?b?c");
        assertThat(RequestedSize.shown("9".repeat(100))).hasSize(43).endsWith("...");
    }
}
