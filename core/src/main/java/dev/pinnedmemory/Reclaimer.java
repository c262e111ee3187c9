package dev.pinnedmemory;

import java.lang.foreign.Arena;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;

/**
 * The library's one background thread: it closes the arenas of freed memory, polls the fences of
 * buffers closed with {@link PinnedBuffer#closeAfter}, runs periodic trims, and zeroes idle buffers
 * of {@code clearOnReturn} pools ({@link ZeroingPool}) in slices of at most 1 ms.
 *
 * <p>Closing a shared arena hand-shakes every running Java thread (measured here: 32 us on an idle
 * JVM, 7.6 ms with four busy threads on two cores), which no caller of {@code close()} or
 * {@code returnBuffer()} should wait for. Backends that can give pages and locks back at once
 * ({@code mlock}) have done so before an arena gets here; what waits is the address range (a
 * segment that escaped reads zeros until its arena is closed, then throws), or, for {@code cuda},
 * the memory itself: its budget bytes are released only once it is closed, and a rent refused for
 * budget first closes what is queued ({@link #drainNow()}).
 *
 * <p>Zeroing is scheduled so that a returner's request costs it no system call in a busy period
 * and is never left waiting for a long sleep: after the thread zeroed something, it polls the
 * pools' flags every 100 us for 10 ms; past that it sleeps until its next fence poll or trim, and
 * the first request wakes it. The wake-up is a Dekker pair: a returner writes its pool's flag, then
 * reads {@code sleeping}; the thread writes {@code sleeping}, then reads the flags (all volatile),
 * so one of them sees the other.
 *
 * <p>Nothing stops the thread: an error in a cleanup is counted ({@link #failures()}) and logged,
 * an arena still in use by a native call is retried with back-off, an {@link Error} is logged
 * and survived, and an interrupt only ends the current wait: every cycle still closes what is
 * queued, polls the fences and runs what is due. Production uses the process-wide {@link #shared()} instance; tests make their own
 * and hand it to pools, so they need no global state. Thread-safe.
 */
final class Reclaimer {

    private static final System.Logger LOG = System.getLogger(Reclaimer.class.getName());
    /** Fence poll interval while a renter waits for memory. */
    private static final long URGENT_POLL_NANOS = TimeUnit.MICROSECONDS.toNanos(200);
    /** Fence poll interval otherwise. */
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    /** Attempts to close an arena still acquired by a native call before giving up and reporting it. */
    private static final int MAX_ATTEMPTS = 40;
    private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** Longest stretch of zeroing before the thread looks at its queue and fences again. */
    private static final long ZEROING_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /** How often the thread polls the zeroing flags while it lingers after zeroing. */
    private static final long ZEROING_POLL_NANOS = TimeUnit.MICROSECONDS.toNanos(100);
    /** How long it lingers after it zeroed something. */
    private static final long ZEROING_LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    /** A {@code clearOnReturn} pool as this thread sees it: a flag its returners raise, and the zeroing itself. */
    interface ZeroingPool {

        /** {@return whether a returner asked for zeroing since the last {@link #zeroIdle} began} */
        boolean zeroingRequested();

        /**
         * Clears the flag, then zeroes the pool's dirty idle buffers until none is left or
         * {@code deadline} ({@link System#nanoTime()}) passes, raising the flag again if it stopped
         * early. {@return the bytes zeroed} The reclaimer's thread only.
         */
        long zeroIdle(long deadline);
    }

    private record Task(Arena arena, @Nullable Arena lease, @Nullable Runnable afterClose, int attempt, long due) {
    }

    private static final class Periodic {
        final WeakReference<Object> owner;
        final Consumer<Object> task;
        final long periodNanos;
        long due;

        Periodic(Object owner, Consumer<Object> task, long periodNanos) {
            this.owner = new WeakReference<>(owner);
            this.task = task;
            this.periodNanos = periodNanos;
            this.due = System.nanoTime() + periodNanos;
        }
    }

    /** Queued to cut the thread's timed wait short when a fence or a periodic task is added. */
    private static final Task WAKE = new Task(Arena.global(), null, null, 0, 0);

    private static final class Holder {
        static final Reclaimer SHARED = new Reclaimer("pinned-memory-reclaimer");
    }

    private final LinkedBlockingQueue<Task> queue = new LinkedBlockingQueue<>();
    private final List<Task> retries = new ArrayList<>();
    private final Set<FencedBlocks> watched = ConcurrentHashMap.newKeySet();
    /** The open {@code clearOnReturn} pools. */
    private final Set<ZeroingPool> zeroingPools = ConcurrentHashMap.newKeySet();
    /** Whether the thread sleeps past the zeroing polls: a request must wake it. */
    private volatile boolean sleeping;
    /** Until when ({@link System#nanoTime()}) the thread polls the zeroing flags; its thread only. */
    private long lingerUntil = System.nanoTime();
    private final List<Periodic> periodic = new ArrayList<>();
    private final AtomicLong submitted = new AtomicLong();
    private final AtomicLong finished = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final Object done = new Object();

    private final Thread thread;

    /** Starts a reclaimer with a daemon thread named {@code threadName}. */
    Reclaimer(String threadName) {
        thread = Thread.ofPlatform().name(threadName).daemon().start(this::run);
    }

    /** {@return the process-wide reclaimer, started at first use} */
    static Reclaimer shared() {
        return Holder.SHARED;
    }

    /** Queues {@code arena} (and a lease's scope) to be closed, then runs {@code afterClose}. */
    void close(Arena arena, @Nullable Arena lease, @Nullable Runnable afterClose) {
        submitted.incrementAndGet();
        queue.add(new Task(arena, lease, afterClose, 0, 0));
    }

    /** Closes {@code arena} on this thread; one still in use goes to the queue and is retried there. */
    void closeNow(Arena arena, @Nullable Arena lease, @Nullable Runnable afterClose) {
        submitted.incrementAndGet();
        process(new Task(arena, lease, afterClose, 0, 0));
    }

    /** {@return whether freed memory is queued and not yet closed} */
    boolean hasPending() {
        return pending() > 0;
    }

    /** {@return arenas submitted and not yet closed (or given up on)} */
    long pending() {
        return submitted.get() - finished.get();
    }

    /** Closes what is queued now, on this thread; for a rent that would otherwise be refused for budget. */
    void drainNow() {
        boolean woken = false;
        Task task;
        while ((task = queue.poll()) != null) {
            if (task == WAKE) {
                woken = true;
            } else {
                process(task);
            }
        }
        if (woken) {
            // The wake-up was meant for the reclaimer's thread (a fence to poll, a trim to run): hand it on.
            queue.add(WAKE);
        }
    }

    /** Waits until every arena submitted so far is closed, or the timeout passes; {@return whether all were} */
    boolean awaitIdle(long timeout, TimeUnit unit) throws InterruptedException {
        long target = submitted.get();
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        synchronized (done) {
            while (finished.get() < target) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(done, left);
            }
        }
        return true;
    }

    /** {@return frees that failed (a cleanup or decommit threw, or an arena could never be closed)} */
    long failures() {
        return failures.get();
    }

    /** Counts and logs a failed free; the library carries on. */
    void failed(String what, Throwable failure) {
        failures.incrementAndGet();
        LOG.log(System.Logger.Level.WARNING, "pinned-memory: " + what + " failed (failures so far: "
                + failures.get() + ")", failure);
    }

    /** Polls {@code fences} until none is pending; idempotent. */
    void watch(FencedBlocks fences) {
        if (watched.add(fences)) {
            queue.add(WAKE);
        }
    }

    /**
     * Runs {@code task} every {@code periodNanos} on this reclaimer's thread while {@code owner} is
     * reachable; the task is given the owner. Holds the owner weakly.
     */
    <T> void every(long periodNanos, T owner, Consumer<T> task) {
        @SuppressWarnings("unchecked")
        Consumer<Object> untyped = (Consumer<Object>) task;
        synchronized (periodic) {
            periodic.add(new Periodic(owner, untyped, periodNanos));
        }
        queue.add(WAKE);
    }

    /** Registers a pool until {@link #stopZeroing}; its flagged idle buffers are zeroed from then on. */
    void startZeroing(ZeroingPool pool) {
        zeroingPools.add(pool);
    }

    void stopZeroing(ZeroingPool pool) {
        zeroingPools.remove(pool);
    }

    /** Called by a returner after it raised its pool's zeroing flag: wakes the thread only if it sleeps. */
    void wakeForZeroing() {
        if (sleeping) {
            sleeping = false;
            queue.add(WAKE);
        }
    }

    private void run() {
        while (true) {
            try {
                cycle();
            } catch (Throwable t) {
                failed("the reclaimer's cycle", t);
            }
        }
    }

    /** One round of work; an interrupt (code that interrupts threads it does not own) only cuts the wait short. */
    private void cycle() {
        Task task;
        try {
            task = queue.poll(zeroingWaitNanos(nextWaitNanos()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            task = queue.poll();
        } finally {
            sleeping = false;
        }
        while (task != null) {
            process(task);
            task = queue.poll();
        }
        pollFences();
        runDue();
        zeroIdle();
    }

    /** {@return how long the thread may wait, given {@code wait} for its other work} */
    private long zeroingWaitNanos(long wait) {
        if (wait <= 1 || anyZeroingRequested()) {
            return 1;
        }
        if (System.nanoTime() - lingerUntil < 0) {
            return Math.min(wait, ZEROING_POLL_NANOS);
        }
        sleeping = true;
        if (anyZeroingRequested()) {
            sleeping = false;
            return 1;
        }
        return wait;
    }

    private boolean anyZeroingRequested() {
        for (ZeroingPool pool : zeroingPools) {
            if (pool.zeroingRequested()) {
                return true;
            }
        }
        return false;
    }

    /** Zeroes what the flagged pools ask for, for at most one slice. */
    private void zeroIdle() {
        long deadline = System.nanoTime() + ZEROING_SLICE_NANOS;
        for (ZeroingPool pool : zeroingPools) {
            if (!pool.zeroingRequested()) {
                continue;
            }
            try {
                if (pool.zeroIdle(deadline) > 0) {
                    // Busy: poll for the next requests rather than have returners wake the thread. A scan
                    // that found nothing to zero (the blocks rented again at once) does not keep it polling.
                    lingerUntil = System.nanoTime() + ZEROING_LINGER_NANOS;
                }
            } catch (Throwable t) {
                failed("zeroing idle buffers", t);
            }
            if (System.nanoTime() - deadline > 0) {
                return;
            }
        }
    }

    /** {@return the background thread, for tests that interrupt it} */
    Thread thread() {
        return thread;
    }

    private long nextWaitNanos() {
        long now = System.nanoTime();
        long wait = TimeUnit.SECONDS.toNanos(60);
        for (FencedBlocks fences : watched) {
            wait = Math.min(wait, fences.urgent() ? URGENT_POLL_NANOS : POLL_NANOS);
        }
        synchronized (periodic) {
            for (Periodic p : periodic) {
                wait = Math.min(wait, p.due - now);
            }
        }
        synchronized (retries) {
            for (Task t : retries) {
                wait = Math.min(wait, t.due() - now);
            }
        }
        return Math.max(wait, 1);
    }

    private void process(Task task) {
        if (task == WAKE) {
            return;
        }
        try {
            if (task.lease() != null && task.lease().scope().isAlive()) {
                task.lease().close();
            }
            task.arena().close();
        } catch (IllegalStateException stillInUse) {
            if (task.arena().scope().isAlive()) {
                retryLater(task, stillInUse);
                return;
            }
            failed("closing a freed arena", stillInUse);
        } catch (Throwable failure) {
            failed("freeing memory", failure);
        }
        finish(task);
    }

    private void retryLater(Task task, IllegalStateException reason) {
        if (task.attempt() + 1 >= MAX_ATTEMPTS) {
            // Still held by a native call after minutes: give up on it, keep its budget bytes (they are truly held).
            failed("closing a freed arena still in use after " + MAX_ATTEMPTS + " attempts", reason);
            finishWithout(task);
            return;
        }
        long backoff = Math.min(MAX_BACKOFF_NANOS, TimeUnit.MILLISECONDS.toNanos(1L << Math.min(task.attempt(), 10)));
        synchronized (retries) {
            retries.add(new Task(task.arena(), task.lease(), task.afterClose(), task.attempt() + 1,
                    System.nanoTime() + backoff));
        }
        queue.add(WAKE);
    }

    private void finish(Task task) {
        Runnable after = task.afterClose();
        if (after != null) {
            try {
                after.run();
            } catch (Throwable failure) {
                failed("accounting for freed memory", failure);
            }
        }
        finishWithout(task);
    }

    private void finishWithout(Task task) {
        finished.incrementAndGet();
        synchronized (done) {
            done.notifyAll();
        }
    }

    private void pollFences() {
        for (FencedBlocks fences : watched) {
            fences.collect();
            if (fences.pending() == 0) {
                watched.remove(fences);
                if (fences.pending() > 0) {
                    watched.add(fences);
                }
            }
        }
        List<Task> due = new ArrayList<>();
        long now = System.nanoTime();
        synchronized (retries) {
            for (Iterator<Task> it = retries.iterator(); it.hasNext(); ) {
                Task t = it.next();
                if (t.due() <= now) {
                    due.add(t);
                    it.remove();
                }
            }
        }
        due.forEach(this::process);
    }

    private void runDue() {
        List<Periodic> run = new ArrayList<>();
        long now = System.nanoTime();
        synchronized (periodic) {
            for (Iterator<Periodic> it = periodic.iterator(); it.hasNext(); ) {
                Periodic p = it.next();
                if (p.owner.get() == null) {
                    it.remove();
                } else if (p.due <= now) {
                    p.due = now + p.periodNanos;
                    run.add(p);
                }
            }
        }
        for (Periodic p : run) {
            Object owner = p.owner.get();
            if (owner != null) {
                try {
                    p.task.accept(owner);
                } catch (Throwable t) {
                    failed("a periodic trim", t);
                }
            }
        }
    }
}
