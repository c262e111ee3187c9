/**
 * Where pinned memory comes from: the page-locking backends ({@code cuda} and {@code cuda-register}
 * through JCuda, {@code mlock} through libc and {@code java.lang.foreign}, and {@code unlocked}), their
 * selection and its report, and NUMA placement. The lowest layer: it depends on nothing else in this
 * library, and JCuda is touched only when it is on the class path. The public types, by role:
 *
 * <p><b>Start here</b>
 * <ul>
 * <li>{@link PageLockingBackends}: chooses a backend ({@code select(kind, requirePageLocked)},
 *     {@code defaultSelection()}) and places one on a NUMA node ({@code placedOn});</li>
 * <li>{@link BackendSelection}: the chosen {@link PageLockingBackend} with the {@link BackendReport}
 *     of the choice (what was chosen, whether it page-locks, what was skipped and why).</li>
 * </ul>
 *
 * <p><b>Configuring</b>: {@link BackendKind} ({@code auto}, {@code cuda}, {@code cuda-register},
 * {@code mlock}, {@code unlocked}); {@link NumaNode} (where a pool's memory should live: none, auto or
 * a node), {@link NumaPlacement} (what a pool asked and the node its memory is bound to) and
 * {@link NumaTopology} (what sysfs says about the nodes and the CUDA device's node).
 *
 * <p><b>Failures</b>: {@link BackendException} (the operating system or the driver refused a call,
 * naming the call, the size and the reason) and {@link PageLockingUnavailableException} (no backend can
 * page-lock where that is required).
 *
 * <p>The backends themselves ({@code CudaBackend}, {@code CudaRegisterBackend}, {@code MlockBackend},
 * {@code UnlockedBackend}) and their libc and JCuda calls are package-private.
 */
@NullMarked
package dev.pinnedmemory.backend;

import org.jspecify.annotations.NullMarked;
