/**
 * The Open Inference Protocol over gRPC: {@link dev.pinnedmemory.inference.grpc.GrpcInferenceService} is
 * {@code inference.GRPCInferenceService} on an {@link dev.pinnedmemory.inference.InferenceServer}, for any
 * grpc-java server (with the starter, Spring gRPC's). Its {@code ModelInfer} reads the request's wire format
 * itself and copies every tensor from the transport's buffers into a lease, and writes outputs from their
 * segments: no protobuf message holds tensor bytes. {@link dev.pinnedmemory.inference.grpc.NettyFrameSize} makes
 * grpc-java's Netty server advertise HTTP/2 frames larger than 16 KiB, so that a large tensor arrives in fewer
 * frames (the starter does so by default). Everything else here is package-private: the request
 * reader (a unit any {@code InputStream} drives), the response writer, the small messages and the call
 * handler.
 */
@NullMarked
package dev.pinnedmemory.inference.grpc;

import org.jspecify.annotations.NullMarked;
