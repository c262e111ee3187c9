package dev.pinnedmemory.inference;

import java.util.ArrayList;
import java.util.List;

/**
 * The ends of one request: every lease of its inputs, every lease its response owns and every hold on
 * memory it uses (a shared memory region), each ended exactly once. An end added twice is kept once;
 * an end added after {@link #endAll()} is ended at once, so nothing added late is lost.
 *
 * <p>Thread-safe: a model's response may be built on another thread than the one that ends the request.
 */
final class RequestLeases {

    private static final System.Logger LOG = System.getLogger(RequestLeases.class.getName());

    private final List<AutoCloseable> ends = new ArrayList<>();
    private final boolean ofRequest;
    private boolean ended;

    /** @param ofRequest whether a request owns these ends (else a response outside any request does) */
    RequestLeases(boolean ofRequest) {
        this.ofRequest = ofRequest;
    }

    /** {@return whether a request owns these ends, and ends them when it ends} */
    boolean ofRequest() {
        return ofRequest;
    }

    /** {@return whether {@code end} was added; false if it already was, or was ended now because all were} */
    boolean add(AutoCloseable end) {
        synchronized (this) {
            if (!ended) {
                for (AutoCloseable known : ends) {
                    if (known == end) {
                        return false;
                    }
                }
                ends.add(end);
                return true;
            }
        }
        endQuietly(end);
        return false;
    }

    /** Ends {@code end} now, if it is one of these and not ended yet. */
    void end(AutoCloseable end) {
        boolean mine = false;
        synchronized (this) {
            for (int i = 0; i < ends.size(); i++) {
                if (ends.get(i) == end) {
                    ends.remove(i);
                    mine = true;
                    break;
                }
            }
        }
        if (mine) {
            endQuietly(end);
        }
    }

    /** {@return whether {@code end} is one of these} */
    synchronized boolean contains(AutoCloseable end) {
        for (AutoCloseable known : ends) {
            if (known == end) {
                return true;
            }
        }
        return false;
    }

    /** {@return how many ends are held now} */
    synchronized int size() {
        return ends.size();
    }

    /** Ends every end once, in the order they were added; a second call does nothing. */
    void endAll() {
        List<AutoCloseable> toEnd;
        synchronized (this) {
            if (ended) {
                return;
            }
            ended = true;
            toEnd = List.copyOf(ends);
            ends.clear();
        }
        for (AutoCloseable end : toEnd) {
            endQuietly(end);
        }
    }

    /**
     * Hands every end over to {@code target}, which ends them from now on; these are then empty and
     * ended (an end added later is ended at once).
     */
    void handOver(RequestLeases target) {
        List<AutoCloseable> moving;
        synchronized (this) {
            ended = true;
            moving = List.copyOf(ends);
            ends.clear();
        }
        for (AutoCloseable end : moving) {
            target.add(end);
        }
    }

    /** {@return whether {@link #endAll()} ran} */
    synchronized boolean isEnded() {
        return ended;
    }

    private static void endQuietly(AutoCloseable end) {
        try {
            end.close();
        } catch (Exception e) {
            // A lease's close does not throw; a hold's might: the others must still end.
            LOG.log(System.Logger.Level.WARNING, "ending a resource of an inference request failed: " + e, e);
        }
    }
}
