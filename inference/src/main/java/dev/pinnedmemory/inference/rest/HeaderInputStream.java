package dev.pinnedmemory.inference.rest;

import java.io.IOException;
import java.io.InputStream;

import tools.jackson.core.JsonParser;
import tools.jackson.core.TokenStreamLocation;

/**
 * The JSON part of a request body, for the parser and for {@link JsonDataScanner}: at most {@code limit}
 * bytes of the body, so that nothing reads ahead into the binary part. With {@code strict}, the body is all
 * JSON and {@code limit} is {@code max-header-size}: a body going on past it is refused ({@link TooLong})
 * instead of being cut.
 *
 * <p>The bytes go through one buffer of its own (at most {@value #CHUNK} bytes, no larger than the limit).
 * It hands the parser its bytes up to and including the {@code [} that opens the value of a {@code "data"}
 * property, and stops there (a short read), so that when the parser returns that array's start it has read
 * nothing of its contents: {@link JsonTensorSource} can then {@link #takeOver} and let the scanner read the
 * numbers from the buffer itself, up to the array's closing {@code ]}, which the parser reads next, as if the
 * array had been empty. The parser's locations then lack the scanned bytes: {@link #where} and
 * {@link #offset} give the true ones (the last scan's record suffices, as the parser only reports where it
 * is). Used by one parser and its scanners on one thread; not thread-safe.
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

    /**
     * A body whose first bytes are not how UTF-8 JSON can start: a NUL byte or a UTF-16 byte order mark. Jackson
     * would guess UTF-16 or UTF-32 from them, and its guess and its decoders' errors would depend on how the
     * container cut the body into reads; the protocol's JSON is UTF-8 (RFC 8259, section 8.1).
     */
    static final class NotUtf8 extends IOException {
        private static final long serialVersionUID = 1L;

        NotUtf8(String what) {
            super("the JSON is not UTF-8: " + what + " (the protocol's JSON is UTF-8 text, RFC 8259 section 8.1)");
        }
    }

    /** How many first bytes Jackson looks at to guess an encoding. */
    private static final int ENCODING_BYTES = 4;

    /** The buffer's size: large enough for every token the scanner keeps whole (numbers of up to 1000 digits). */
    static final int CHUNK = 16 * 1024;

    private static final int OUTSIDE = 0;
    private static final int IN_STRING = 1;
    private static final int ESCAPED = 2;
    private static final int AFTER_DATA = 3;
    private static final int AFTER_COLON = 4;
    private static final byte[] DATA = {'d', 'a', 't', 'a'};

    private final InputStream body;
    private final long limit;
    private final boolean strict;
    private final boolean stopAtData;
    private long consumed;
    private boolean encodingChecked;
    private byte[] buffer = new byte[0];
    private int position;
    private int end;
    /** The body's offset of {@code buffer[0]}. */
    private long base;

    private int lexer = OUTSIDE;
    private int matched;
    /** The last byte handed to the parser was the {@code [} of a {@code "data"} value. */
    private boolean stopped;
    /** Bytes the scanner took: the parser's offsets are this much behind from the last resume on. */
    private long skipped;

    // Where the scanner starts (true position) and, after it, where the parser resumes (the parser's and the true position).
    private int line = 1;
    private long lineStart;
    private long takeOverOffset;
    private long takeOverParserOffset;
    private int takeOverParserLine;
    private int takeOverParserColumn;
    private long resumeParserOffset = -1;
    private int resumeParserLine;
    private int resumeParserColumn;
    private long resumeOffset;
    private int resumeLine;
    private int resumeColumn;

    HeaderInputStream(InputStream body, long limit, boolean strict) {
        this(body, limit, strict, true);
    }

    /** With {@code stopAtData} false it never stops for a {@code "data"} array: the parser reads every byte (tests compare both ways). */
    HeaderInputStream(InputStream body, long limit, boolean strict, boolean stopAtData) {
        this.body = body;
        this.limit = limit;
        this.strict = strict;
        this.stopAtData = stopAtData;
    }

    @Override
    public int read() throws IOException {
        if (position == end && !more()) {
            return -1;
        }
        if (stopAtData) {
            lex(1);
        }
        return buffer[position++] & 0xFF;
    }

    @Override
    public int read(byte[] target, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        if (position == end && !more()) {
            return -1;
        }
        int count = Math.min(length, end - position);
        if (stopAtData) {
            count = lex(count);
        }
        System.arraycopy(buffer, position, target, offset, count);
        position += count;
        return count;
    }

    @Override
    public void close() {
        // The body goes on (binary data): the parser must not close it.
    }

    /**
     * Gives the bytes after the parser's position to a scanner, if the parser stands right after a
     * {@code "data"} array's {@code [} and has read nothing more: {@return whether it did} (else the parser
     * reads on, token by token). The scanner reads {@link #buffer()} from {@link #position()} and calls
     * {@link #resume} at the array's closing {@code ]}.
     */
    boolean takeOver(JsonParser json) {
        if (!stopped) {
            return false;
        }
        TokenStreamLocation at = json.currentLocation();
        if (at.getByteOffset() != base + position - skipped) {
            return false;
        }
        takeOverOffset = base + position;
        line = line(at);
        lineStart = takeOverOffset - (column(at) - 1);
        takeOverParserOffset = at.getByteOffset();
        takeOverParserLine = at.getLineNr();
        takeOverParserColumn = at.getColumnNr();
        stopped = false;
        return true;
    }

    /** {@return the line where the scanner starts (1 is the first)} */
    int line() {
        return line;
    }

    /** {@return the body's offset of the first byte of the line where the scanner starts} */
    long lineStart() {
        return lineStart;
    }

    /**
     * The scanner stops at {@code index}, the data's closing {@code ]}, on {@code line}, which starts at
     * the body's offset {@code lineStart}: the parser reads on from there.
     */
    void resume(int index, int line, long lineStart) {
        long offset = base + index;
        skipped += offset - takeOverOffset;
        position = index;
        resumeParserOffset = takeOverParserOffset;
        resumeParserLine = takeOverParserLine;
        resumeParserColumn = takeOverParserColumn;
        resumeOffset = offset;
        resumeLine = line;
        resumeColumn = (int) Math.min(Integer.MAX_VALUE, offset - lineStart + 1);
        lexer = OUTSIDE;
    }

    /** {@return "line L, column C" of a location of the parser, counting the bytes the scanners took} */
    String where(TokenStreamLocation at) {
        return "line " + line(at) + ", column " + column(at);
    }

    /** {@return the body's offset of a location of the parser, counting the bytes the scanners took} */
    long offset(TokenStreamLocation at) {
        return resumeParserOffset < 0 || at.getByteOffset() < resumeParserOffset ? at.getByteOffset()
                : resumeOffset + (at.getByteOffset() - resumeParserOffset);
    }

    private int line(TokenStreamLocation at) {
        return resumeParserOffset < 0 || at.getByteOffset() < resumeParserOffset ? at.getLineNr()
                : resumeLine + (at.getLineNr() - resumeParserLine);
    }

    private int column(TokenStreamLocation at) {
        return resumeParserOffset < 0 || at.getByteOffset() < resumeParserOffset || at.getLineNr() != resumeParserLine
                ? at.getColumnNr() : resumeColumn + (at.getColumnNr() - resumeParserColumn);
    }

    /** {@return the buffer the scanner reads} (a new one after {@link #more()} may have grown it) */
    byte[] buffer() {
        return buffer;
    }

    /** {@return the index of the first byte not read yet} */
    int position() {
        return position;
    }

    /** {@return the end of the bytes in the buffer} */
    int end() {
        return end;
    }

    /** {@return the body's offset of {@code buffer()[index]}} */
    long offsetOf(int index) {
        return base + index;
    }

    /** Moves the scanner's position to {@code index} (before a {@link #more()} that keeps the bytes from there). */
    void position(int index) {
        position = index;
    }

    /**
     * Keeps the bytes from {@link #position()} (moved to the buffer's start) and reads more after them:
     * {@return false at the end of the JSON} (nothing more could be read). There must be room: a scanner
     * keeps fewer than {@value #CHUNK} bytes.
     *
     * @throws TooLong when {@code strict} and the body goes on past the limit
     */
    boolean more() throws IOException {
        int kept = end - position;
        if (kept == buffer.length && kept > 0 && consumed < limit) {
            throw new IllegalStateException("a JSON token of more than " + kept + " bytes kept whole");
        }
        if (buffer.length == 0) {
            buffer = new byte[(int) Math.max(1, Math.min(CHUNK, limit))];
        } else if (kept > 0 && position > 0) {
            System.arraycopy(buffer, position, buffer, 0, kept);
        }
        base += position;
        position = 0;
        end = kept;
        long room = Math.min(buffer.length - kept, limit - consumed);
        if (room <= 0) {
            if (consumed >= limit && strict && body.read() >= 0) {
                throw new TooLong(limit);
            }
            return false;
        }
        int read = body.read(buffer, kept, (int) room);
        if (read <= 0) {
            return false;
        }
        consumed += read;
        end += read;
        if (!encodingChecked) {
            encodingChecked = true;
            fillAndCheckEncoding();
        }
        return true;
    }

    /**
     * Reads on until the buffer holds the body's first {@value #ENCODING_BYTES} bytes (or all of a shorter body),
     * so that the check sees the same bytes however the body was cut, and refuses those Jackson would take for
     * UTF-16 or UTF-32.
     */
    private void fillAndCheckEncoding() throws IOException {
        while (end < ENCODING_BYTES && end < buffer.length && consumed < limit) {
            int read = body.read(buffer, end, (int) Math.min(buffer.length - end, limit - consumed));
            if (read <= 0) {
                break;
            }
            consumed += read;
            end += read;
        }
        for (int i = 0; i < Math.min(end, ENCODING_BYTES); i++) {
            if (buffer[i] == 0) {
                throw new NotUtf8("byte " + i + " is 0x00");
            }
        }
        int first = end >= 2 ? (buffer[0] & 0xFF) << 8 | buffer[1] & 0xFF : 0;
        if (first == 0xFEFF || first == 0xFFFE) {
            throw new NotUtf8(String.format("it starts with the UTF-16 byte order mark 0x%02X 0x%02X", buffer[0] & 0xFF,
                    buffer[1] & 0xFF));
        }
    }

    /**
     * {@return how many of the next {@code count} bytes to hand the parser}: all, or up to and including
     * the {@code [} that opens a {@code "data"} value (outside strings, after the property name and its colon).
     */
    private int lex(int count) {
        int state = lexer;
        int match = matched;
        byte[] bytes = buffer;
        for (int i = position, to = position + count; i < to; i++) {
            int c = bytes[i];
            if (state == IN_STRING) {
                if (c == '"') {
                    state = match == DATA.length ? AFTER_DATA : OUTSIDE;
                } else if (c == '\\') {
                    state = ESCAPED;
                    match = -1;
                } else if (match >= 0) {
                    match = match < DATA.length && c == DATA[match] ? match + 1 : -1;
                }
            } else if (state == ESCAPED) {
                state = IN_STRING;
            } else if (c == '"') {
                state = IN_STRING;
                match = 0;
            } else if (c == ':' && state == AFTER_DATA) {
                state = AFTER_COLON;
            } else if (c == '[' && state == AFTER_COLON) {
                lexer = OUTSIDE;
                matched = match;
                stopped = true;
                return i - position + 1;
            } else if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                state = OUTSIDE;
            }
        }
        lexer = state;
        matched = match;
        stopped = false;
        return count;
    }
}
