package dev.pinnedmemory.inference.rest;

import java.io.IOException;
import java.io.InputStream;

/**
 * The JSON part of a request body, for the parser: at most {@code limit} bytes of the body, so that the
 * parser's read-ahead never takes bytes of the binary part. With {@code strict}, the body is all JSON and
 * {@code limit} is {@code max-header-size}: a body going on past it is refused ({@link TooLong}) instead
 * of being cut. Used by one parser on one thread; not thread-safe.
 */
final class HeaderInputStream extends InputStream {

    /** A JSON body longer than the limit. */
    static final class TooLong extends IOException {
        private static final long serialVersionUID = 1L;

        TooLong(long limit) {
            super("the JSON body is longer than the limit of " + limit + " bytes (pinned-memory.inference.max-header-size); "
                    + "send tensors as binary data");
        }
    }

    private final InputStream body;
    private final long limit;
    private final boolean strict;
    private long consumed;

    HeaderInputStream(InputStream body, long limit, boolean strict) {
        this.body = body;
        this.limit = limit;
        this.strict = strict;
    }

    @Override
    public int read() throws IOException {
        if (!room()) {
            return -1;
        }
        int value = body.read();
        if (value >= 0) {
            consumed++;
        }
        return value;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        if (!room()) {
            return -1;
        }
        int read = body.read(buffer, offset, (int) Math.min(length, limit - consumed));
        if (read > 0) {
            consumed += read;
        }
        return read;
    }

    /** {@return the bytes handed to the parser so far} */
    long consumed() {
        return consumed;
    }

    @Override
    public void close() {
        // The body goes on (binary data): the parser must not close it.
    }

    private boolean room() throws IOException {
        if (consumed < limit) {
            return true;
        }
        if (strict && body.read() >= 0) {
            throw new TooLong(limit);
        }
        return false;
    }
}
