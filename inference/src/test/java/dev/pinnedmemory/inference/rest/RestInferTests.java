package dev.pinnedmemory.inference.rest;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.inference.InferenceModel;
import dev.pinnedmemory.inference.TestModels;
import dev.pinnedmemory.inference.TestPools;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.skyscreamer.jsonassert.JSONAssert;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Inference over REST as the protocol's clients send it, byte for byte: the examples of the protocol and of
 * its binary tensor data extension, the requests Triton's Python client ({@code tritonclient.http}, compact
 * {@code rapidjson} JSON, no Content-Type) writes, JSON, binary and mixed, every datatype both ways, JSON and
 * binary outputs. After every test each lease is back in the pool, exactly once.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RestInferTests {

    private PinnedMemoryPool<byte[]> pool;
    private RestTestServer server;
    private RawHttp http;
    private TestModels.Scripted myModel;

    @BeforeAll
    void start() throws IOException {
        pool = TestPools.tensors(1 << 20);
        myModel = ProtocolModels.myModel();
        List<InferenceModel> models = new ArrayList<>(List.of(myModel, ProtocolModels.simple(pool)));
        models.addAll(ProtocolModels.echoes());
        server = new RestTestServer(pool, models);
        http = server.client();
    }

    @AfterEach
    void balanced() {
        TestPools.assertBalanced(pool);
    }

    @AfterAll
    void stop() throws IOException {
        http.close();
        server.close();
        pool.close();
    }

    /** The protocol's JSON example, as written: its BOOL input has 1 element for shape [3], which the protocol refuses. */
    @Test
    void theProtocolsJsonExampleShouldBeRefusedForItsElementCountAndAnsweredOnceCorrected() throws Exception {
        String example = SpecExamples.JSON;
        RawHttp.Response refused = http.post("/v2/models/mymodel/infer", example.getBytes(StandardCharsets.UTF_8),
                "Content-Type: application/json");
        assertThat(refused.status()).isEqualTo(400);
        JSONAssert.assertEquals("{\"error\":\"input 'input1' (BOOL, shape [3]): 1 elements, but the shape holds 3\"}",
                refused.text(), true);

        RawHttp.Response answer = http.post("/v2/models/mymodel/infer",
                example.replace("[ true ]", "[ true, false, true ]").getBytes(StandardCharsets.UTF_8),
                "Content-Type: application/json");
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.header("Content-Type")).startsWith("application/json");
        assertThat(answer.header("Content-Length")).as("a small answer goes out whole, not chunked").isNotNull();
        JSONAssert.assertEquals("""
                {"model_name":"mymodel","id":"42","outputs":[{"name":"output0","shape":[3,2],"datatype":"FP32",
                 "data":[1.0,1.1,2.0,2.1,3.0,3.1]}]}""", answer.text(), true);
        assertThat(myModel.last.get().input("input0").data().get(ProtocolModels.INT, 12)).isEqualTo(4);
        assertThat(myModel.last.get().input("input1").data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE))
                .containsExactly(1, 0, 1);
    }

    /** The binary tensor data extension's example, as written: 19 bytes of binary data after a pretty-printed header. */
    @Test
    void theBinaryExtensionsExampleShouldBeAnsweredWithABinaryOutput() throws Exception {
        String header = SpecExamples.BINARY_HEADER;
        ByteBuffer binary = ByteBuffer.allocate(19).order(ByteOrder.LITTLE_ENDIAN).putInt(1).putInt(2).putInt(3).putInt(4)
                .put((byte) 1).put((byte) 0).put((byte) 1);
        RawHttp.Response answer = http.postBinary("/v2/models/mymodel/infer", header, binary.array(),
                "Content-Type: application/octet-stream");
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.header("Content-Type")).isEqualTo("application/octet-stream");
        assertThat(Long.parseLong(answer.header("Content-Length")))
                .isEqualTo(Long.parseLong(answer.header("Inference-Header-Content-Length")) + 24);
        JSONAssert.assertEquals("""
                {"model_name":"mymodel","outputs":[{"name":"output0","shape":[3,2],"datatype":"FP32",
                 "parameters":{"binary_data_size":24}}]}""", answer.json(), true);
        ByteBuffer output = answer.binary();
        assertThat(output.remaining()).isEqualTo(24);
        assertThat(output.getFloat(4)).isEqualTo(1.1f);
        assertThat(myModel.last.get().input("input0").data().isNative()).as("a pinned lease").isTrue();
    }

    /** What {@code tritonclient.http} sends for Triton's simple_http_infer_client.py: binary inputs, one output binary, one JSON. */
    @Test
    void tritonsPythonClientRequestShouldBeAnsweredAsTritonAnswersIt() throws Exception {
        String header = "{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":[1,16],\"datatype\":\"INT32\",\"parameters\":"
                + "{\"binary_data_size\":64}},{\"name\":\"INPUT1\",\"shape\":[1,16],\"datatype\":\"INT32\",\"parameters\":"
                + "{\"binary_data_size\":64}}],\"outputs\":[{\"name\":\"OUTPUT0\",\"parameters\":{\"binary_data\":true}},"
                + "{\"name\":\"OUTPUT1\",\"parameters\":{\"binary_data\":false}}]}";
        ByteBuffer inputs = ByteBuffer.allocate(128).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 16; i++) {
            inputs.putInt(i);
        }
        for (int i = 0; i < 16; i++) {
            inputs.putInt(1);
        }
        RawHttp.Response answer = http.postBinary("/v2/models/simple/infer", header, inputs.array());
        assertThat(answer.status()).isEqualTo(200);
        JSONAssert.assertEquals("""
                {"model_name":"simple","model_version":"1","outputs":[
                 {"name":"OUTPUT0","datatype":"INT32","shape":[1,16],"parameters":{"binary_data_size":64}},
                 {"name":"OUTPUT1","datatype":"INT32","shape":[1,16],"data":[-1,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14]}]}""",
                answer.json(), true);
        ByteBuffer sum = answer.binary();
        for (int i = 0; i < 16; i++) {
            assertThat(sum.getInt(i * 4)).isEqualTo(i + 1);
        }
    }

    /** {@code tritonclient.http} without requested outputs sets {@code binary_data_output}: every output binary, in the model's order. */
    @Test
    void binaryDataOutputShouldMakeEveryOutputBinary() throws Exception {
        String header = "{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":[1,16],\"datatype\":\"INT32\",\"parameters\":"
                + "{\"binary_data_size\":64}},{\"name\":\"INPUT1\",\"shape\":[1,16],\"datatype\":\"INT32\",\"parameters\":"
                + "{\"binary_data_size\":64}}],\"parameters\":{\"binary_data_output\":true}}";
        RawHttp.Response answer = http.postBinary("/v2/models/simple/versions/1/infer", header, new byte[128]);
        assertThat(answer.status()).isEqualTo(200);
        JSONAssert.assertEquals("""
                {"model_name":"simple","model_version":"1","outputs":[
                 {"name":"OUTPUT0","datatype":"INT32","shape":[1,16],"parameters":{"binary_data_size":64}},
                 {"name":"OUTPUT1","datatype":"INT32","shape":[1,16],"parameters":{"binary_data_size":64}}]}""",
                answer.json(), true);
        assertThat(answer.binary().remaining()).isEqualTo(128);
    }

    /** One input as JSON, one as binary, in one request; nested JSON data in row-major order. */
    @Test
    void aMixedRequestShouldTakeJsonAndBinaryInputsTogether() throws Exception {
        StringBuilder nested = new StringBuilder("[[");
        for (int i = 0; i < 16; i++) {
            nested.append(i == 0 ? "" : ",").append(10 * i);
        }
        nested.append("]]");
        String header = "{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":[1,16],\"datatype\":\"INT32\",\"data\":" + nested
                + "},{\"name\":\"INPUT1\",\"shape\":[1,16],\"datatype\":\"INT32\",\"parameters\":{\"binary_data_size\":64}}],"
                + "\"outputs\":[{\"name\":\"OUTPUT0\"}]}";
        ByteBuffer ones = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 16; i++) {
            ones.putInt(1);
        }
        RawHttp.Response answer = http.postBinary("/v2/models/simple/infer", header, ones.array());
        assertThat(answer.status()).isEqualTo(200);
        JSONAssert.assertEquals("""
                {"model_name":"simple","model_version":"1","outputs":[{"name":"OUTPUT0","datatype":"INT32","shape":[1,16],
                 "data":[1,11,21,31,41,51,61,71,81,91,101,111,121,131,141,151]}]}""", answer.text(), true);
    }

    @Test
    void everyDatatypeShouldGoInAndOutAsJson() throws Exception {
        assertJsonEcho("bool", "BOOL", "[true,false,true]", "[true,false,true]");
        assertJsonEcho("uint8", "UINT8", "[0,255,7]", "[0,255,7]");
        assertJsonEcho("uint16", "UINT16", "[0,65535,7]", "[0,65535,7]");
        assertJsonEcho("uint32", "UINT32", "[0,4294967295,7]", "[0,4294967295,7]");
        assertJsonEcho("uint64", "UINT64", "[0,18446744073709551615,7]", "[0,18446744073709551615,7]");
        assertJsonEcho("int8", "INT8", "[-128,127,-1]", "[-128,127,-1]");
        assertJsonEcho("int16", "INT16", "[-32768,32767,-1]", "[-32768,32767,-1]");
        assertJsonEcho("int32", "INT32", "[-2147483648,2147483647,-1]", "[-2147483648,2147483647,-1]");
        assertJsonEcho("int64", "INT64", "[-9223372036854775808,9223372036854775807,-1]",
                "[-9223372036854775808,9223372036854775807,-1]");
        assertJsonEcho("fp16", "FP16", "[1.5,-2.0,65504]", "[1.5,-2.0,65504.0]");
        assertJsonEcho("bf16", "BF16", "[1.5,-2.0,256]", "[1.5,-2.0,256.0]");
        assertJsonEcho("fp32", "FP32", "[1.5,-2,3.4028235e38]", "[1.5,-2.0,3.4028235E38]");
        assertJsonEcho("fp64", "FP64", "[1.5,-2,1e300]", "[1.5,-2.0,1.0E300]");
        assertJsonEcho("bytes", "BYTES", "[\"hello\",\"\",\"gr\\u00fc\\u00df\"]", "[\"hello\",\"\",\"grüß\"]");
    }

    @Test
    void nonFiniteNumbersShouldGoInAndOutAsPythonWritesThem() throws Exception {
        RawHttp.Response answer = http.post("/v2/models/echo_fp32/infer", ("{\"inputs\":[{\"name\":\"INPUT\",\"shape\":[3],"
                + "\"datatype\":\"FP32\",\"data\":[NaN,Infinity,-Infinity]}]}").getBytes(StandardCharsets.UTF_8));
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.text()).contains("\"data\":[NaN,Infinity,-Infinity]");
    }

    @Test
    void everyDatatypeShouldGoInAndOutAsBinary() throws Exception {
        for (String[] type : new String[][] {{"bool", "BOOL", "1"}, {"uint8", "UINT8", "1"}, {"uint16", "UINT16", "2"},
                {"uint32", "UINT32", "4"}, {"uint64", "UINT64", "8"}, {"int8", "INT8", "1"}, {"int16", "INT16", "2"},
                {"int32", "INT32", "4"}, {"int64", "INT64", "8"}, {"fp16", "FP16", "2"}, {"bf16", "BF16", "2"},
                {"fp32", "FP32", "4"}, {"fp64", "FP64", "8"}}) {
            int size = Integer.parseInt(type[2]);
            byte[] data = new byte[5 * size];
            for (int i = 0; i < data.length; i++) {
                data[i] = type[1].equals("BOOL") ? (byte) (i % 2) : (byte) (i * 37 + 11);
            }
            String header = "{\"inputs\":[{\"name\":\"INPUT\",\"shape\":[5],\"datatype\":\"" + type[1]
                    + "\",\"parameters\":{\"binary_data_size\":" + data.length + "}}],\"parameters\":{\"binary_data_output\":true}}";
            RawHttp.Response answer = http.postBinary("/v2/models/echo_" + type[0] + "/infer", header, data);
            assertThat(answer.status()).as(type[1] + ": " + answer.text()).isEqualTo(200);
            JSONAssert.assertEquals("{\"model_name\":\"echo_" + type[0] + "\",\"outputs\":[{\"name\":\"OUTPUT\",\"datatype\":\""
                    + type[1] + "\",\"shape\":[5],\"parameters\":{\"binary_data_size\":" + data.length + "}}]}", answer.json(), true);
            byte[] echoed = new byte[data.length];
            answer.binary().get(echoed);
            assertThat(echoed).as(type[1]).containsExactly(data);
        }
        byte[] strings = {5, 0, 0, 0, 'h', 'e', 'l', 'l', 'o', 0, 0, 0, 0};
        RawHttp.Response answer = http.postBinary("/v2/models/echo_bytes/infer", "{\"inputs\":[{\"name\":\"INPUT\","
                + "\"shape\":[2],\"datatype\":\"BYTES\",\"parameters\":{\"binary_data_size\":13}}],\"outputs\":[{\"name\":"
                + "\"OUTPUT\",\"parameters\":{\"binary_data\":false}}]}", strings);
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.text()).contains("\"data\":[\"hello\",\"\"]");
    }

    @Test
    void emptyTensorsShouldBeServedWithoutARent() throws Exception {
        long rents = pool.stats().rents();
        RawHttp.Response answer = http.post("/v2/models/echo_fp32/infer",
                "{\"inputs\":[{\"name\":\"INPUT\",\"shape\":[0],\"datatype\":\"FP32\",\"data\":[]}]}".getBytes(StandardCharsets.UTF_8));
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.text()).contains("\"shape\":[0],\"data\":[]");
        assertThat(pool.stats().rents()).isEqualTo(rents);
    }

    @Test
    void aChunkedBinaryRequestShouldBeReadToItsLastDeclaredByte() throws Exception {
        String header = "{\"inputs\":[{\"name\":\"INPUT\",\"shape\":[2],\"datatype\":\"FP32\",\"parameters\":{\"binary_data_size\":8}}]}";
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        byte[] data = TestModels.floats(2.5f, 4f).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        byte[] body = new byte[json.length + data.length];
        System.arraycopy(json, 0, body, 0, json.length);
        System.arraycopy(data, 0, body, json.length, data.length);
        http.send(RawHttp.head("/v2/models/echo_fp32/infer", -1, "Inference-Header-Content-Length: " + json.length,
                "Transfer-Encoding: chunked"));
        http.send((Integer.toHexString(body.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        http.send(body);
        http.send("\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        RawHttp.Response answer = http.read();
        assertThat(answer.status()).as(answer.text()).isEqualTo(200);
        assertThat(answer.text()).contains("\"data\":[2.5,4.0]");
    }

    @Test
    void requestAndOutputParametersShouldReachTheModelAndTheClient() throws Exception {
        RawHttp.Response answer = http.post("/v2/models/echo_int8/infer", ("{\"id\":\"req-7\",\"parameters\":{\"priority\":2,"
                + "\"note\":\"hi\",\"exact\":true,\"ratio\":0.5},\"inputs\":[{\"name\":\"INPUT\",\"shape\":[1],\"datatype\":\"INT8\","
                + "\"data\":[3]}],\"outputs\":[{\"name\":\"OUTPUT\",\"parameters\":{\"binary_data\":false}}],\"unknown\":{\"a\":[1]}}")
                .getBytes(StandardCharsets.UTF_8));
        assertThat(answer.status()).isEqualTo(200);
        JSONAssert.assertEquals("{\"model_name\":\"echo_int8\",\"id\":\"req-7\",\"outputs\":[{\"name\":\"OUTPUT\","
                + "\"datatype\":\"INT8\",\"shape\":[1],\"data\":[3]}]}", answer.text(), true);
    }

    private void assertJsonEcho(String model, String datatype, String data, String expected) throws Exception {
        String request = "{\"inputs\":[{\"name\":\"INPUT\",\"shape\":[3],\"datatype\":\"" + datatype + "\",\"data\":" + data + "}]}";
        RawHttp.Response answer = http.post("/v2/models/echo_" + model + "/infer", request.getBytes(StandardCharsets.UTF_8),
                "Content-Type: application/json");
        assertThat(answer.status()).as(datatype + ": " + answer.text()).isEqualTo(200);
        JSONAssert.assertEquals("{\"model_name\":\"echo_" + model + "\",\"outputs\":[{\"name\":\"OUTPUT\",\"datatype\":\""
                + datatype + "\",\"shape\":[3],\"data\":" + expected + "}]}", answer.text(), true);
    }
}
