package dev.pinnedmemory.inference;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

import dev.pinnedmemory.MemoryBudgetExceededException;
import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryException;
import dev.pinnedmemory.PinnedMemoryPool;
import org.jspecify.annotations.Nullable;

/**
 * One inference request, from its start to its end, whatever transport carries it: the rules every input
 * is checked against, the per-request set of leases that ends exactly once, the run of the model and the
 * description of its outputs. A transport drives it in this order:
 * <ol>
 * <li>{@link #id}, {@link #parameter} and {@link #requestOutput} as the request says them;</li>
 * <li>{@link #declareInput} for each input: name, datatype, shape and (when known) byte size are checked
 *     against the model's metadata and the pool before anything is rented;</li>
 * <li>{@link #receive} for each input: its lease is rented (waiting up to the pool's {@code max-wait}) and
 *     filled from a {@link TensorSource}, then checked; or {@link #attach} for bytes that are already in
 *     memory the request may use. An input whose parameters name a registered shared memory region is
 *     attached to a view of it when it is declared ({@link DeclaredInput#inSharedMemory()}): no lease, no copy;</li>
 * <li>{@link #infer}: every input of the model must be there; the model runs; its outputs are checked and
 *     returned in the order to write them; an output requested in a shared memory region is there already
 *     ({@link ResponseOutput#inSharedMemory()});</li>
 * <li>{@link #close}, after the response was written or when anything failed (also for a transport's own
 *     failure, reported first with {@link #fail}): every lease ends, once, and the observer learns the
 *     outcome.</li>
 * </ol>
 * Every refusal is an {@link InferenceException} naming the tensor, the sizes and the limit; after one, the
 * transport answers it and closes the call.
 *
 * <p>Ownership: the call owns every lease it rented, every lease of the model's response, every hold it was
 * given and its hold on every shared memory region its tensors name (an unregister waits for it), until
 * {@link #close}. Inputs' and outputs' segments are valid until then.
 *
 * <p>Thread-safety: one thread drives a call. {@link #close} and {@link #fail} may come from any thread
 * (a cancellation): a close while another thread is inside {@code receive} or {@code infer} ends the
 * leases when that thread leaves, never under it.
 */
public final class InferenceCall implements AutoCloseable {

    /** The leases of the request whose model runs on this thread, for the response builders made there. */
    private static final ScopedValue<RequestLeases> CURRENT = ScopedValue.newInstance();

    private final InferenceServer server;
    private final ModelRegistry.Entry model;
    private final @Nullable String version;
    private final long startNanos;
    private final RequestLeases leases = new RequestLeases(true);
    private final Map<String, DeclaredInput> declared = new LinkedHashMap<>();
    private final Map<String, InferenceTensor> received = new LinkedHashMap<>();
    private final Map<String, RequestedOutput> requested = new LinkedHashMap<>();
    private final Map<String, Object> parameters = new LinkedHashMap<>();
    /** The shared memory each output was requested in, by output name. */
    private final Map<String, SharedMemoryRegistry.Use> outputMemory = new LinkedHashMap<>();
    /** Every region the request's tensors use, for the message of a fault. */
    private final List<SharedMemoryRegistry.Use> regionUses = new ArrayList<>();
    private final ReentrantLock active = new ReentrantLock();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean ended = new AtomicBoolean();
    private @Nullable String id;
    private @Nullable List<ResponseOutput> outputs;
    private Map<String, Object> responseParameters = Map.of();
    private volatile @Nullable String outcome;
    private long bytesIn;
    private long bytesOut;

    InferenceCall(InferenceServer server, ModelRegistry.Resolved resolved, long startNanos) {
        this.server = server;
        this.model = resolved.entry();
        this.version = resolved.version();
        this.startNanos = startNanos;
    }

    /** {@return the leases of the request whose model runs on this thread, or a set of a response's own} */
    static RequestLeases currentLeases() {
        return CURRENT.isBound() ? CURRENT.get() : new RequestLeases(false);
    }

    /** {@return the model's name} */
    public String modelName() {
        return model.name();
    }

    /** {@return the version serving this request, or null for a model without versions} */
    public @Nullable String modelVersion() {
        return version;
    }

    /** {@return the model's metadata} */
    public ModelMetadata metadata() {
        return model.metadata();
    }

    /** {@return the request's id, or null} */
    public @Nullable String id() {
        return id;
    }

    /** Sets the request's id, which the response repeats. */
    public void id(@Nullable String id) {
        this.id = id;
    }

    /**
     * Adds a request parameter (the model sees them all).
     *
     * @throws InferenceException {@code INVALID_ARGUMENT} for a value that is not a string, integer, number
     *     or boolean, or a second parameter of that name
     */
    public void parameter(String name, Object value) {
        Object checked;
        try {
            checked = Parameters.checked(name, value);
        } catch (IllegalArgumentException e) {
            throw refused(InferenceException.invalid(e.getMessage()));
        }
        if (parameters.putIfAbsent(name, checked) != null) {
            throw refused(InferenceException.invalid("parameter '" + name + "' appears twice"));
        }
    }

    /** {@return the request's parameters so far} */
    public Map<String, Object> parameters() {
        return java.util.Collections.unmodifiableMap(parameters);
    }

    /**
     * Asks for one of the model's outputs, with its parameters. Without any, the response has all outputs.
     * Parameters naming a shared memory region ({@code shared_memory_region}, {@code shared_memory_offset},
     * {@code shared_memory_byte_size}) ask for the output there: the region is checked and held at once.
     *
     * @throws InferenceException {@code INVALID_ARGUMENT} for an output the model does not have, one asked twice,
     *     or shared memory parameters that name no registered region or lie outside it; {@code FORBIDDEN} for
     *     shared memory when the extension is off
     */
    public RequestedOutput requestOutput(String name, Map<String, Object> parameters) {
        Objects.requireNonNull(name, "name");
        if (!model.outputs().containsKey(name)) {
            throw refused(InferenceException.invalid("model '" + model.name() + "' has no output '" + name + "' (outputs: "
                    + model.outputs().keySet() + ")"));
        }
        RequestedOutput output = new RequestedOutput(name, parameters);
        if (requested.putIfAbsent(name, output) != null) {
            throw refused(InferenceException.invalid("output '" + name + "' is requested twice"));
        }
        try {
            SharedMemoryReference reference = SharedMemoryReference.parse(output.parameters(), "output '" + name + "'");
            if (reference != null) {
                SharedMemoryRegistry.Use use = server.sharedMemory().use(reference, "output '" + name + "'");
                leases.add(use.hold());
                regionUses.add(use);
                outputMemory.put(name, use);
            }
        } catch (InferenceException e) {
            throw refused(e);
        }
        return output;
    }

    /** {@return the outputs asked for so far, in order} */
    public List<RequestedOutput> requestedOutputs() {
        return List.copyOf(requested.values());
    }

    /**
     * Declares an input and checks it before anything is rented: at most {@code max-inputs} inputs, a name
     * the model has and no other input has, the model's datatype, a shape that fits the model's ({@code -1}
     * takes any size) and whose element and byte counts fit a long, and, when {@code byteSize} is known,
     * exactly the bytes the shape needs (for {@code BYTES}, at least the 4-byte lengths) and at most the
     * pool's largest buffer. When {@code parameters} name a shared memory region, the input's bytes are the
     * {@code shared_memory_byte_size} bytes at {@code shared_memory_offset} of it: they must be exactly what the
     * shape needs (the pool's limit does not apply: nothing is rented), and the input is attached to a view of
     * them at once ({@link DeclaredInput#inSharedMemory()}).
     *
     * @param byteSize the bytes the transport will deliver (REST: {@code binary_data_size}; gRPC: the raw
     *     contents' length), or {@link DeclaredInput#UNKNOWN_SIZE} when it can only tell after reading (or, for
     *     an input in shared memory, delivers none)
     * @throws InferenceException {@code INVALID_ARGUMENT} or {@code TENSOR_TOO_LARGE}, naming the input,
     *     the sizes and the limit (and the region, offset and size of an input in shared memory);
     *     {@code FORBIDDEN} for shared memory when the extension is off
     */
    public DeclaredInput declareInput(String name, String datatype, long[] shape, Map<String, Object> parameters,
                                      long byteSize) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(datatype, "datatype");
        Objects.requireNonNull(shape, "shape");
        if (declared.size() >= server.limits().maxInputs()) {
            throw refused(InferenceException.invalid("more than " + server.limits().maxInputs() + " inputs (the limit, "
                    + "pinned-memory.inference.max-inputs); model '" + model.name() + "' takes " + model.inputs().size()));
        }
        TensorMetadata expected = model.inputs().get(name);
        if (expected == null) {
            throw refused(InferenceException.invalid("model '" + model.name() + "' has no input '" + name + "' (inputs: "
                    + model.inputs().keySet() + ")"));
        }
        if (declared.containsKey(name)) {
            throw refused(InferenceException.invalid("input '" + name + "' appears twice"));
        }
        if (!Datatype.isKnown(datatype)) {
            throw refused(InferenceException.invalid("input '" + name + "': unknown datatype '" + datatype
                    + "' (expected one of " + java.util.Arrays.toString(Datatype.values()) + ")"));
        }
        Datatype type = Datatype.parse(datatype);
        if (!type.name().equals(expected.datatype())) {
            throw refused(InferenceException.invalid("input '" + name + "': datatype " + datatype + ", but model '"
                    + model.name() + "' takes " + expected.datatype()));
        }
        long[] dimensions = shape.clone();
        if (dimensions.length > Shapes.MAX_RANK) {
            throw refused(InferenceException.invalid("input '" + name + "': " + dimensions.length + " dimensions (expected: at most "
                    + Shapes.MAX_RANK + ")"));
        }
        for (long dimension : dimensions) {
            if (dimension < 0) {
                throw refused(InferenceException.invalid("input '" + name + "': shape " + Shapes.describe(dimensions)
                        + " (expected: sizes of at least 0)"));
            }
        }
        if (!Shapes.matches(dimensions, expected.shape())) {
            throw refused(InferenceException.invalid("input '" + name + "': shape " + Shapes.describe(dimensions)
                    + " does not fit " + expected.shape() + " of model '" + model.name() + "' (-1: any size)"));
        }
        long elements = Shapes.elementCount(dimensions);
        long needed = type.isVariableSize() ? 0 : elements < 0 ? -1 : multiplyOrMinusOne(elements, type.byteSize());
        if (elements < 0 || needed < 0 || (type.isVariableSize() && multiplyOrMinusOne(elements, Integer.BYTES) < 0)) {
            throw refused(InferenceException.invalid("input '" + name + "': shape " + Shapes.describe(dimensions)
                    + " has more elements or bytes than a long counts"));
        }
        SharedMemoryReference reference;
        try {
            reference = SharedMemoryReference.parse(parameters, "input '" + name + "'");
        } catch (InferenceException e) {
            throw refused(e);
        }
        if (reference != null) {
            return declareInSharedMemory(new DeclaredInput(declared.size(), name, type, dimensions, elements,
                    reference.byteSize(), parameters, true), reference, byteSize, needed);
        }
        DeclaredInput input = new DeclaredInput(declared.size(), name, type, dimensions, elements,
                type.isVariableSize() ? byteSize : needed, parameters, false);
        if (byteSize != DeclaredInput.UNKNOWN_SIZE) {
            checkSize(input, byteSize);
        } else if (!type.isVariableSize()) {
            checkSize(input, needed);
        }
        declared.put(name, input);
        return input;
    }

    private DeclaredInput declareInSharedMemory(DeclaredInput input, SharedMemoryReference reference, long transportBytes,
                                                long needed) {
        if (transportBytes != DeclaredInput.UNKNOWN_SIZE) {
            throw refused(InferenceException.invalid(input.describe() + ": names shared memory " + reference.describe()
                    + " and carries " + transportBytes + " bytes of data too (expected: one or the other)"));
        }
        Datatype type = input.type();
        if (type.isVariableSize() ? reference.byteSize() < input.elementCount() * Integer.BYTES : reference.byteSize() != needed) {
            throw refused(InferenceException.invalid(input.describe() + ": " + reference.describe() + " holds "
                    + reference.byteSize() + " bytes, but " + input.elementCount() + " elements of " + type
                    + (type.isVariableSize() ? " take at least " + input.elementCount() * Integer.BYTES + " (a 4-byte length each)"
                    : " are " + needed + " bytes (" + type.byteSize() + " each)")));
        }
        declared.put(input.name(), input);
        SharedMemoryRegistry.Use use;
        try {
            use = server.sharedMemory().use(reference, input.describe());
        } catch (InferenceException e) {
            throw refused(e);
        }
        regionUses.add(use);
        attach(input, use.view(), use.hold());
        return input;
    }

    /**
     * Rents the input's lease (exactly {@link DeclaredInput#byteSize()} bytes, waiting up to the pool's
     * {@code max-wait}) and fills it from {@code source}; then checks that exactly the tensor's bytes
     * arrived ({@code BOOL}: each 0 or 1; {@code BYTES}: whole elements, as many as the shape has).
     *
     * @throws InferenceException {@code INVALID_ARGUMENT} (the data ended early or is malformed, or the
     *     size is unknown), {@code TENSOR_TOO_LARGE}, {@code OUT_OF_MEMORY} (no memory within the pool's
     *     {@code max-wait})
     * @throws IOException when the source failed to read (the client went away): the call is aborted
     * @throws IllegalStateException if the input is not this call's, was received already, or the call is closed
     */
    public void receive(DeclaredInput input, TensorSource source) throws IOException {
        if (input.byteSize() == DeclaredInput.UNKNOWN_SIZE) {
            throw refused(InferenceException.invalid(input.describe() + ": its byte size is not known"));
        }
        receive(input, input.byteSize(), source);
    }

    /**
     * As {@link #receive(DeclaredInput, TensorSource)}, for an input whose byte size is known only now
     * ({@code BYTES} elements read from JSON): {@code byteSize} is checked as {@link #declareInput} checks it.
     */
    public void receive(DeclaredInput input, long byteSize, TensorSource source) throws IOException {
        Objects.requireNonNull(source, "source");
        enter();
        try {
            checkPending(input);
            checkSize(input, byteSize);
            MemorySegment data;
            TensorSink sink;
            if (byteSize == 0) {
                data = MemorySegment.NULL;
                sink = new TensorSink(input, data);
            } else {
                PinnedBuffer<byte[]> lease = rent(input, byteSize);
                leases.add(lease);
                data = lease.segment();
                sink = new TensorSink(input, data);
            }
            try {
                source.fill(sink);
            } catch (EOFException e) {
                throw refused(new InferenceException(InferenceException.Reason.INVALID_ARGUMENT, e.getMessage() == null
                        ? input.describe() + ": the data ended after " + sink.position() + " of " + byteSize + " bytes"
                        : e.getMessage(), e));
            } catch (IOException e) {
                fail(e);
                throw e;
            } catch (InferenceException e) {
                throw refused(e);
            }
            if (sink.position() != byteSize) {
                throw refused(InferenceException.invalid(input.describe() + ": " + (sink.wroteBulk() ? sink.position()
                        + " of " + byteSize + " bytes arrived" : sink.appended() + " elements, but the shape holds "
                        + input.elementCount())));
            }
            if (sink.wroteBulk() || input.type().isVariableSize()) {
                String problem = TensorBytes.check(input.type(), input.elementCount(), data, byteSize);
                if (problem != null) {
                    throw refused(InferenceException.invalid(input.describe() + ": " + problem));
                }
            }
            received.put(input.name(), new SegmentTensor(input.name(), input.type(), input.dimensions(), data));
            bytesIn += byteSize;
        } finally {
            exit();
        }
    }

    /**
     * Gives the input bytes that are already in memory the request may use, without a lease or a copy (a
     * view of a registered shared memory region). {@code hold}, if given, is closed exactly once when the
     * call ends (e.g. to let an unregister proceed).
     *
     * @throws InferenceException {@code INVALID_ARGUMENT} if {@code view} is not exactly the tensor's bytes
     *     ({@code hold} is then closed too)
     */
    public void attach(DeclaredInput input, MemorySegment view, @Nullable AutoCloseable hold) {
        Objects.requireNonNull(view, "view");
        enter();
        try {
            if (hold != null) {
                leases.add(hold);
            }
            checkPending(input);
            String problem = TensorBytes.check(input.type(), input.elementCount(), view, view.byteSize());
            if (problem != null) {
                throw refused(InferenceException.invalid(input.describe() + ": " + problem));
            }
            received.put(input.name(), new SegmentTensor(input.name(), input.type(), input.dimensions(), view));
            bytesIn += view.byteSize();
        } finally {
            exit();
        }
    }

    /**
     * Runs the model on the inputs received, and {@return the outputs to write, checked and in order}: the
     * requested ones in the order asked, or all in the model's order. The leases of the model's response
     * belong to this call from now on (and from the moment they were added, for a response built on this
     * thread).
     *
     * @throws InferenceException {@code INVALID_ARGUMENT} for an input missing, {@code MODEL_FAILED} when
     *     the model throws (its message; the exception as the cause) or answers without a requested output
     * @throws IllegalStateException if called twice or after close
     */
    public List<ResponseOutput> infer() {
        enter();
        try {
            if (outputs != null) {
                throw new IllegalStateException("infer() was called already");
            }
            List<String> missing = new ArrayList<>();
            for (String name : model.inputs().keySet()) {
                if (!received.containsKey(name)) {
                    missing.add(name);
                }
            }
            if (!missing.isEmpty()) {
                throw refused(InferenceException.invalid("model '" + model.name() + "' needs input" + (missing.size() > 1 ? "s " : " ")
                        + String.join(", ", missing.stream().map(name -> "'" + name + "'").toList())
                        + (declared.keySet().containsAll(missing) ? " whose data did not arrive" : ", missing in the request")));
            }
            List<InferenceTensor> inputs = new ArrayList<>(declared.size());
            for (String name : declared.keySet()) {
                inputs.add(received.get(name));
            }
            Map<String, MemorySegment> memory = new LinkedHashMap<>();
            outputMemory.forEach((name, use) -> memory.put(name, use.view()));
            InferenceRequest request = new InferenceRequest(model.name(), version, id, inputs, parameters,
                    List.copyOf(requested.keySet()), memory);
            InferenceResponse response;
            List<ResponseOutput> chosen;
            try {
                response = run(request);
                chosen = choose(response);
            } catch (InternalError e) {
                if (regionUses.isEmpty()) {
                    throw e;
                }
                throw refused(faulted(e));
            }
            this.responseParameters = response.parameters();
            this.outputs = chosen;
            return chosen;
        } finally {
            exit();
        }
    }

    /** {@return the outputs {@link #infer} returned, or null before} */
    public @Nullable List<ResponseOutput> outputs() {
        return outputs;
    }

    /** {@return the parameters of the model's response (empty before {@link #infer})} */
    public Map<String, Object> responseParameters() {
        return responseParameters;
    }

    /**
     * Records why the request failed, for the meters, when the transport failed on its own (the client went
     * away, the response could not be written). The first recorded failure wins; the call's own refusals
     * are recorded already.
     */
    public void fail(Throwable cause) {
        String why = switch (cause) {
            case InferenceException refusal -> refusal.reason().outcome();
            case IOException io -> InferenceObserver.CompletedRequest.ABORTED;
            default -> InferenceObserver.CompletedRequest.ERROR;
        };
        if (outcome == null) {
            outcome = why;
        }
    }

    /**
     * Ends the request: every lease of its inputs and of its response, and every hold, each exactly once;
     * then tells the observer. A second call does nothing. From any thread: if another thread is inside
     * {@code receive} or {@code infer}, the leases end when it leaves.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (active.tryLock()) {
            try {
                end();
            } finally {
                active.unlock();
            }
        }
    }

    /** {@return whether {@link #close()} was called} */
    public boolean isClosed() {
        return closed.get();
    }

    /** {@return how many leases and holds the request holds now (for tests and diagnostics)} */
    int heldCount() {
        return leases.size();
    }

    private InferenceResponse run(InferenceRequest request) {
        InferenceResponse response;
        try {
            response = ScopedValue.where(CURRENT, leases).call(() -> model.model().infer(request));
        } catch (InferenceException e) {
            throw refused(e);
        } catch (Exception e) {
            throw refused(new InferenceException(InferenceException.Reason.MODEL_FAILED, "model '" + model.name() + "' failed: "
                    + (e.getMessage() == null ? e.getClass().getName() : e.getMessage()), e));
        }
        if (response == null) {
            throw refused(new InferenceException(InferenceException.Reason.MODEL_FAILED, "model '" + model.name()
                    + "' returned no response"));
        }
        RequestLeases own = response.leases();
        if (own != leases) {
            // Built off this thread: its leases become this call's now (and its own close() ends nothing).
            own.handOver(leases);
        }
        return response;
    }

    private List<ResponseOutput> choose(InferenceResponse response) {
        List<ResponseOutput> chosen = new ArrayList<>();
        if (requested.isEmpty()) {
            for (InferenceResponse.Output output : response.outputs()) {
                chosen.add(describe(output, Map.of()));
            }
        } else {
            for (RequestedOutput wanted : requested.values()) {
                InferenceResponse.Output output = response.output(wanted.name());
                if (output == null) {
                    throw refused(new InferenceException(InferenceException.Reason.MODEL_FAILED, "model '" + model.name()
                            + "' did not produce the requested output '" + wanted.name() + "' (it produced "
                            + response.outputs().stream().map(InferenceResponse.Output::name).toList() + ")"));
                }
                chosen.add(describe(output, wanted.parameters()));
            }
        }
        return List.copyOf(chosen);
    }

    private ResponseOutput describe(InferenceResponse.Output output, Map<String, Object> parameters) {
        MemorySegment data = output.data();
        if (output.lease() != null && !output.lease().isPinned()) {
            throw refused(new InferenceException(InferenceException.Reason.MODEL_FAILED, "model '" + model.name()
                    + "': the lease of output '" + output.name() + "' was closed before the response was written"));
        }
        bytesOut += data.byteSize();
        SharedMemoryRegistry.Use target = outputMemory.get(output.name());
        if (target == null) {
            return new ResponseOutput(output.name(), output.type(), output.dimensions(), data, parameters);
        }
        long bytes = data.byteSize();
        SharedMemoryReference reference = target.reference();
        if (bytes > reference.byteSize()) {
            throw refused(InferenceException.invalid("output '" + output.name() + "' (" + output.type() + ", shape "
                    + Shapes.describe(output.dimensions()) + ") is " + bytes + " bytes, more than the " + reference.byteSize()
                    + " bytes offered in shared memory " + reference.describe()));
        }
        MemorySegment into = target.view().asSlice(0, bytes);
        if (!data.isNative() || data.address() != into.address()) {
            // The model answered in memory of its own: the one copy, into the client's region.
            MemorySegment.copy(data, 0, into, 0, bytes);
            server.sharedMemory().copied(target, bytes);
        }
        Map<String, Object> written = new LinkedHashMap<>();
        written.put(SharedMemoryRegistry.REGION, reference.region());
        written.put(SharedMemoryRegistry.OFFSET, reference.offset());
        written.put(SharedMemoryRegistry.BYTE_SIZE, bytes);
        return new ResponseOutput(output.name(), output.type(), output.dimensions(), into, java.util.Collections.unmodifiableMap(written));
    }

    /** {@return the refusal for a fault in a memory access while the request used shared memory: a region that shrank, if one did} */
    private InferenceException faulted(InternalError fault) {
        for (SharedMemoryRegistry.Use use : regionUses) {
            String shrank = use.region().shrank();
            if (shrank != null) {
                return new InferenceException(InferenceException.Reason.INVALID_ARGUMENT, "shared memory region '"
                        + use.region().name() + "' changed while model '" + model.name() + "' used it: " + shrank, fault);
            }
        }
        return new InferenceException(InferenceException.Reason.MODEL_FAILED, "model '" + model.name() + "' failed: "
                + fault.getMessage(), fault);
    }

    private PinnedBuffer<byte[]> rent(DeclaredInput input, long byteSize) {
        PinnedMemoryPool<byte[]> pool = server.pool();
        Duration wait = pool.maxWait();
        try {
            return pool.rent((int) byteSize, wait);
        } catch (MemoryBudgetExceededException e) {
            throw refused(new InferenceException(InferenceException.Reason.OUT_OF_MEMORY, "no pinned memory for "
                    + input.describe() + " of " + byteSize + " bytes within pool '" + pool.name() + "' max-wait of "
                    + wait.toMillis() + " ms (budget: " + e.usedBytes() + " of " + e.limitBytes()
                    + " bytes used, pinned-memory.max-total-size); try again shortly", e));
        } catch (IllegalArgumentException e) {
            throw refused(tooLarge(input, byteSize));
        } catch (IllegalStateException e) {
            throw refused(new InferenceException(InferenceException.Reason.MODEL_NOT_READY, "pool '" + pool.name()
                    + "' is closed: the server is shutting down", e));
        } catch (PinnedMemoryException e) {
            throw refused(new InferenceException(InferenceException.Reason.OUT_OF_MEMORY, "no pinned memory for "
                    + input.describe() + " of " + byteSize + " bytes: " + e.getMessage(), e));
        }
    }

    private void checkSize(DeclaredInput input, long byteSize) {
        if (byteSize < 0) {
            throw refused(InferenceException.invalid(input.describe() + ": " + byteSize + " bytes (expected: at least 0)"));
        }
        Datatype type = input.type();
        if (type.isVariableSize()) {
            long lengths = multiplyOrMinusOne(input.elementCount(), Integer.BYTES);
            if (byteSize < lengths) {
                throw refused(InferenceException.invalid(input.describe() + ": " + byteSize + " bytes, but its "
                        + input.elementCount() + " BYTES elements take at least " + lengths
                        + " (a 4-byte length each)"));
            }
        } else {
            long expected = input.elementCount() * type.byteSize();
            if (byteSize != expected) {
                throw refused(InferenceException.invalid(input.describe() + ": " + byteSize + " bytes, but "
                        + input.elementCount() + " elements of " + type + " are " + expected + " bytes ("
                        + type.byteSize() + " each)"));
            }
        }
        if (byteSize > server.maxTensorBytes()) {
            throw refused(tooLarge(input, byteSize));
        }
    }

    private InferenceException tooLarge(DeclaredInput input, long byteSize) {
        return new InferenceException(InferenceException.Reason.TENSOR_TOO_LARGE, input.describe() + ": " + byteSize
                + " bytes, larger than the largest buffer of pool '" + server.pool().name() + "' ("
                + server.maxTensorBytes() + " bytes)");
    }

    private void checkPending(DeclaredInput input) {
        if (declared.get(input.name()) != input) {
            throw new IllegalStateException(input + " was not declared by this call");
        }
        if (received.containsKey(input.name())) {
            throw new IllegalStateException(input + " was received already");
        }
    }

    /** Records a refusal as the outcome and {@return it}, for {@code throw refused(...)}. */
    private InferenceException refused(InferenceException e) {
        fail(e);
        return e;
    }

    private void enter() {
        active.lock();
        if (closed.get()) {
            active.unlock();
            throw new IllegalStateException("the inference request for model '" + model.name() + "' was closed");
        }
    }

    private void exit() {
        active.unlock();
        if (closed.get() && active.tryLock()) {
            // Closed by another thread while this one was inside: the leases end now that it left.
            try {
                end();
            } finally {
                active.unlock();
            }
        }
    }

    private void end() {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        leases.endAll();
        String result = outcome != null ? outcome
                : outputs != null ? InferenceObserver.CompletedRequest.SUCCESS : InferenceObserver.CompletedRequest.ABORTED;
        try {
            server.observer().completed(new InferenceObserver.CompletedRequest(model.name(), version, result,
                    System.nanoTime() - startNanos, bytesIn, bytesOut));
        } catch (RuntimeException e) {
            System.getLogger(InferenceCall.class.getName()).log(System.Logger.Level.WARNING,
                    "the inference observer failed: " + e, e);
        }
    }

    private static long multiplyOrMinusOne(long a, long b) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException overflow) {
            return -1;
        }
    }

    @Override
    public String toString() {
        return "InferenceCall[model=" + model.name() + (version == null ? "" : ", version=" + version)
                + ", inputs=" + declared.keySet() + (closed.get() ? ", closed" : "") + "]";
    }
}
