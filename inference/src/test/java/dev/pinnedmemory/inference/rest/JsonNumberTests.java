package dev.pinnedmemory.inference.rest;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * {@link JsonNumber} against the JDK's parsers, bit for bit, and against Jackson's grammar: random and
 * edge-case decimals (subnormals, 7 to 9 and 16 to 19 digit significands, exponents at the fast paths' edges,
 * halfway points between floats, leading zeros, {@code -0}, overflow), every byte split of a token, and
 * arbitrary bytes.
 */
class JsonNumberTests {

    private static final List<String> EDGES = List.of(
            "0", "-0", "0.0", "-0.0", "0e0", "0E+5", "-0.000e-400", "1", "-1", "7", "10", "1e0", "1E+2", "1e-0", "1e05", "1.0",
            "0.1", "0.2", "0.3", "0.30000000000000004", "0.1234567", "1234567", "12345678", "123456789", "1.2345678",
            "0.123456789", "72.74612", "99.99999", "16777215", "16777216", "16777217", "16777218", "16777219", "33554433",
            "8388609.5", "8388608.5", "9007199254740991", "9007199254740992", "9007199254740993", "9007199254740995",
            "1e10", "1e11", "1e-10", "1e-11", "1e22", "1e23", "1e-22", "1e-23", "1e37", "1e38", "1e39", "1e-37", "1e-38", "1e-39",
            "9999999e10", "9999999e-10", "16777216e10", "16777217e-10", "123456789e-10", "123456789012345e22",
            "123456789012345e-22", "1234567890123456e22", "1e-45", "1.4e-45", "1.401298464324817e-45", "7e-46",
            "7.006492321624085e-46", "7.006492321624086e-46", "7.0064923216240862e-46", "1e-46", "2.1019476964872256e-45",
            "1.1754942e-38", "1.17549435e-38", "1.1754943508222875e-38", "1.17549421e-38", "3.4028235e38", "3.4028234e38",
            "3.4028236e38", "3.4028235677973366e38", "3.4028235677973365e38", "3.40282356779733661637539395458142568448e38",
            "340282356779733661637539395458142568448", "340282356779733661637539395458142568447", "3.4028235e+38",
            "2.2250738585072014e-308", "2.2250738585072011e-308", "4.9e-324", "2.4703282292062327e-324",
            "2.4703282292062328e-324", "1.7976931348623157e308", "1.7976931348623158e308", "1.7976931348623159e308",
            "1e308", "1e309", "1e400", "-1e400", "1e-400", "2e2147483648", "1e-2147483649", "1e99999999999999999999",
            "9223372036854775807", "-9223372036854775808", "9223372036854775808", "-9223372036854775809",
            "18446744073709551615", "18446744073709551616", "999999999999999999", "1000000000000000000",
            "100000000000000000000000", "123456789012345678901234567890", "0.000000000000000000000000000000000001",
            "1.00000000000000000000000000000000000001", "0.99999999999999999999999999", "1.5", "2.5", "-2.5",
            "0.49999999999999994", "4.35", "4.345", "1.0000001", "1.00000005960464477539062", "1.000000059604644775390625",
            "1.0000000596046447753906251", "1.00000017881393432617187", "1.000000178813934326171875",
            "1.0000001788139343261718751", "NaN", "Infinity", "-Infinity", "+Infinity", "-INF", "+INF");

    private final JsonNumber number = new JsonNumber();

    @Test
    void edgeCasesShouldBeTheJdksValuesBitForBit() {
        for (String text : EDGES) {
            assertSameAsJdk(text);
        }
    }

    @Test
    void randomDecimalsShouldBeTheJdksValuesBitForBit() {
        SplittableRandom random = new SplittableRandom(27);
        for (int i = 0; i < 200_000; i++) {
            assertSameAsJdk(randomDecimal(random));
        }
    }

    @Test
    void floatsWrittenAsJavaAndPythonWriteThemShouldComeBackExactly() {
        SplittableRandom random = new SplittableRandom(5);
        for (int i = 0; i < 100_000; i++) {
            float value = Float.intBitsToFloat(random.nextInt());
            if (Float.isNaN(value) || Float.isInfinite(value)) {
                continue;
            }
            String shortest = json(Float.toString(value));               // Java's shortest: up to 9 digits
            String python = json(Double.toString(value));               // float32 -> Python float -> repr: up to 17 digits
            assertThat(floatOf(shortest)).as(shortest).isEqualTo(Float.floatToRawIntBits(value));
            assertThat(floatOf(python)).as(python).isEqualTo(Float.floatToRawIntBits(value));
            assertSameAsJdk(shortest);
            assertSameAsJdk(python);
            assertSameAsJdk(json(new BigDecimal(value).toPlainString().replaceFirst("^(-?)0+(?=\\d)", "$1")));
        }
        for (int i = 0; i < 100_000; i++) {
            float value = random.nextFloat() * 100f;                      // the load benchmark's data
            assertThat(floatOf(Float.toString(value))).isEqualTo(Float.floatToRawIntBits(value));
        }
    }

    @Test
    void halfwayPointsBetweenFloatsAndTheirNeighboursShouldRoundAsTheJdk() {
        SplittableRandom random = new SplittableRandom(9);
        for (int i = 0; i < 20_000; i++) {
            float value = Float.intBitsToFloat(random.nextInt(0x7F7F_FFFF));
            BigDecimal halfway = new BigDecimal(value).add(new BigDecimal(Math.nextUp(value))).divide(BigDecimal.TWO);
            BigDecimal tiny = new BigDecimal(BigInteger.ONE, halfway.scale() + 3);
            for (BigDecimal near : List.of(halfway, halfway.add(tiny), halfway.subtract(tiny))) {
                assertSameAsJdk(near.toString().replace("E", "e"));
                assertSameAsJdk(near.round(new java.math.MathContext(17)).toString().replace("E", "e"));
                assertSameAsJdk(near.round(new java.math.MathContext(9)).toString().replace("E", "e"));
            }
        }
    }

    @Test
    void doublesShouldComeBackExactly() {
        SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < 100_000; i++) {
            double value = Double.longBitsToDouble(random.nextLong());
            if (Double.isNaN(value) || Double.isInfinite(value)) {
                continue;
            }
            String text = json(Double.toString(value));
            assertSameAsJdk(text);
            assertThat(doubleOf(text)).as(text).isEqualTo(Double.doubleToRawLongBits(value));
            double small = random.nextInt(1 << 20) / 1024.0 - 512;
            assertSameAsJdk(json(Double.toString(small)));
        }
    }

    @Test
    void integersShouldBeExactLongsOrBigIntegers() {
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < 100_000; i++) {
            String text = i % 2 == 0 ? Long.toString(random.nextLong() >> random.nextInt(64))
                    : randomDigits(random, 1 + random.nextInt(30), true);
            if (random.nextBoolean() && !text.startsWith("-")) {
                text = "-" + text;
            }
            parseWhole(text);
            assertThat(number.kind()).isEqualTo(JsonNumber.INTEGER);
            BigInteger exact = new BigInteger(text);
            if (number.fitsLong()) {
                assertThat(number.longValue()).as(text).isEqualTo(exact.longValueExact());
            } else {
                assertThat(exact.bitLength()).as(text).isGreaterThanOrEqualTo(59);
            }
            assertThat(number.bigIntegerValue()).isEqualTo(exact);
            assertSameAsJdk(text);
        }
        parseWhole("999999999999999999");
        assertThat(number.fitsLong()).isTrue();
        assertThat(number.longValue()).isEqualTo(999_999_999_999_999_999L);
        parseWhole("-0");
        assertThat(number.longValue()).isZero();
        parseWhole("1000000000000000000");
        assertThat(number.fitsLong()).isFalse();
        assertThat(number.bigIntegerValue()).isEqualTo(BigInteger.TEN.pow(18));
    }

    @Test
    void theGrammarShouldBeJacksonsNumberTokenWithTheProtocolsSettings() {
        List<String> texts = new ArrayList<>(EDGES);
        texts.addAll(List.of("01", "-01", "00", "1.", "1.e5", ".5", "1e", "1e+", "1e-", "-", "+", "+1", "+0", "-x", "1x", "1.5.3",
                "1e5e3", "--1", "-+1", "NaNx", "-NaN", "+NaN", "nan", "INF", "Inf", "-Inf", "+Infinit", "-Infinityy",
                "Infinity1", "-INFINITY", "0x10", "1_0", "1 0", "0.0.0", "1ee5", "1e+-5", "١", "1" + "0".repeat(999),
                "1" + "0".repeat(1000), "0." + "0".repeat(998) + "1", "0." + "0".repeat(999) + "1", "1e" + "0".repeat(998)));
        SplittableRandom random = new SplittableRandom(17);
        String alphabet = "0123456789-+.eE";
        for (int i = 0; i < 100_000; i++) {
            StringBuilder text = new StringBuilder();
            for (int n = 1 + random.nextInt(8); n > 0; n--) {
                text.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            texts.add(text.toString());
        }
        for (String text : texts) {
            boolean jackson = jacksonNumber(text);
            int length = text.getBytes(StandardCharsets.UTF_8).length;
            for (String tail : List.of("]", "]" + " ".repeat(JsonNumber.FAST_WINDOW), "]" + "1e5.".repeat(JsonNumber.FAST_WINDOW))) {
                byte[] bytes = (text + tail).getBytes(StandardCharsets.UTF_8);
                int after = number.parse(bytes, 0, bytes.length, true);
                boolean ours = after == length;
                assertThat(ours).as("'%s' accepted as one number (Jackson: %s; ours ended at %s: %s)", text, jackson, after,
                        after < -1 ? number.error() : "").isEqualTo(jackson);
            }
        }
    }

    @Test
    void everyPrefixOfANumberShouldAskForMoreBytesAndNeverEndEarly() {
        for (String text : EDGES) {
            byte[] bytes = (text + ",").getBytes(StandardCharsets.UTF_8);
            for (int cut = 0; cut < bytes.length; cut++) {
                assertThat(number.parse(bytes, 0, cut, false)).as("%s cut at %d", text, cut).isEqualTo(JsonNumber.NEED_MORE);
            }
            assertThat(number.parse(bytes, 0, bytes.length, false)).as(text).isEqualTo(bytes.length - 1);
        }
    }

    @Test
    void anyBytesShouldBeParsedOrRefusedNeverThrow() {
        SplittableRandom random = new SplittableRandom(32);
        byte[] bytes = new byte[24 + JsonNumber.FAST_WINDOW];
        for (int i = 0; i < 300_000; i++) {
            int length = random.nextBoolean() ? random.nextInt(25) : random.nextInt(bytes.length + 1);
            for (int k = 0; k < bytes.length; k++) {
                bytes[k] = random.nextInt(4) == 0 ? (byte) random.nextInt(256) : (byte) "0123456789-+.eENaIfinty"
                        .charAt(random.nextInt(23));
            }
            int from = length == 0 ? 0 : random.nextInt(length);
            int after = number.parse(bytes, from, length, random.nextBoolean());
            if (after >= 0) {
                if (after <= from || after > length) {
                    fail("ended at " + after + ", outside (" + from + ", " + length + "]");
                }
                String text = number.text();
                if (!number.isLiteral()) {
                    assertSameAsJdk(text);
                }
                if (number.fitsLong() && number.longValue() != Long.parseLong(text)) {
                    fail(text + " read as " + number.longValue());
                }
            } else if (after < JsonNumber.NEED_MORE && (number.errorAt() < from || number.errorAt() > length || number.error().isEmpty())) {
                fail("refused at " + number.errorAt() + " (" + number.error() + "), outside [" + from + ", " + length + "]");
            }
        }
    }

    private void assertSameAsJdk(String text) {
        parseWhole(text);
        float single = number.floatValue();
        double wide = number.doubleValue();
        switch (text) {
            case "NaN" -> {
                assertThat(single).isNaN();
                assertThat(wide).isNaN();
            }
            case "Infinity", "+Infinity", "+INF", "-Infinity", "-INF" -> {
                assertThat(single).isEqualTo(text.startsWith("-") ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY);
                assertThat(wide).isEqualTo(text.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY);
            }
            default -> {
                // Plain comparisons (a million of them): assertions only to report a difference.
                float expectedSingle = Float.parseFloat(text);
                if (Float.floatToRawIntBits(single) != Float.floatToRawIntBits(expectedSingle)) {
                    fail("float of " + text + ": " + single + ", expected " + expectedSingle);
                }
                double expectedWide = Double.parseDouble(text);
                if (Double.doubleToRawLongBits(wide) != Double.doubleToRawLongBits(expectedWide)) {
                    fail("double of " + text + ": " + wide + ", expected " + expectedWide);
                }
            }
        }
    }

    private int floatOf(String text) {
        parseWhole(text);
        return Float.floatToRawIntBits(number.floatValue());
    }

    private long doubleOf(String text) {
        parseWhole(text);
        return Double.doubleToRawLongBits(number.doubleValue());
    }

    /**
     * Parses {@code text} twice, byte by byte (fewer than {@link JsonNumber#FAST_WINDOW} bytes ahead) and with room
     * for the eight-at-a-time path (stale digits after it, as a reused buffer has), checking both read the same.
     */
    private void parseWhole(String text) {
        byte[] padded = (" " + text + "," + "1234567890".repeat(5)).getBytes(StandardCharsets.UTF_8);
        int end = text.length() + 2;
        int fast = number.parse(padded, 1, padded.length, false);
        if (fast != end - 1) {
            fail("'" + text + "' not parsed whole with bytes ahead: " + fast + (fast < -1 ? " " + number.error() : ""));
        }
        String wide = state();
        int after = number.parse(padded, 1, end, false);
        if (after != end - 1) {
            fail("'" + text + "' not parsed whole: " + after + (after < -1 ? " " + number.error() : ""));
        }
        if (!number.text().equals(text) || !state().equals(wide)) {
            fail("'" + text + "' read as " + state() + " byte by byte, as " + wide + " eight at a time");
        }
    }

    private String state() {
        return number.kind() + " " + (number.fitsLong() ? number.longValue() : "-") + " " + Float.floatToRawIntBits(number.floatValue())
                + " " + Double.doubleToRawLongBits(number.doubleValue()) + " " + number.text();
    }

    @Test
    void eightDigitsAtATimeShouldBeWhatADigitByDigitLoopReads() {
        SplittableRandom random = new SplittableRandom(8);
        byte[] bytes = new byte[8];
        for (int i = 0; i < 300_000; i++) {
            for (int k = 0; k < 8; k++) {
                bytes[k] = random.nextInt(3) != 0 ? (byte) ('0' + random.nextInt(10)) : (byte) random.nextInt(256);
            }
            long word = java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
            int expected = 0;
            long value = 0;
            while (expected < 8 && bytes[expected] >= '0' && bytes[expected] <= '9') {
                value = value * 10 + bytes[expected++] - '0';
            }
            assertThat(JsonNumber.leadingDigits(word)).as(Arrays.toString(bytes)).isEqualTo(expected);
            if (expected > 0) {
                assertThat(JsonNumber.digits(word, expected)).as(Arrays.toString(bytes)).isEqualTo(value);
            }
        }
    }

    /** {@return Java's text of a number in JSON's grammar: {@code 1.0E10} is {@code 1.0e10}} */
    private static String json(String java) {
        return java.replace("E", "e");
    }

    private static String randomDecimal(SplittableRandom random) {
        StringBuilder text = new StringBuilder();
        if (random.nextBoolean()) {
            text.append('-');
        }
        int digits = switch (random.nextInt(6)) {
            case 0 -> 1 + random.nextInt(7);
            case 1 -> 7 + random.nextInt(3);
            case 2 -> 15 + random.nextInt(5);
            case 3 -> 20 + random.nextInt(20);
            default -> 1 + random.nextInt(19);
        };
        String significand = randomDigits(random, digits, random.nextInt(4) != 0);
        int point = random.nextInt(digits + 1);
        String whole = point == 0 ? "0" : significand.substring(0, point);
        text.append(whole.length() > 1 && whole.startsWith("0") ? "0" : whole);
        if (point < digits) {
            text.append('.').append(significand, point, digits);
        }
        int kind = random.nextInt(5);
        if (kind > 0) {
            int exponent = switch (kind) {
                case 1 -> random.nextInt(-12, 13);
                case 2 -> random.nextInt(-25, 26);
                case 3 -> random.nextInt(-60, 60);
                default -> random.nextInt(-345, 330);
            };
            text.append(random.nextBoolean() ? 'e' : 'E');
            text.append(exponent < 0 ? "-" : random.nextBoolean() ? "+" : "").append(random.nextInt(3) == 0
                    ? "0".repeat(random.nextInt(3)) : "").append(Math.abs(exponent));
        }
        return text.toString();
    }

    private static String randomDigits(SplittableRandom random, int count, boolean nonzeroFirst) {
        StringBuilder digits = new StringBuilder(count);
        for (int i = 0; i < count; i++) {
            int digit = random.nextInt(10);
            if (i == 0 && nonzeroFirst && digit == 0) {
                digit = 1 + random.nextInt(9);
            }
            if (random.nextInt(8) == 0 && i > 0) {
                digit = random.nextBoolean() ? 0 : 9;
            }
            digits.append((char) ('0' + digit));
        }
        return digits.toString();
    }

    /** {@return whether Jackson, with the protocol's settings, reads {@code [text]} as one number} */
    private static boolean jacksonNumber(String text) {
        try (JsonParser json = ProtocolJson.FACTORY.createParser(ObjectReadContext.empty(),
                ("[" + text + "]").getBytes(StandardCharsets.UTF_8))) {
            json.nextToken();
            JsonToken token = json.nextToken();
            if (token != JsonToken.VALUE_NUMBER_INT && token != JsonToken.VALUE_NUMBER_FLOAT) {
                return false;
            }
            json.getDoubleValue();
            return json.nextToken() == JsonToken.END_ARRAY;
        } catch (JacksonException e) {
            return false;
        }
    }
}
