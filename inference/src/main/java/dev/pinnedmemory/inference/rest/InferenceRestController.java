package dev.pinnedmemory.inference.rest;

import java.io.IOException;
import java.util.List;

import dev.pinnedmemory.inference.InferenceCall;
import dev.pinnedmemory.inference.InferenceException;
import dev.pinnedmemory.inference.InferenceServer;
import dev.pinnedmemory.inference.ResponseOutput;
import dev.pinnedmemory.inference.SharedMemoryRegionStatus;
import dev.pinnedmemory.inference.SharedMemoryRegistry;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The Open Inference Protocol's REST endpoints (KServe v2, with Triton's binary tensor data extension and
 * its repository index) on Spring MVC, over an {@link InferenceServer}:
 * <ul>
 * <li>{@code GET /v2/health/live}, {@code GET /v2/health/ready}: 200, or 400 when not ready, empty bodies;</li>
 * <li>{@code GET /v2}: server metadata, its {@code extensions} listing {@code binary_tensor_data};</li>
 * <li>{@code GET /v2/models/{model}[/versions/{version}]}: model metadata; {@code .../ready}: 200 or 400;</li>
 * <li>{@code POST /v2/models/{model}[/versions/{version}]/infer}: inference, JSON, binary or both;</li>
 * <li>{@code POST /v2/repository/index}: every model and version with its state (body empty or {@code {"ready": true}});</li>
 * <li>Triton's system shared memory extension: {@code POST /v2/systemsharedmemory/region/{name}/register} with
 *     {@code {"key": "/name", "offset": 0, "byte_size": N}}, {@code POST /v2/systemsharedmemory[/region/{name}]/unregister},
 *     {@code GET /v2/systemsharedmemory[/region/{name}]/status}: 403 while the extension is off.</li>
 * </ul>
 * Errors are the protocol's {@code {"error": "..."}} with the status of {@link InferenceException.Reason}
 * (400, 403 shared memory switched off, 404 unknown model or version, 413 tensor over the pool's largest buffer, 503 with
 * {@code Retry-After} when no memory came within the pool's {@code max-wait} or the model is not ready,
 * 500 for the model's own failure, whose stack trace goes to the log only).
 *
 * <p>Needs a Servlet 6.1 container (Tomcat 11, as Spring Boot 4 ships): input tensors are read with
 * {@code ServletInputStream.read(ByteBuffer)} straight into pinned leases and outputs written with
 * {@code ServletOutputStream.write(ByteBuffer)} from them. Spring MVC only (no WebFlux): requests run on
 * the container's threads (or virtual threads), blocking on the socket.
 *
 * <p>Register it as a bean in a Spring MVC application (the starter does when the application has
 * {@code InferenceModel} beans). Owns nothing; each request's leases end with it. Thread-safe.
 */
@RestController
public final class InferenceRestController {

    private static final System.Logger LOG = System.getLogger(InferenceRestController.class.getName());

    /** Most bytes of a repository index request: {@code {"ready": true}} and some room. */
    static final int MAX_INDEX_REQUEST_BYTES = 4096;

    private final InferenceServer server;

    /** @param server the models and rules to serve */
    public InferenceRestController(InferenceServer server) {
        this.server = server;
    }

    /** {@code GET /v2/health/live}: 200 while the server takes requests. */
    @GetMapping("/v2/health/live")
    public void live(HttpServletResponse response) {
        response.setStatus(server.isLive() ? HttpServletResponse.SC_OK : HttpServletResponse.SC_BAD_REQUEST);
    }

    /** {@code GET /v2/health/ready}: 200 when the pool is open and every model is ready, else 400. */
    @GetMapping("/v2/health/ready")
    public void ready(HttpServletResponse response) {
        response.setStatus(server.isReady() ? HttpServletResponse.SC_OK : HttpServletResponse.SC_BAD_REQUEST);
    }

    /** {@code GET /v2}: the server's name, version and extensions. */
    @GetMapping("/v2")
    public void serverMetadata(HttpServletResponse response) throws IOException {
        ProtocolJson.writeServerMetadata(response, server.metadata());
    }

    /** {@code GET /v2/models/{model}[/versions/{version}]}: the model's metadata, 404 for an unknown model or version. */
    @GetMapping({"/v2/models/{model}", "/v2/models/{model}/versions/{version}"})
    public void modelMetadata(@PathVariable String model, @PathVariable(required = false) @Nullable String version,
                              HttpServletResponse response) throws IOException {
        try {
            ProtocolJson.writeModelMetadata(response, server.modelMetadata(model, version));
        } catch (InferenceException e) {
            error(response, e);
        }
    }

    /** {@code GET /v2/models/{model}[/versions/{version}]/ready}: 200 or 400; 404 for an unknown model or version. */
    @GetMapping({"/v2/models/{model}/ready", "/v2/models/{model}/versions/{version}/ready"})
    public void modelReady(@PathVariable String model, @PathVariable(required = false) @Nullable String version,
                           HttpServletResponse response) throws IOException {
        try {
            response.setStatus(server.isModelReady(model, version) ? HttpServletResponse.SC_OK
                    : HttpServletResponse.SC_BAD_REQUEST);
        } catch (InferenceException e) {
            error(response, e);
        }
    }

    /** {@code POST /v2/repository/index}: every model and version with its state; {@code {"ready": true}} lists ready ones only. */
    @PostMapping("/v2/repository/index")
    public void repositoryIndex(HttpServletRequest request, HttpServletResponse response) throws IOException {
        boolean readyOnly;
        try {
            readyOnly = readyOnly(request);
        } catch (InferenceException e) {
            error(response, e);
            return;
        }
        ProtocolJson.writeIndex(response, server.repositoryIndex(readyOnly));
    }

    /**
     * {@code POST /v2/systemsharedmemory/region/{region}/register} with {@code {"key": "/name", "offset": 0,
     * "byte_size": N}}: maps, page-locks and counts the region; 200 with an empty body, 400 naming the region,
     * offset, size and limit, 403 while the extension is off, 503 when no memory can be locked.
     */
    @PostMapping("/v2/systemsharedmemory/region/{region}/register")
    public void registerRegion(@PathVariable String region, HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        SharedMemoryRegistry regions = server.sharedMemory();
        try {
            if (!regions.isEnabled()) {
                regions.status(null);   // throws FORBIDDEN, naming the property, before the body is looked at
            }
            ProtocolJson.RegisterRequest body = ProtocolJson.readRegisterRequest(region, request.getInputStream());
            regions.register(region, body.key(), body.offset(), body.byteSize());
            response.setStatus(HttpServletResponse.SC_OK);
        } catch (InferenceException e) {
            error(response, e);
        }
    }

    /**
     * {@code POST /v2/systemsharedmemory[/region/{region}]/unregister}: unregisters the region (or every region),
     * after the requests that use it end; 200 (also for a region that is not registered), 403 while the extension is off.
     */
    @PostMapping({"/v2/systemsharedmemory/unregister", "/v2/systemsharedmemory/region/{region}/unregister"})
    public void unregisterRegion(@PathVariable(required = false) @Nullable String region, HttpServletResponse response)
            throws IOException {
        try {
            if (region == null) {
                server.sharedMemory().unregisterAll();
            } else {
                server.sharedMemory().unregister(region);
            }
            response.setStatus(HttpServletResponse.SC_OK);
        } catch (InferenceException e) {
            error(response, e);
        }
    }

    /**
     * {@code GET /v2/systemsharedmemory[/region/{region}]/status}: {@code [{"name", "key", "offset", "byte_size"}]}
     * of the region (400 when it is not registered) or of every region; 403 while the extension is off.
     */
    @GetMapping({"/v2/systemsharedmemory/status", "/v2/systemsharedmemory/region/{region}/status"})
    public void regionStatus(@PathVariable(required = false) @Nullable String region, HttpServletResponse response)
            throws IOException {
        List<SharedMemoryRegionStatus> status;
        try {
            status = server.sharedMemory().status(region);
        } catch (InferenceException e) {
            error(response, e);
            return;
        }
        ProtocolJson.writeRegionStatus(response, status);
    }

    /**
     * {@code POST /v2/models/{model}[/versions/{version}]/infer}: reads the request (JSON, binary or both)
     * into pinned leases, runs the model and writes its outputs; every lease ends before this returns.
     */
    @PostMapping({"/v2/models/{model}/infer", "/v2/models/{model}/versions/{version}/infer"})
    public void infer(@PathVariable String model, @PathVariable(required = false) @Nullable String version,
                      HttpServletRequest request, HttpServletResponse response) throws IOException {
        InferenceCall call;
        try {
            call = server.open(model, version);
        } catch (InferenceException e) {
            error(response, e);
            return;
        }
        try {
            new InferRequestReader(call, request, server.limits().maxHeaderBytes(), version).read();
            List<ResponseOutput> outputs = call.infer();
            InferResponseWriter.write(request, response, call, outputs);
        } catch (InferenceException e) {
            call.fail(e);
            if (e.reason() == InferenceException.Reason.MODEL_FAILED) {
                LOG.log(System.Logger.Level.ERROR, e.getMessage(), e.getCause() != null ? e.getCause() : e);
            }
            error(response, e);
        } catch (IOException e) {
            // The client went away (or the response could not be written): nobody is left to answer.
            call.fail(e);
            LOG.log(System.Logger.Level.DEBUG, () -> "inference request for model '" + model + "' aborted: " + e);
        } catch (RuntimeException e) {
            call.fail(e);
            LOG.log(System.Logger.Level.ERROR, "inference request for model '" + model + "' failed", e);
            error(response, HttpServletResponse.SC_INTERNAL_SERVER_ERROR, false, "internal error: " + e);
        } finally {
            call.close();
        }
    }

    private static boolean readyOnly(HttpServletRequest request) throws IOException {
        if (request.getContentLengthLong() == 0) {
            return false;
        }
        HeaderInputStream body = new HeaderInputStream(request.getInputStream(), MAX_INDEX_REQUEST_BYTES, true);
        try (JsonParser json = ProtocolJson.FACTORY.createParser(ObjectReadContext.empty(), body)) {
            JsonToken token = json.nextToken();
            if (token == null) {
                return false;
            }
            if (token != JsonToken.START_OBJECT) {
                throw InferRequestReader.invalid("the repository index request must be a JSON object");
            }
            boolean readyOnly = false;
            while (json.nextToken() == JsonToken.PROPERTY_NAME) {
                String field = json.currentName();
                JsonToken value = json.nextToken();
                if (field.equals("ready")) {
                    if (value != JsonToken.VALUE_TRUE && value != JsonToken.VALUE_FALSE) {
                        throw InferRequestReader.invalid("'ready' must be true or false");
                    }
                    readyOnly = value == JsonToken.VALUE_TRUE;
                } else {
                    json.skipChildren();
                }
            }
            return readyOnly;
        } catch (JacksonException e) {
            throw InferRequestReader.invalid("malformed JSON in the repository index request: " + e.getOriginalMessage());
        }
    }

    private static void error(HttpServletResponse response, InferenceException e) throws IOException {
        error(response, e.reason().httpStatus(), e.reason().isRetryable(), e.getMessage());
    }

    private static void error(HttpServletResponse response, int status, boolean retry, String message) throws IOException {
        if (response.isCommitted()) {
            return;
        }
        response.reset();
        if (retry) {
            response.setHeader("Retry-After", "1");
        }
        try {
            ProtocolJson.writeError(response, status, message);
        } catch (IOException e) {
            // The client went away before its answer: nothing more to do.
        }
    }
}
