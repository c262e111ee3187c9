package dev.pinnedmemory.inference.rest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.pinnedmemory.inference.FuzzCorpus;

/**
 * The REST fuzz target's seed corpus: raw HTTP requests, byte for byte as the protocol's examples and
 * Triton's clients write them (the requests of {@code RestInferTests} and {@code RestErrorTests}), aimed at
 * the fuzz server's models ({@code FuzzServer}). Committed under
 * {@code src/test/resources/dev/pinnedmemory/inference/rest/RestInferFuzzTestsInputs/restRequest/};
 * {@link #main} writes them there again after a change here ({@code RestInferFuzzTests} checks that the
 * committed files hold every seed).
 */
final class RestSeeds {

    private RestSeeds() {
    }

    /** Writes every seed into the directory {@code args[0]}. */
    public static void main(String[] args) throws IOException {
        FuzzCorpus.write(args[0], all());
    }

    /** {@return every seed by its file name} */
    static Map<String, byte[]> all() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        // The protocol's JSON example as written (its BOOL input has 1 element for shape [3]) and corrected.
        String example = SpecExamples.JSON;
        seeds.put("spec-json-example", post("/v2/models/mymodel/infer", example, "Content-Type: application/json"));
        seeds.put("spec-json-example-corrected", post("/v2/models/mymodel/infer",
                example.replace("[ true ]", "[ true, false, true ]"), "Content-Type: application/json"));
        // The binary tensor data extension's example: 19 bytes of binary data after a pretty-printed header.
        String binaryExample = SpecExamples.BINARY_HEADER;
        seeds.put("spec-binary-example", postBinary("/v2/models/mymodel/infer", binaryExample,
                le(16 + 3).putInt(1).putInt(2).putInt(3).putInt(4).put((byte) 1).put((byte) 0).put((byte) 1).array(),
                "Content-Type: application/octet-stream"));
        // tritonclient.http as simple_http_infer_client.py uses it: compact JSON, no Content-Type.
        ByteBuffer inputs = le(128);
        for (int i = 0; i < 16; i++) {
            inputs.putInt(i);
        }
        for (int i = 0; i < 16; i++) {
            inputs.putInt(1);
        }
        String triton = "{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":[1,16],\"datatype\":\"INT32\",\"parameters\":"
                + "{\"binary_data_size\":64}},{\"name\":\"INPUT1\",\"shape\":[1,16],\"datatype\":\"INT32\",\"parameters\":"
                + "{\"binary_data_size\":64}}],\"outputs\":[{\"name\":\"OUTPUT0\",\"parameters\":{\"binary_data\":true}},"
                + "{\"name\":\"OUTPUT1\",\"parameters\":{\"binary_data\":false}}]}";
        seeds.put("triton-simple-binary", postBinary("/v2/models/simple/infer", triton, inputs.array()));
        seeds.put("triton-binary-data-output", postBinary("/v2/models/simple/versions/1/infer",
                "{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":[1,16],\"datatype\":\"INT32\",\"parameters\":"
                        + "{\"binary_data_size\":64}},{\"name\":\"INPUT1\",\"shape\":[1,16],\"datatype\":\"INT32\",\"parameters\":"
                        + "{\"binary_data_size\":64}}],\"parameters\":{\"binary_data_output\":true}}", new byte[128]));
        StringBuilder nested = new StringBuilder("[[");
        for (int i = 0; i < 16; i++) {
            nested.append(i == 0 ? "" : ",").append(10 * i);
        }
        ByteBuffer ones = le(64);
        for (int i = 0; i < 16; i++) {
            ones.putInt(1);
        }
        seeds.put("triton-mixed-json-and-binary", postBinary("/v2/models/simple/infer",
                "{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":[1,16],\"datatype\":\"INT32\",\"data\":" + nested.append("]]")
                        + "},{\"name\":\"INPUT1\",\"shape\":[1,16],\"datatype\":\"INT32\",\"parameters\":{\"binary_data_size\":64}}],"
                        + "\"outputs\":[{\"name\":\"OUTPUT0\"}]}", ones.array()));
        // Every datatype as JSON, as RestInferTests sends it.
        jsonEcho(seeds, "bool", "BOOL", "[true,false,true]");
        jsonEcho(seeds, "uint8", "UINT8", "[0,255,7]");
        jsonEcho(seeds, "uint16", "UINT16", "[0,65535,7]");
        jsonEcho(seeds, "uint32", "UINT32", "[0,4294967295,7]");
        jsonEcho(seeds, "uint64", "UINT64", "[0,18446744073709551615,7]");
        jsonEcho(seeds, "int8", "INT8", "[-128,127,-1]");
        jsonEcho(seeds, "int16", "INT16", "[-32768,32767,-1]");
        jsonEcho(seeds, "int32", "INT32", "[-2147483648,2147483647,-1]");
        jsonEcho(seeds, "int64", "INT64", "[-9223372036854775808,9223372036854775807,-1]");
        jsonEcho(seeds, "fp16", "FP16", "[1.5,-2.0,65504]");
        jsonEcho(seeds, "bf16", "BF16", "[1.5,-2.0,256]");
        jsonEcho(seeds, "fp32", "FP32", "[1.5,-2,3.4028235e38]");
        jsonEcho(seeds, "fp64", "FP64", "[1.5,-2,1e300]");
        jsonEcho(seeds, "bytes", "BYTES", "[\"hello\",\"\",\"gr\\u00fc\\u00df\"]");
        seeds.put("json-fp32-non-finite", post("/v2/models/echo_fp32/infer", "{\"inputs\":[{\"name\":\"INPUT\",\"shape\":[3],"
                + "\"datatype\":\"FP32\",\"data\":[NaN,Infinity,-Infinity]}]}"));
        seeds.put("json-fp32-empty", post("/v2/models/echo_fp32/infer",
                "{\"inputs\":[{\"name\":\"INPUT\",\"shape\":[0],\"datatype\":\"FP32\",\"data\":[]}]}"));
        // Every datatype as binary, five elements each, every output asked binary.
        String[][] binaryTypes = {{"bool", "BOOL", "1"}, {"uint8", "UINT8", "1"}, {"uint16", "UINT16", "2"},
                {"uint32", "UINT32", "4"}, {"uint64", "UINT64", "8"}, {"int8", "INT8", "1"}, {"int16", "INT16", "2"},
                {"int32", "INT32", "4"}, {"int64", "INT64", "8"}, {"fp16", "FP16", "2"}, {"bf16", "BF16", "2"},
                {"fp32", "FP32", "4"}, {"fp64", "FP64", "8"}};
        for (String[] type : binaryTypes) {
            byte[] data = new byte[5 * Integer.parseInt(type[2])];
            for (int i = 0; i < data.length; i++) {
                data[i] = type[1].equals("BOOL") ? (byte) (i % 2) : (byte) (i * 37 + 11);
            }
            seeds.put("binary-" + type[0], postBinary("/v2/models/echo_" + type[0] + "/infer", "{\"inputs\":[{\"name\":\"INPUT\","
                    + "\"shape\":[5],\"datatype\":\"" + type[1] + "\",\"parameters\":{\"binary_data_size\":" + data.length
                    + "}}],\"parameters\":{\"binary_data_output\":true}}", data));
        }
        seeds.put("binary-bytes", postBinary("/v2/models/echo_bytes/infer", "{\"inputs\":[{\"name\":\"INPUT\","
                + "\"shape\":[2],\"datatype\":\"BYTES\",\"parameters\":{\"binary_data_size\":13}}],\"outputs\":[{\"name\":"
                + "\"OUTPUT\",\"parameters\":{\"binary_data\":false}}]}", new byte[] {5, 0, 0, 0, 'h', 'e', 'l', 'l', 'o', 0, 0, 0, 0}));
        // A chunked binary request (no Content-Length; the container has de-chunked the body).
        String chunkedHeader = "{\"inputs\":[{\"name\":\"INPUT\",\"shape\":[2],\"datatype\":\"FP32\",\"parameters\":{\"binary_data_size\":8}}]}";
        seeds.put("binary-chunked", request("POST", "/v2/models/echo_fp32/infer", -1,
                concat(chunkedHeader.getBytes(StandardCharsets.UTF_8), le(8).putFloat(2.5f).putFloat(4f).array()),
                "Inference-Header-Content-Length: " + chunkedHeader.length(), "Transfer-Encoding: chunked"));
        seeds.put("json-parameters-and-outputs", post("/v2/models/echo_int8/infer", "{\"id\":\"req-7\",\"parameters\":"
                + "{\"priority\":2,\"note\":\"hi\",\"exact\":true,\"ratio\":0.5},\"inputs\":[{\"name\":\"INPUT\",\"shape\":[1],"
                + "\"datatype\":\"INT8\",\"data\":[3]}],\"outputs\":[{\"name\":\"OUTPUT\",\"parameters\":{\"binary_data\":false}},"
                + "{\"name\":\"CHECKSUM\",\"parameters\":{\"binary_data\":true}}],\"unknown\":{\"a\":[1]}}"));
        // A model with versions, a matrix, strings and flags, nested and mixed.
        String gridHeader = "{\"model_name\":\"grid\",\"model_version\":\"2\",\"inputs\":[{\"name\":\"A\",\"shape\":[2,2],"
                + "\"datatype\":\"FP64\",\"data\":[[1.5,-2],[1e-300,4]]},{\"name\":\"B\",\"shape\":[2],\"datatype\":\"BYTES\","
                + "\"parameters\":{\"binary_data_size\":11}},{\"name\":\"C\",\"shape\":[2],\"datatype\":\"BOOL\",\"data\":[false,true]}],"
                + "\"outputs\":[{\"name\":\"OUTPUT\",\"parameters\":{\"binary_data\":true}},{\"name\":\"COPY\"}]}";
        seeds.put("grid-mixed-versioned", postBinary("/v2/models/grid/versions/2/infer", gridHeader,
                new byte[] {3, 0, 0, 0, 'a', 'b', 'c', 0, 0, 0, 0}));
        // Triton's other endpoints, which read a body too (the repository index) or none.
        seeds.put("repository-index-empty", request("POST", "/v2/repository/index", 0, new byte[0]));
        seeds.put("repository-index-ready", post("/v2/repository/index", "{\"ready\": true}"));
        seeds.put("model-metadata", request("GET", "/v2/models/grid/versions/1", -1, new byte[0]));
        seeds.put("model-ready", request("GET", "/v2/models/simple/ready", -1, new byte[0]));
        seeds.put("server-metadata", request("GET", "/v2", -1, new byte[0]));
        // What RestErrorTests sends: malformed JSON, bad header lengths, sizes that do not add up, hostile structures.
        seeds.put("error-malformed-json", post("/v2/models/simple/infer", "{\"inputs\":[{\"name\":\"INPUT0\",}]}"));
        seeds.put("error-header-length-not-a-number", request("POST", "/v2/models/simple/infer", 2, "{}".getBytes(StandardCharsets.UTF_8),
                "Inference-Header-Content-Length: many"));
        seeds.put("error-header-length-over-body", request("POST", "/v2/models/simple/infer", 2, "{}".getBytes(StandardCharsets.UTF_8),
                "Inference-Header-Content-Length: 3"));
        seeds.put("error-binary-without-header-length", post("/v2/models/echo_fp32/infer", "{\"inputs\":[{\"name\":\"INPUT\","
                + "\"shape\":[1],\"datatype\":\"FP32\",\"parameters\":{\"binary_data_size\":4}}]}"));
        seeds.put("error-binary-size-over-pool", postBinary("/v2/models/echo_uint8/infer", "{\"inputs\":[{\"name\":\"INPUT\","
                + "\"shape\":[4096],\"datatype\":\"UINT8\",\"parameters\":{\"binary_data_size\":4096}}]}", new byte[8]));
        // The client goes away after 4 of its 8 bytes of binary data.
        seeds.put("error-client-goes-away", request("POST", "/v2/models/echo_fp32/infer", chunkedHeader.length() + 8,
                concat(chunkedHeader.getBytes(StandardCharsets.UTF_8), new byte[4]),
                "Inference-Header-Content-Length: " + chunkedHeader.length()));
        seeds.put("error-content-length-does-not-add-up", request("POST", "/v2/models/echo_fp32/infer", 400,
                concat(chunkedHeader.getBytes(StandardCharsets.UTF_8), new byte[8]),
                "Inference-Header-Content-Length: " + chunkedHeader.length()));
        seeds.put("error-out-of-range", post("/v2/models/echo_uint8/infer",
                "{\"inputs\":[{\"name\":\"INPUT\",\"shape\":[2],\"datatype\":\"UINT8\",\"data\":[7,300]}]}"));
        seeds.put("error-not-an-integer", post("/v2/models/echo_int32/infer",
                "{\"inputs\":[{\"name\":\"INPUT\",\"shape\":[1],\"datatype\":\"INT32\",\"data\":[1.5]}]}"));
        seeds.put("error-shape-overflow", post("/v2/models/echo_fp32/infer",
                "{\"inputs\":[{\"name\":\"INPUT\",\"shape\":[4611686018427387904],\"datatype\":\"FP32\",\"data\":[1]}]}"));
        seeds.put("error-nested-deeper-than-shape", post("/v2/models/echo_int16/infer",
                "{\"inputs\":[{\"name\":\"INPUT\",\"shape\":[2],\"datatype\":\"INT16\",\"data\":[[1],[2]]}]}"));
        seeds.put("error-deep-nesting", post("/v2/models/simple/infer", "{\"inputs\":" + "[".repeat(200) + "]".repeat(200) + "}"));
        seeds.put("error-duplicate-input", post("/v2/models/echo_bool/infer", "{\"inputs\":[{\"name\":\"INPUT\",\"shape\":[1],"
                + "\"datatype\":\"BOOL\",\"data\":[true]},{\"name\":\"INPUT\",\"shape\":[1],\"datatype\":\"BOOL\",\"data\":[false]}]}"));
        seeds.put("error-unknown-model", post("/v2/models/nope/infer", "{\"inputs\":[]}"));
        return seeds;
    }

    private static void jsonEcho(Map<String, byte[]> seeds, String model, String datatype, String data) {
        seeds.put("json-" + model, post("/v2/models/echo_" + model + "/infer", "{\"inputs\":[{\"name\":\"INPUT\",\"shape\":[3],"
                + "\"datatype\":\"" + datatype + "\",\"data\":" + data + "}]}", "Content-Type: application/json"));
    }

    private static byte[] post(String path, String json, String... headers) {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        return request("POST", path, body.length, body, headers);
    }

    /** A JSON header and binary data after it, with {@code Inference-Header-Content-Length}, as Triton's clients send them. */
    private static byte[] postBinary(String path, String json, byte[] binary, String... headers) {
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        String[] all = new String[headers.length + 1];
        all[0] = "Inference-Header-Content-Length: " + header.length;
        System.arraycopy(headers, 0, all, 1, headers.length);
        byte[] body = concat(header, binary);
        return request("POST", path, body.length, body, all);
    }

    private static byte[] request(String method, String path, long contentLength, byte[] body, String... headers) {
        StringBuilder head = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: localhost:8000\r\n");
        for (String header : headers) {
            head.append(header).append("\r\n");
        }
        if (contentLength >= 0) {
            head.append("Content-Length: ").append(contentLength).append("\r\n");
        }
        return concat(head.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII), body);
    }

    private static byte[] concat(byte[] first, byte[] second) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(first.length + second.length);
        out.writeBytes(first);
        out.writeBytes(second);
        return out.toByteArray();
    }

    private static ByteBuffer le(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }
}
