package dev.pinnedmemory.inference.rest;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.inference.Datatype;
import dev.pinnedmemory.inference.DeclaredInput;
import dev.pinnedmemory.inference.InferenceCall;
import dev.pinnedmemory.inference.InferenceException;
import dev.pinnedmemory.inference.InferenceModel;
import dev.pinnedmemory.inference.InferenceResponse;
import dev.pinnedmemory.inference.InferenceServer;
import dev.pinnedmemory.inference.ModelMetadata;
import dev.pinnedmemory.inference.TensorMetadata;
import dev.pinnedmemory.inference.TestModels;
import dev.pinnedmemory.inference.TestPools;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.exc.JacksonIOException;
import tools.jackson.core.exc.StreamReadException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link JsonDataScanner} (the bytes of a {@code "data"} array) against the parser's tokens, which the
 * same {@link JsonTensorSource} reads when {@link HeaderInputStream} does not stop at data arrays: for the
 * same JSON, read through chunks of random sizes, both must write the same bytes into the lease, or refuse
 * with the same message (a malformed one with a message of its own, at the same line); and the JSON after the
 * array must be read, and refused, as if no scanner had taken its bytes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JsonDataScannerTests {

    private static final List<Datatype> TYPES = Arrays.stream(Datatype.values()).filter(type -> type != Datatype.BYTES).toList();

    private PinnedMemoryPool<byte[]> pool;
    private InferenceServer server;

    /** What reading one document gave: the lease's bytes, or the refusal's message. */
    record Outcome(byte @Nullable [] data, @Nullable String error) {
        @Override
        public String toString() {
            return error != null ? "refused: " + error : "data " + Arrays.toString(data);
        }
    }

    @BeforeAll
    void start() {
        pool = TestPools.tensors(256 * 1024);
        List<InferenceModel> models = new ArrayList<>();
        for (Datatype type : TYPES) {
            for (int rank = 1; rank <= 3; rank++) {
                models.add(new TestModels.Scripted(new ModelMetadata(model(type, rank), List.of(), "java",
                        List.of(new TensorMetadata("INPUT", type.name(), java.util.Collections.nCopies(rank, -1L))),
                        List.of(new TensorMetadata("OUTPUT", type.name(), List.of(-1L)))),
                        request -> InferenceResponse.builder().build()));
            }
        }
        server = InferenceServer.builder(pool).models(models).build();
    }

    @AfterEach
    void balanced() {
        TestPools.assertBalanced(pool);
    }

    @AfterAll
    void stop() {
        pool.close();
    }

    @Test
    void theScannerShouldTakeOverAtTheDataArrayAndGiveTheParserBackItsEnd() {
        String json = "{\"data\" : [1.5, -2, 3e2,\n 4.25E-1 ], \"after\": {\"data\": [\"x\"], \"n\": [[1], 2]}}";
        Outcome scanned = read(json, Datatype.FP32, new long[] {4}, true, 0);
        assertThat(scanned.error()).isNull();
        assertThat(floats(scanned.data())).containsExactly(1.5f, -2f, 300f, 0.425f);
        assertThat(scanned).usingRecursiveComparison().isEqualTo(read(json, Datatype.FP32, new long[] {4}, false, 0));
        assertThat(scannedBytes(json, Datatype.FP32, new long[] {4})).isEqualTo(json.indexOf(']') - json.indexOf('[') - 1);
    }

    @Test
    void everyDatatypesValuesShouldBeTheTokensValues() {
        SplittableRandom random = new SplittableRandom(27);
        for (int i = 0; i < 4000; i++) {
            Datatype type = TYPES.get(random.nextInt(TYPES.size()));
            long[] shape = shape(random);
            String json = document(random, type, shape, random.nextInt(12) == 0);
            assertSame(json, type, shape, random.nextLong());
        }
    }

    @Test
    void largeArraysShouldBeReadAcrossManyBuffersAndChunks() {
        SplittableRandom random = new SplittableRandom(5);
        for (Datatype type : TYPES) {
            long[] shape = {3, 1500};
            String json = document(random, type, shape, false);
            assertThat(json.length()).isGreaterThan(HeaderInputStream.CHUNK);
            Outcome outcome = assertSame(json, type, shape, random.nextLong());
            assertThat(outcome.error()).as(type + " " + outcome).isNull();
        }
    }

    @Test
    void malformedDataShouldBeRefusedAsMalformedAtTheLineOfTheFault() {
        String[] faults = {"[1,,2]", "[1,2,]", "[,1]", "[1 2]", "[1;2]", "[01]", "[1.]", "[.5]", "[1e]", "[-]", "[+1]", "[--1]",
                "[1.5.3]", "[nul]", "[tru]", "[NaNx]", "[-NaN]", "[INF]", "[1\u00012]", "[1,\"a\u0001\"]", "[1,\"\\q\"]",
                "[1", "[1,", "[[1,2]", "[1e5e3]", "[0x10]", "[1_0]", "[é]", "[1]]", "[" + "1".repeat(1001) + "]"};
        for (String data : faults) {
            String json = "{\"data\":\n  " + data + "\n}";
            Outcome tokens = read(json, Datatype.INT32, new long[] {2}, false, 0);
            Outcome scanned = read(json, Datatype.INT32, new long[] {2}, true, 0);
            assertThat(tokens.error()).as(data).isNotNull();
            if (!tokens.error().startsWith("malformed JSON")) {
                assertThat(scanned.error()).as(data).isEqualTo(tokens.error());
                continue;
            }
            assertThat(scanned.error()).as(data).startsWith("malformed JSON");
            if (tokens.error().startsWith("malformed JSON at line")) {
                assertThat(scanned.error()).as(data).startsWith(tokens.error().substring(0, "malformed JSON at line 2".length()));
            }
        }
    }

    @Test
    void faultsAfterTheDataShouldBeReportedWhereTheyAre() {
        String[] tails = {"\"x\": }", "\"x\": [1,]}", "\"x\" 1}", "\n\n  \"x\": tru}", "\"x\": 1 \"y\": 2}", "\"x\": 1}}", "\"x\": 1"};
        for (String data : new String[] {"[1, 2, 3]", "[1,\n2,\r\n3]", "[\n1,\n2,\n3\n]", "[1, 2, 3]  "}) {
            for (String tail : tails) {
                String json = "{\n\"data\":" + data + ", " + tail;
                Outcome tokens = read(json, Datatype.INT32, new long[] {3}, false, 0);
                assertThat(tokens.error()).startsWith("malformed JSON");
                assertThat(read(json, Datatype.INT32, new long[] {3}, true, 0)).as(json).usingRecursiveComparison().isEqualTo(tokens);
                assertThat(read(json, Datatype.INT32, new long[] {3}, true, 3)).as(json).usingRecursiveComparison().isEqualTo(tokens);
            }
        }
    }

    @Test
    void refusalsShouldNameTheElementAndTheValueAsTheTokenPathDoes() {
        Object[][] cases = {
                {Datatype.UINT8, "[1,300]"}, {Datatype.INT32, "[1.5,2]"}, {Datatype.INT32, "[1.0,2]"}, {Datatype.INT32, "[1e2,2]"},
                {Datatype.INT64, "[NaN,2]"}, {Datatype.INT64, "[1,-Infinity]"}, {Datatype.UINT64, "[1,18446744073709551616]"},
                {Datatype.UINT64, "[1,18446744073709551615]"}, {Datatype.INT64, "[1,-9223372036854775809]"},
                {Datatype.INT8, "[-129,0]"}, {Datatype.FP32, "[1e39,0]"}, {Datatype.FP32, "[0,-3.4028236e38]"},
                {Datatype.FP32, "[340282356779733661637539395458142568448,0]"}, {Datatype.FP64, "[0,-1e999]"},
                {Datatype.FP16, "[1,65520]"}, {Datatype.BF16, "[1,3.4e38]"}, {Datatype.BF16, "[1,1e39]"}, {Datatype.BOOL, "[1,0]"},
                {Datatype.BOOL, "[true,1.5]"}, {Datatype.BOOL, "[true,99999999999999999999]"}, {Datatype.INT16, "[1,null]"},
                {Datatype.FP32, "[1,null]"}, {Datatype.FP32, "[1,true]"}, {Datatype.FP64, "[1,false]"}, {Datatype.UINT8, "[1,\"2\"]"},
                {Datatype.FP32, "[\"" + "long string é ".repeat(10) + "\",2]"}, {Datatype.FP32, "[\"a\\\"b\\u00e9\\n\",2]"},
                {Datatype.INT32, "[1,{\"a\":1}]"}, {Datatype.INT32, "[[1],[2]]"}, {Datatype.INT32, "[1,2,3]"}, {Datatype.INT32, "[1]"},
                {Datatype.FP32, "[NaN,Infinity]"}, {Datatype.FP32, "[-Infinity,+INF]"}, {Datatype.FP64, "[-INF,+Infinity]"},
                {Datatype.FP16, "[NaN,-Infinity]"}, {Datatype.INT32, "[]"}};
        for (Object[] c : cases) {
            Datatype type = (Datatype) c[0];
            String data = (String) c[1];
            long[] shape = {data.equals("[]") ? 0 : 2};
            String json = "{\"data\":" + data + "}";
            Outcome tokens = read(json, type, shape, false, 0);
            assertThat(read(json, type, shape, true, 0)).as(type + " " + data).usingRecursiveComparison().isEqualTo(tokens);
            assertThat(read(json, type, shape, true, 1)).as(type + " " + data).usingRecursiveComparison().isEqualTo(tokens);
        }
        assertThat(read("{\"data\":[1,300]}", Datatype.UINT8, new long[] {2}, true, 0).error())
                .isEqualTo("input 'INPUT' (UINT8, shape [2]) element 1: 300 is out of range [0, 255] of UINT8");
    }

    @Test
    void negativeZeroShouldBeNegativeZeroInEveryFloatingPointDatatype() {
        for (boolean scan : new boolean[] {true, false}) {
            assertThat(read("{\"data\":[-0,-0.0,0]}", Datatype.FP32, new long[] {3}, scan, 0).data())
                    .isEqualTo(new byte[] {0, 0, 0, (byte) 0x80, 0, 0, 0, (byte) 0x80, 0, 0, 0, 0});
            assertThat(read("{\"data\":[-0,0]}", Datatype.FP16, new long[] {2}, scan, 0).data()).isEqualTo(new byte[] {0, (byte) 0x80, 0, 0});
            assertThat(read("{\"data\":[-0]}", Datatype.FP64, new long[] {1}, scan, 0).data())
                    .isEqualTo(new byte[] {0, 0, 0, 0, 0, 0, 0, (byte) 0x80});
            assertThat(read("{\"data\":[-0]}", Datatype.INT8, new long[] {1}, scan, 0).data()).isEqualTo(new byte[] {0});
        }
    }

    @Test
    void integersBeyondALongShouldBeTheNearestDouble() {
        String[] texts = {"9223372036854776833", "18446744073709551615", "9223372036854777856", "-9223372036854776833",
                "1" + "0".repeat(308), new java.math.BigDecimal(Double.MAX_VALUE).toBigInteger().toString(),
                new java.math.BigDecimal(Double.MAX_VALUE).toBigInteger().add(java.math.BigInteger.TEN.pow(290)).toString()};
        for (boolean scan : new boolean[] {true, false}) {
            for (String text : texts) {
                byte[] data = read("{\"data\":[" + text + "]}", Datatype.FP64, new long[] {1}, scan, 0).data();
                assertThat(data).as(text).isNotNull();
                assertThat(MemorySegment.ofArray(data).get(ValueLayout.JAVA_DOUBLE_UNALIGNED, 0)).as(text)
                        .isEqualTo(Double.parseDouble(text));
            }
            assertThat(read("{\"data\":[1" + "0".repeat(309) + "]}", Datatype.FP64, new long[] {1}, scan, 0).error())
                    .isEqualTo("input 'INPUT' (FP64, shape [1]) element 0: 1000000000000000000000000000000000000000... is out of range of FP64");
        }
    }

    @Test
    void mutatedDocumentsShouldBeReadAsTheTokensReadThem() {
        SplittableRandom random = new SplittableRandom(32);
        String alphabet = "[]{},:\"-+.eE0123456789 \ntfnNI";
        for (int i = 0; i < 3000; i++) {
            Datatype type = List.of(Datatype.FP32, Datatype.INT32, Datatype.UINT8, Datatype.BOOL, Datatype.INT64)
                    .get(random.nextInt(5));
            long[] shape = {1 + random.nextInt(3), 1 + random.nextInt(4)};
            StringBuilder json = new StringBuilder(document(random, type, shape, false));
            for (int m = 1 + random.nextInt(3); m > 0; m--) {
                int at = random.nextInt(json.length());
                switch (random.nextInt(3)) {
                    case 0 -> json.setCharAt(at, alphabet.charAt(random.nextInt(alphabet.length())));
                    case 1 -> json.deleteCharAt(at);
                    default -> json.insert(at, alphabet.charAt(random.nextInt(alphabet.length())));
                }
            }
            assertSame(json.toString(), type, shape, random.nextLong());
        }
    }

    /**
     * Found by the REST fuzz target (issue 32; corpus input {@code crash-token-named-up-to-the-read}): the token an
     * "Unrecognized token" names was cut where the container's read ended, so the same request was refused in other
     * words when its body came in other reads.
     */
    @Test
    void anUnrecognizedTokenShouldBeNamedTheSameHoweverTheBodyIsCut() {
        for (String data : List.of("[name\":\"B\",\"shape\":[2]]", "[tru_e_and_more_letters_than_a_read]",
                "[NaNaNaNaNaNaNaNaNaNaNaNaNaNaNaNaNaNaNaNaNaNaNaNaNaN]", "[1, nullify_every_value_of_this_tensor]")) {
            String json = "{\"data\":" + data + "}";
            Outcome whole = read(json, Datatype.FP64, new long[] {2}, true, 0);
            assertThat(whole.error()).as(data).startsWith("malformed JSON at line 1, column ").contains("Unrecognized token '");
            for (long seed = 1; seed <= 20; seed++) {
                assertThat(read(json, Datatype.FP64, new long[] {2}, true, seed).error()).as("%s, chunks of seed %d", data, seed)
                        .isEqualTo(whole.error());
            }
        }
    }

    /**
     * Found by the REST fuzz target (issue 32; corpus input {@code crash-string-read-as-far-as-the-buffer}): a string
     * where a number belongs was read for its message as far as the buffer went, so a control character 300 bytes in
     * was "malformed JSON" when the body came whole and "a string is not a FP32" when it came in small reads.
     */
    @Test
    void aStringWhereANumberBelongsShouldBeRefusedTheSameHoweverTheBodyIsCut() {
        String far = "{\"data\":[1.5,\"" + "x".repeat(300) + "\u001d\"]}";
        String near = "{\"data\":[1.5,\"" + "x".repeat(100) + "\u001d\"]}";
        Outcome farWhole = read(far, Datatype.FP32, new long[] {2}, true, 0);
        Outcome nearWhole = read(near, Datatype.FP32, new long[] {2}, true, 0);
        assertThat(farWhole.error()).startsWith("input 'INPUT' (FP32) element 1: a string \"xxxxxxxx").contains("is not a FP32");
        assertThat(nearWhole.error()).startsWith("malformed JSON at line 1, column 115: Illegal unquoted character (CTRL-CHAR, code 29)");
        for (long seed = 1; seed <= 20; seed++) {
            assertThat(read(far, Datatype.FP32, new long[] {2}, true, seed).error()).as("seed %d", seed).isEqualTo(farWhole.error());
            assertThat(read(near, Datatype.FP32, new long[] {2}, true, seed).error()).as("seed %d", seed).isEqualTo(nearWhole.error());
        }
    }

    /**
     * Found by the REST fuzz target (issue 32; corpus input {@code crash-number-length-counted-to-the-buffer-end}): a
     * number longer than the limit was refused naming how many bytes were buffered after its start (1253 read whole,
     * 1011 in small reads), not its digits.
     */
    @Test
    void aNumberOverTheLimitShouldBeRefusedNamingItsDigitsHoweverTheBodyIsCut() {
        String[][] cases = {
            {"1".repeat(1500), "1500"},
            {"-" + "2".repeat(1200) + ".5e" + "1".repeat(10) + "e5", "1211"},
            {"3".repeat(1500) + ".", "1500"},
            {"4".repeat(1020) + "E+7", "1021"},
        };
        for (String[] number : cases) {
            String json = "{\"data\":[1, " + number[0] + ", 2]}";
            String expected = "Number value length (" + number[1] + ") exceeds the maximum allowed (1000)";
            assertThat(read(json, Datatype.FP64, new long[] {3}, true, 0).error()).as(number[1]).isEqualTo("malformed JSON at line 1, "
                    + "column 13: " + expected);
            for (long seed = 1; seed <= 20; seed++) {
                assertThat(read(json, Datatype.FP64, new long[] {3}, true, seed).error()).as("%s, chunks of seed %d", number[1], seed)
                        .isEqualTo("malformed JSON at line 1, column 13: " + expected);
            }
        }
    }

    @Test
    void aJsonBodyOverTheLimitInsideTheDataShouldBeRefusedAsTooLong() {
        String json = "{\"data\":[" + "1,".repeat(10_000) + "1]}";
        Outcome outcome = read(json, Datatype.INT8, new long[] {10_001}, true, 0, 1000);
        assertThat(outcome.error()).isEqualTo("the JSON body is longer than the limit of 1000 bytes "
                + "(pinned-memory.inference.max-header-size); send tensors as binary data");
    }

    private Outcome assertSame(String json, Datatype type, long[] shape, long seed) {
        Outcome tokens = read(json, type, shape, false, 0);
        Outcome scanned = read(json, type, shape, true, 0);
        Outcome chunked = read(json, type, shape, true, seed);
        for (Outcome outcome : List.of(scanned, chunked)) {
            if (tokens.error() != null && tokens.error().startsWith("malformed JSON") && outcome.error() != null
                    && outcome.error().startsWith("malformed JSON")) {
                continue;   // the scanner's own words for a fault in the data
            }
            assertThat(outcome).as("%s %s: %s", type, Arrays.toString(shape), json).usingRecursiveComparison().isEqualTo(tokens);
        }
        return scanned;
    }

    private int scannedBytes(String json, Datatype type, long[] shape) {
        HeaderInputStream header = new HeaderInputStream(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)),
                Long.MAX_VALUE, false, true);
        try (InferenceCall call = server.open(model(type, shape.length), null);
             JsonParser parser = ProtocolJson.FACTORY.createParser(ObjectReadContext.empty(), header)) {
            parser.nextToken();
            parser.nextToken();
            parser.nextToken();
            DeclaredInput input = call.declareInput("INPUT", type.name(), shape, Map.of(), DeclaredInput.UNKNOWN_SIZE);
            call.receive(input, new JsonTensorSource(parser, input));
            assertThat(parser.currentToken()).isEqualTo(JsonToken.END_ARRAY);
            return (int) (header.offset(parser.currentLocation()) - parser.currentLocation().getByteOffset());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private Outcome read(String json, Datatype type, long[] shape, boolean scan, long chunkSeed) {
        return read(json, type, shape, scan, chunkSeed, Long.MAX_VALUE);
    }

    /**
     * Reads {@code json}, an object whose first property is {@code "data"}, as {@link InferRequestReader} reads an
     * input's data (and its faults), then the rest of the object; {@code chunkSeed} 0 hands the bytes over whole, else
     * in chunks of 1 to 40 bytes.
     */
    private Outcome read(String json, Datatype type, long[] shape, boolean scan, long chunkSeed, long limit) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        InputStream body = chunkSeed == 0 ? new ByteArrayInputStream(bytes) : new Chunks(bytes, new SplittableRandom(chunkSeed));
        HeaderInputStream header = new HeaderInputStream(body, limit == Long.MAX_VALUE ? bytes.length : limit, limit != Long.MAX_VALUE, scan);
        byte[][] data = new byte[1][];
        try (InferenceCall call = server.open(model(type, shape.length), null);
             JsonParser parser = ProtocolJson.FACTORY.createParser(ObjectReadContext.empty(), header)) {
            if (parser.nextToken() != JsonToken.START_OBJECT || parser.nextToken() != JsonToken.PROPERTY_NAME
                    || parser.nextToken() != JsonToken.START_ARRAY) {
                return new Outcome(null, "no data array");
            }
            DeclaredInput input = call.declareInput("INPUT", type.name(), shape, Map.of(), DeclaredInput.UNKNOWN_SIZE);
            JsonTensorSource source = new JsonTensorSource(parser, input);
            call.receive(input, sink -> {
                MemorySegment lease = sink.remaining();
                source.fill(sink);
                data[0] = lease.toArray(ValueLayout.JAVA_BYTE);
            });
            assertThat(parser.currentToken()).as("the parser on the data's end").isEqualTo(JsonToken.END_ARRAY);
            while (parser.nextToken() != null) {
                // the rest of the document, as the reader reads it
            }
            return new Outcome(data[0], null);
        } catch (InferenceException e) {
            return new Outcome(null, e.getMessage());
        } catch (JacksonIOException e) {
            if (e.getCause() instanceof HeaderInputStream.TooLong tooLong) {
                return new Outcome(null, tooLong.getMessage());
            }
            throw e;
        } catch (StreamReadException e) {
            return new Outcome(null, "malformed JSON at " + header.where(e.getLocation()) + ": " + e.getOriginalMessage());
        } catch (JacksonException e) {
            return new Outcome(null, "malformed JSON: " + e.getOriginalMessage().replaceAll(", from `[^`]*`", ""));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static String model(Datatype type, int rank) {
        return "t_" + type.name().toLowerCase(java.util.Locale.ROOT) + "_" + rank;
    }

    private static long[] shape(SplittableRandom random) {
        long[] shape = new long[1 + random.nextInt(3)];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = random.nextInt(5);
        }
        return shape;
    }

    /** {@return {"data": ..., ...} with the elements of {@code shape}, nested or flat, in random forms; some not of the datatype} */
    private static String document(SplittableRandom random, Datatype type, long[] shape, boolean foreign) {
        StringBuilder json = new StringBuilder("{").append(space(random)).append("\"data\"").append(space(random)).append(':')
                .append(space(random));
        boolean nested = random.nextBoolean();
        if (nested) {
            nest(json, random, type, shape, 0, foreign);
        } else {
            long count = 1;
            for (long dimension : shape) {
                count *= dimension;
            }
            json.append('[');
            for (long i = 0; i < count; i++) {
                json.append(i == 0 ? "" : ",").append(space(random)).append(element(random, type, foreign)).append(space(random));
            }
            json.append(']');
        }
        json.append(space(random)).append(",\"after\":").append(space(random))
                .append(random.nextBoolean() ? "[1, {\"data\": [2, \"x\"]}, \"y\"]" : "{\"k\": [true, null]}").append(space(random)).append('}');
        return json.toString();
    }

    private static void nest(StringBuilder json, SplittableRandom random, Datatype type, long[] shape, int level, boolean foreign) {
        json.append('[');
        for (long i = 0; i < shape[level]; i++) {
            json.append(i == 0 ? "" : ",").append(space(random));
            if (level + 1 < shape.length) {
                nest(json, random, type, shape, level + 1, foreign);
            } else {
                json.append(element(random, type, foreign));
            }
            json.append(space(random));
        }
        json.append(']');
    }

    private static String space(SplittableRandom random) {
        return switch (random.nextInt(12)) {
            case 0 -> " ";
            case 1 -> "\n  ";
            case 2 -> "\r\n";
            case 3 -> "\t";
            case 4 -> "\r";
            default -> "";
        };
    }

    private static String element(SplittableRandom random, Datatype type, boolean foreign) {
        if (foreign && random.nextInt(8) == 0) {
            return List.of("null", "true", "\"s\"", "{}", "1.5", "-7", "NaN", "1e400", "300", "-Infinity", "1.5e300",
                    "3.4028235e38", "65520", "99999999999999999999").get(random.nextInt(14));
        }
        return switch (type) {
            case BOOL -> random.nextBoolean() ? "true" : "false";
            case UINT8 -> Integer.toString(random.nextInt(256));
            case INT8 -> Integer.toString(random.nextInt(-128, 128));
            case UINT16 -> Integer.toString(random.nextInt(65536));
            case INT16 -> Integer.toString(random.nextInt(-32768, 32768));
            case UINT32 -> Long.toString(random.nextLong(1L << 32));
            case INT32 -> Integer.toString(random.nextInt());
            case UINT64 -> random.nextBoolean() ? Long.toUnsignedString(random.nextLong()) : Long.toString(random.nextLong(1000));
            case INT64 -> Long.toString(random.nextLong());
            case FP16 -> random.nextInt(8) == 0 ? "NaN" : Float.toString(random.nextFloat() * 1e4f - 5e3f).replace('E', 'e');
            default -> switch (random.nextInt(8)) {
                case 0 -> Integer.toString(random.nextInt(-100_000, 100_000));
                case 1 -> Float.toString(random.nextFloat() * 100f).replace('E', 'e');
                case 2 -> Double.toString((double) Float.intBitsToFloat(random.nextInt() & 0x7EFF_FFFF)).replace('E', 'e');
                case 3 -> Double.toString(random.nextDouble() * 1e6 - 5e5).replace('E', 'e');
                case 4 -> List.of("NaN", "Infinity", "-Infinity", "1e-45", "-0.0", "3.3895e38", "0.0001").get(random.nextInt(7));
                default -> Float.toString(Float.intBitsToFloat(random.nextInt() & 0x7EFF_FFFF)).replace('E', 'e');
            };
        };
    }

    private static float[] floats(byte @Nullable [] data) {
        MemorySegment segment = MemorySegment.ofArray(data);
        float[] values = new float[data.length / 4];
        for (int i = 0; i < values.length; i++) {
            values[i] = segment.get(TestModels.FLOAT, 4L * i);
        }
        return values;
    }

    /** A body that comes in chunks of 1 to 40 bytes, as a socket may hand it over. */
    private static final class Chunks extends InputStream {
        private final byte[] bytes;
        private final SplittableRandom random;
        private int position;

        Chunks(byte[] bytes, SplittableRandom random) {
            this.bytes = bytes;
            this.random = random;
        }

        @Override
        public int read() {
            return position < bytes.length ? bytes[position++] & 0xFF : -1;
        }

        @Override
        public int read(byte[] target, int offset, int length) {
            if (position >= bytes.length) {
                return -1;
            }
            int count = Math.min(Math.min(length, 1 + random.nextInt(40)), bytes.length - position);
            System.arraycopy(bytes, position, target, offset, count);
            position += count;
            return count;
        }
    }
}
