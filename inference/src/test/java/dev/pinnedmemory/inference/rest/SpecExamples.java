package dev.pinnedmemory.inference.rest;

/**
 * The Open Inference Protocol's REST examples, as its specification writes them (pretty-printed): what the
 * conformance tests send and the REST fuzz target's seeds start from. Constants only.
 */
final class SpecExamples {

    /** The JSON request example as written: its BOOL input has 1 element for shape [3] (a 400 until corrected). */
    static final String JSON = """
            {
              "id" : "42",
              "inputs" : [
                {
                  "name" : "input0",
                  "shape" : [ 2, 2 ],
                  "datatype" : "UINT32",
                  "data" : [ 1, 2, 3, 4 ]
                },
                {
                  "name" : "input1",
                  "shape" : [ 3 ],
                  "datatype" : "BOOL",
                  "data" : [ true ]
                }
              ],
              "outputs" : [
                {
                  "name" : "output0"
                }
              ]
            }""";

    /** The binary tensor data extension's example header, followed in the request by 19 bytes of binary data. */
    static final String BINARY_HEADER = """
            {
              "model_name" : "mymodel",
              "inputs" : [
                {
                  "name" : "input0",
                  "shape" : [ 2, 2 ],
                  "datatype" : "UINT32",
                  "parameters" : {
                    "binary_data_size" : 16
                  }
                },
                {
                  "name" : "input1",
                  "shape" : [ 3 ],
                  "datatype" : "BOOL",
                  "parameters" : {
                    "binary_data_size" : 3
                  }
                }
              ],
              "outputs" : [
                {
                  "name" : "output0",
                  "parameters" : {
                    "binary_data" : true
                  }
                }
              ]
            }
            """;

    private SpecExamples() {
    }
}
