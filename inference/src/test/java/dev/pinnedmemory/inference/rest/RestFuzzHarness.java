package dev.pinnedmemory.inference.rest;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import dev.pinnedmemory.inference.FuzzServer;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;

import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.web.util.UriUtils;

/**
 * The REST fuzz target's machinery: one raw HTTP/1.1 request (request line, headers, blank line, body:
 * what a client writes on the socket) given to {@link InferenceRestController} as the servlet container
 * would give it, without a server: Spring's servlet mocks, the route resolved as the controller's
 * mappings say, {@code Content-Length} applied as Tomcat applies it (the body ends there; a body shorter
 * than it is a client that went away, an {@code IOException} mid-read), no {@code Content-Length} a
 * chunked body already de-chunked. The body is read either in whole reads or in a trickle of 1 to 7
 * bytes whose {@code read(ByteBuffer)} leaves the buffer's position where it was, as Tomcat 11's does
 * ({@link Reads}).
 *
 * <p>{@link #check} holds every answer to the protocol: a status of 200, 400, 404 or 413 (never a 5xx:
 * the fuzz server's models never fail and its pool never runs dry), errors as {@code {"error": "..."}},
 * successes as well-formed JSON and, for binary answers, an {@code Inference-Header-Content-Length} and
 * binary part that add up to the body; an aborted request answers nothing.
 *
 * <p>Not thread-safe: one fuzz target drives it.
 */
final class RestFuzzHarness {

    /** How the container hands the body to the reader. */
    enum Reads {
        /** Reads as large as asked; {@code read(ByteBuffer)} advances the buffer as the Servlet API says. */
        WHOLE,
        /** Reads of 1 to 7 bytes; {@code read(ByteBuffer)} leaves the buffer's position where it was (Tomcat 11). */
        TRICKLE
    }

    /**
     * What the client got back.
     *
     * @param endpoint the endpoint the request went to, e.g. {@code INFER}
     * @param status the HTTP status
     * @param contentType the answer's content type, or null
     * @param headerLength the {@code Inference-Header-Content-Length} of the answer, or null
     * @param retryAfter the {@code Retry-After} of the answer, or null
     * @param body the answer's body
     * @param aborted whether the client went away while its body was read (the harness's body threw)
     */
    record Exchange(String endpoint, int status, @Nullable String contentType, @Nullable String headerLength, @Nullable String retryAfter,
                    byte[] body, boolean aborted) {

        @Override
        public boolean equals(Object other) {
            return other instanceof Exchange that && endpoint.equals(that.endpoint) && status == that.status && aborted == that.aborted
                    && Objects.equals(contentType, that.contentType) && Objects.equals(headerLength, that.headerLength)
                    && Objects.equals(retryAfter, that.retryAfter) && Arrays.equals(body, that.body);
        }

        @Override
        public int hashCode() {
            return Objects.hash(status, contentType, headerLength, Arrays.hashCode(body), aborted);
        }

        @Override
        public String toString() {
            return "Exchange[" + endpoint + " " + status + (aborted ? " aborted" : "") + ", " + contentType
                    + (headerLength == null ? "" : ", Inference-Header-Content-Length " + headerLength) + ", "
                    + new String(body, StandardCharsets.ISO_8859_1) + "]";
        }
    }

    /** Headers a mock request would interpret (and may refuse) on its own; the controller reads none of them. */
    private static final Set<String> NOT_PASSED = Set.of("content-length", "content-type", "accept-language");
    /** Endpoints whose answers have no body: health and readiness. */
    private static final Set<String> EMPTY_ANSWERS = Set.of("LIVE", "SERVER_READY", "READY");

    private final FuzzServer server;
    private final InferenceRestController controller;

    RestFuzzHarness(FuzzServer server) {
        this.server = server;
        this.controller = new InferenceRestController(server.inference());
    }

    /**
     * Runs {@code raw} through the controller with both ways of reading, checks each answer and the pool's
     * books after each, and that both answers are the same to the byte.
     *
     * @return the answer, or null when {@code raw} never reaches the controller (a request Tomcat or Spring
     *     refuses on their own: no head, a malformed request line, header or {@code Content-Length}, another route)
     * @throws AssertionError for every broken promise
     */
    @Nullable Exchange exchangeAndCheck(byte[] raw) throws IOException {
        return exchangeAndCheck(raw, () -> { }, () -> { });
    }

    /**
     * As {@link #exchangeAndCheck(byte[])}, with {@code before} run before each of the two exchanges (to put the
     * client's shared memory back as it was) and {@code after} after each (to check it).
     */
    @Nullable Exchange exchangeAndCheck(byte[] raw, Runnable before, Runnable after) throws IOException {
        before.run();
        Exchange whole = exchange(raw, Reads.WHOLE);
        if (whole == null) {
            return null;
        }
        check(whole);
        server.assertBalanced("a request read whole");
        after.run();
        before.run();
        Exchange trickled = exchange(raw, Reads.TRICKLE);
        server.assertBalanced("a request read in a trickle");
        after.run();
        if (!whole.equals(trickled)) {
            throw new AssertionError("the same request answered differently when its body came in a trickle:\n  whole:   "
                    + whole + "\n  trickle: " + trickled);
        }
        return whole;
    }

    /** {@return the answer to {@code raw}, its body read as {@code reads} says, or null when it never reaches the controller} */
    @Nullable Exchange exchange(byte[] raw, Reads reads) throws IOException {
        int headEnd = indexOf(raw, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        if (headEnd < 0) {
            return null;
        }
        String[] lines = new String(raw, 0, headEnd, StandardCharsets.ISO_8859_1).split("\r\n", -1);
        String[] requestLine = lines[0].split(" ", -1);
        if (requestLine.length != 3 || !requestLine[2].startsWith("HTTP/1.") || !requestLine[1].startsWith("/")) {
            return null;
        }
        String method = requestLine[0];
        String path = requestLine[1];
        int query = path.indexOf('?');
        if (query >= 0) {
            path = path.substring(0, query);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        long contentLength = -1;
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon <= 0 || lines[i].substring(0, colon).indexOf(' ') >= 0) {
                return null;
            }
            String name = lines[i].substring(0, colon);
            String value = lines[i].substring(colon + 1).strip();
            if (name.equalsIgnoreCase("Content-Length")) {
                if (contentLength >= 0 || value.isEmpty() || value.length() > 18 || !value.chars().allMatch(Character::isDigit)) {
                    return null;
                }
                contentLength = Long.parseLong(value);
            }
            headers.putIfAbsent(name, value);
        }
        Route route = route(method, path);
        if (route == null) {
            return null;
        }
        int bodyStart = headEnd + 4;
        int available = raw.length - bodyStart;
        boolean shortBody = contentLength > available;
        int bodyEnd = contentLength < 0 || shortBody ? raw.length : bodyStart + (int) contentLength;
        Body body = new Body(raw, bodyStart, bodyEnd, shortBody, reads);
        Request request = new Request(method, path, contentLength, body);
        headers.forEach((name, value) -> {
            if (!NOT_PASSED.contains(name.toLowerCase(Locale.ROOT))) {
                request.addHeader(name, value);
            }
        });
        MockHttpServletResponse response = new MockHttpServletResponse();
        try {
            switch (route.endpoint()) {
                case INFER -> controller.infer(route.model(), route.version(), request, response);
                case INDEX -> controller.repositoryIndex(request, response);
                case METADATA -> controller.modelMetadata(route.model(), route.version(), response);
                case READY -> controller.modelReady(route.model(), route.version(), response);
                case SERVER -> controller.serverMetadata(response);
                case LIVE -> controller.live(response);
                case SERVER_READY -> controller.ready(response);
            }
        } catch (IOException e) {
            if (!body.aborted) {
                throw new AssertionError("an IOException escaped the controller, but the client did not go away", e);
            }
            // The container drops a request whose client went away.
        }
        return new Exchange(route.endpoint().name(), response.getStatus(), response.getContentType(),
                response.getHeader(ProtocolJson.INFERENCE_HEADER_CONTENT_LENGTH), response.getHeader("Retry-After"),
                response.getContentAsByteArray(), body.aborted);
    }

    /** Checks that {@code exchange} is an answer of the protocol. */
    static void check(Exchange exchange) {
        if (exchange.aborted()) {
            if (exchange.status() >= 500) {
                throw new AssertionError("a request whose client went away was answered " + exchange);
            }
            return;
        }
        switch (exchange.status()) {
            case 200 -> checkSuccess(exchange);
            case 400, 404, 413 -> {
                if (exchange.body().length == 0 && exchange.status() == 400 && EMPTY_ANSWERS.contains(exchange.endpoint())) {
                    return;   // not ready: an empty body, as the protocol says
                }
                Object error = json(exchange.body(), 0, exchange.body().length, exchange);
                if (!(error instanceof Map<?, ?> map) || map.size() != 1 || !(map.get("error") instanceof String message)
                        || message.isBlank() || !"application/json".equals(exchange.contentType())) {
                    throw new AssertionError("an error that is not the protocol's {\"error\": \"...\"}: " + exchange);
                }
            }
            default -> throw new AssertionError("status " + exchange.status() + " (expected: 200, 400, 404 or 413): " + exchange);
        }
    }

    private static void checkSuccess(Exchange exchange) {
        byte[] body = exchange.body();
        if (EMPTY_ANSWERS.contains(exchange.endpoint())) {
            if (body.length != 0) {
                throw new AssertionError("a health or readiness answer with a body: " + exchange);
            }
            return;
        }
        if (exchange.headerLength() == null) {
            if (!"application/json".equals(exchange.contentType())) {
                throw new AssertionError("a JSON answer of content type " + exchange.contentType() + ": " + exchange);
            }
            json(body, 0, body.length, exchange);
            return;
        }
        int headerLength;
        try {
            headerLength = Integer.parseInt(exchange.headerLength());
        } catch (NumberFormatException e) {
            throw new AssertionError("Inference-Header-Content-Length is not a number: " + exchange);
        }
        if (headerLength <= 0 || headerLength > body.length || !"application/octet-stream".equals(exchange.contentType())) {
            throw new AssertionError("a binary answer whose header length or content type is wrong: " + exchange);
        }
        Object header = json(body, 0, headerLength, exchange);
        long binary = 0;
        if (header instanceof Map<?, ?> map && map.get("outputs") instanceof List<?> outputs) {
            for (Object output : outputs) {
                if (output instanceof Map<?, ?> tensor && tensor.get("parameters") instanceof Map<?, ?> parameters
                        && parameters.get("binary_data_size") instanceof Long size) {
                    binary += size;
                }
            }
        }
        if (headerLength + binary != body.length) {
            throw new AssertionError("a binary answer of " + body.length + " bytes whose JSON (" + headerLength
                    + " bytes) and binary_data_size (" + binary + " bytes) do not add up: " + exchange);
        }
    }

    /** {@return the JSON value in {@code bytes}: maps, lists, strings, longs, doubles, booleans, null} */
    private static @Nullable Object json(byte[] bytes, int offset, int length, Exchange exchange) {
        try (JsonParser parser = ProtocolJson.FACTORY.createParser(ObjectReadContext.empty(), bytes, offset, length)) {
            Object value = value(parser, parser.nextToken());
            if (parser.nextToken() != null) {
                throw new AssertionError("JSON goes on after its value: " + exchange);
            }
            return value;
        } catch (JacksonException e) {
            throw new AssertionError("an answer whose JSON is malformed (" + e.getOriginalMessage() + "): " + exchange, e);
        }
    }

    private static @Nullable Object value(JsonParser parser, @Nullable JsonToken token) {
        if (token == null) {
            throw new AssertionError("empty JSON");
        }
        return switch (token) {
            case START_OBJECT -> {
                Map<String, Object> map = new LinkedHashMap<>();
                while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
                    String name = parser.currentName();
                    if (map.put(name, value(parser, parser.nextToken())) != null) {
                        throw new AssertionError("the answer's JSON has '" + name + "' twice");
                    }
                }
                yield map;
            }
            case START_ARRAY -> {
                List<Object> list = new ArrayList<>();
                JsonToken next;
                while ((next = parser.nextToken()) != JsonToken.END_ARRAY) {
                    list.add(value(parser, next));
                }
                yield list;
            }
            case VALUE_STRING -> parser.getString();
            case VALUE_NUMBER_INT -> parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? parser.getBigIntegerValue()
                    : parser.getLongValue();
            case VALUE_NUMBER_FLOAT -> parser.getDoubleValue();
            case VALUE_TRUE -> true;
            case VALUE_FALSE -> false;
            case VALUE_NULL -> null;
            default -> throw new AssertionError("unexpected JSON token " + token);
        };
    }

    private enum Endpoint { INFER, INDEX, METADATA, READY, SERVER, LIVE, SERVER_READY }

    private record Route(Endpoint endpoint, String model, @Nullable String version) {
    }

    /** {@return where the controller's mappings send {@code method} and {@code path}, with its path variables decoded, or null} */
    private static @Nullable Route route(String method, String path) {
        String[] segments = path.split("/", -1);
        boolean get = method.equals("GET");
        boolean post = method.equals("POST");
        try {
            if (segments.length < 2 || !segments[0].isEmpty() || !segments[1].equals("v2")) {
                return null;
            }
            if (segments.length == 2) {
                return get ? new Route(Endpoint.SERVER, "", null) : null;
            }
            if (segments.length == 4 && segments[2].equals("health") && get) {
                return switch (segments[3]) {
                    case "live" -> new Route(Endpoint.LIVE, "", null);
                    case "ready" -> new Route(Endpoint.SERVER_READY, "", null);
                    default -> null;
                };
            }
            if (segments.length == 4 && segments[2].equals("repository") && segments[3].equals("index")) {
                return post ? new Route(Endpoint.INDEX, "", null) : null;
            }
            if (!segments[2].equals("models") || segments.length < 4 || segments[3].isEmpty()) {
                return null;
            }
            String model = UriUtils.decode(segments[3], StandardCharsets.UTF_8);
            String version = null;
            int next = 4;
            if (segments.length >= 6 && segments[4].equals("versions") && !segments[5].isEmpty()) {
                version = UriUtils.decode(segments[5], StandardCharsets.UTF_8);
                next = 6;
            }
            if (segments.length == next) {
                return get ? new Route(Endpoint.METADATA, model, version) : null;
            }
            if (segments.length == next + 1 && segments[next].equals("ready")) {
                return get ? new Route(Endpoint.READY, model, version) : null;
            }
            if (segments.length == next + 1 && segments[next].equals("infer")) {
                return post ? new Route(Endpoint.INFER, model, version) : null;
            }
            return null;
        } catch (IllegalArgumentException malformedEncoding) {
            return null;
        }
    }

    private static int indexOf(byte[] bytes, byte[] pattern) {
        outer:
        for (int i = 0; i + pattern.length <= bytes.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (bytes[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** The container's request: its body and {@code Content-Length} are the harness's. */
    private static final class Request extends MockHttpServletRequest {

        private final long contentLength;
        private final Body body;

        Request(String method, String path, long contentLength, Body body) {
            super(method, path);
            this.contentLength = contentLength;
            this.body = body;
        }

        @Override
        public ServletInputStream getInputStream() {
            return body;
        }

        @Override
        public long getContentLengthLong() {
            return contentLength;
        }

        @Override
        public int getContentLength() {
            return contentLength > Integer.MAX_VALUE ? -1 : (int) contentLength;
        }
    }

    /** The body as the container hands it out: whole or in a trickle, and a client that went away before its end. */
    private static final class Body extends ServletInputStream {

        private final byte[] bytes;
        private final int end;
        private final boolean clientGoesAway;
        private final Reads reads;
        private int position;
        private int step;
        boolean aborted;

        Body(byte[] bytes, int start, int end, boolean clientGoesAway, Reads reads) {
            this.bytes = bytes;
            this.position = start;
            this.end = end;
            this.clientGoesAway = clientGoesAway;
            this.reads = reads;
        }

        @Override
        public int read() throws IOException {
            if (position >= end) {
                return ended();
            }
            return bytes[position++] & 0xFF;
        }

        @Override
        public int read(byte[] target, int offset, int length) throws IOException {
            Objects.checkFromIndexSize(offset, length, target.length);
            if (length == 0) {
                return 0;
            }
            if (position >= end) {
                return ended();
            }
            int count = Math.min(Math.min(length, end - position), allowance());
            System.arraycopy(bytes, position, target, offset, count);
            position += count;
            return count;
        }

        @Override
        public int read(ByteBuffer target) throws IOException {
            if (!target.hasRemaining()) {
                return 0;
            }
            if (position >= end) {
                return ended();
            }
            int count = Math.min(Math.min(target.remaining(), end - position), allowance());
            if (reads == Reads.WHOLE) {
                target.put(bytes, position, count);
            } else {
                target.put(target.position(), bytes, position, count);   // Tomcat 11: the position stays
            }
            position += count;
            return count;
        }

        @Override
        public boolean isFinished() {
            return position >= end;
        }

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void setReadListener(ReadListener listener) {
            throw new UnsupportedOperationException("blocking reads only");
        }

        private int allowance() {
            return reads == Reads.WHOLE ? Integer.MAX_VALUE : 1 + step++ % 7;
        }

        private int ended() throws IOException {
            if (clientGoesAway) {
                aborted = true;
                throw new IOException("the client went away before the end of its body (fuzz harness)");
            }
            return -1;
        }
    }
}
