/**
 * The gRPC inference transport against the same service on protoc's generated classes: large tensors (heap per
 * call, throughput) and small concurrent calls (throughput, p99).
 */
package dev.pinnedmemory.benchmarks.grpc;
