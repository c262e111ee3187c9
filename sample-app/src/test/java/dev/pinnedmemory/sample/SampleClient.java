package dev.pinnedmemory.sample;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A plain {@link HttpClient} against the running service, so tests see exactly what curl would. */
final class SampleClient {

    static final String ADMIN = "admin:test-admin-secret";
    static final String VIEWER = "viewer:test-viewer-secret";
    static final String OCTET_STREAM = "application/octet-stream";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private final URI base;

    SampleClient(int port) {
        this.base = URI.create("http://localhost:" + port);
    }

    /** A status, a content type, the headers and a body, with the body parsed as JSON on demand. */
    record Answer(int status, String contentType, HttpHeaders headers, String body) {
        JsonNode json() {
            return JSON.readTree(body);
        }

        /** {@return the RFC 9457 problem detail of a refusal} */
        String detail() {
            return json().path("detail").asString();
        }

        /** {@return the value of header {@code name}, or null} */
        String header(String name) {
            return headers.firstValue(name).orElse(null);
        }
    }

    Answer get(String path) {
        return send(request(path, null).GET());
    }

    Answer get(String path, String credentials) {
        return send(request(path, credentials).GET());
    }

    /** POSTs {@code body} with a Content-Length; {@code contentType} and {@code credentials} may be null. */
    Answer post(String path, String contentType, byte[] body, String credentials) {
        HttpRequest.Builder request = request(path, credentials).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        return send(request);
    }

    /** POSTs {@code body} chunked, without a Content-Length, as a streaming client would. */
    Answer postChunked(String path, String contentType, byte[] body) {
        return send(request(path, null).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))));
    }

    /**
     * POSTs an Open Inference Protocol request with binary data, as Triton's clients send it: the JSON
     * {@code header}, then {@code binary}, with {@code Inference-Header-Content-Length}. {@return the status,
     * the headers and the raw body}
     */
    HttpResponse<byte[]> postInference(String path, String header, byte[] binary) {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[json.length + binary.length];
        System.arraycopy(json, 0, body, 0, json.length);
        System.arraycopy(binary, 0, body, json.length, binary.length);
        try {
            return http.send(request(path, null).header("Inference-Header-Content-Length", Integer.toString(json.length))
                    .header("Content-Type", OCTET_STREAM).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    Answer postJson(String path, String json, String credentials) {
        return post(path, "application/json", json.getBytes(StandardCharsets.UTF_8), credentials);
    }

    private HttpRequest.Builder request(String path, String credentials) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30));
        if (credentials != null) {
            request.header("Authorization", "Basic "
                    + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
        }
        return request;
    }

    private Answer send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""),
                    response.headers(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
