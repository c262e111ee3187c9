package dev.pinnedmemory.web;

import java.io.IOException;

import dev.pinnedmemory.PinnedBuffer;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServletRequest;

/**
 * The lease of one {@code @PinnedBody} parameter of one servlet request, and its end: run as the
 * request's destruction callback when the dispatch completes; if that dispatch started async processing
 * ({@code Callable}, {@code DeferredResult}), the lease ends only when the async processing completes,
 * after the async result is written. Ending it again, or after the handler closed it, does nothing.
 * Thread-safe: the end may run on a container thread other than the one that read the body.
 */
final class RequestLease<A> implements Runnable, AsyncListener {

    private final HttpServletRequest request;
    private volatile PinnedBuffer<A> lease;

    RequestLease(HttpServletRequest request, PinnedBuffer<A> lease) {
        this.request = request;
        this.lease = lease;
    }

    /** The handler gets {@code body} (the lease itself, or one narrowed from it): that is what ends. */
    void handOver(PinnedBuffer<A> body) {
        this.lease = body;
    }

    /** Ends the lease now (a refused or unreadable body). */
    void end() {
        lease.close();
    }

    /** At the end of a dispatch: ends the lease, or defers to the end of the async processing it started. */
    @Override
    public void run() {
        if (request.isAsyncStarted()) {
            try {
                request.getAsyncContext().addListener(this);
                return;
            } catch (IllegalStateException alreadyOver) {
                // The async processing is past the point of taking listeners: nothing will use the lease now.
            }
        }
        lease.close();
    }

    @Override
    public void onComplete(AsyncEvent event) {
        lease.close();
    }

    @Override
    public void onTimeout(AsyncEvent event) {
        // onComplete follows.
    }

    @Override
    public void onError(AsyncEvent event) {
        // onComplete follows.
    }

    @Override
    public void onStartAsync(AsyncEvent event) throws IOException {
        // A new async cycle drops the listeners of the last one: stay for the end of this one.
        event.getAsyncContext().addListener(this);
    }
}
