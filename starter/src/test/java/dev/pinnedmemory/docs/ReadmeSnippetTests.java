package dev.pinnedmemory.docs;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.MemoryBudget;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.PinnedMemoryPools;
import dev.pinnedmemory.PoolStats;
import dev.pinnedmemory.autoconfigure.PinnedBodyWebMvcAutoConfiguration;
import dev.pinnedmemory.autoconfigure.PinnedMemoryAutoConfiguration;
import jcuda.Pointer;
import jcuda.runtime.cudaStream_t;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockServletContext;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.context.support.AnnotationConfigWebApplicationContext;
import org.springframework.web.servlet.config.annotation.EnableWebMvc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * The code snippets of {@code README.md} and the modules' READMEs, run as the reader sees them: each is read from
 * its markdown file (the block after a {@code <!-- snippet: NAME -->} line), compiled exactly as written inside a
 * frame of imports (and, for statements, a method whose parameters are the snippet's free variables), and run;
 * YAML is bound by the starter's auto-configuration. Editing a snippet into something that does not compile, or
 * no longer does what its comments say, fails here, naming the file and line.
 */
class ReadmeSnippetTests {

    private static final Path ROOT = Project.root();
    private static final MarkdownSnippets README = MarkdownSnippets.read(ROOT.resolve("README.md"));
    private static final MarkdownSnippets CORE = MarkdownSnippets.read(ROOT.resolve("core/README.md"));
    private static final MarkdownSnippets WEB = MarkdownSnippets.read(ROOT.resolve("web/README.md"));
    private static final MarkdownSnippets AUTOCONFIGURE = MarkdownSnippets.read(ROOT.resolve("autoconfigure/README.md"));

    private static final String CORE_API = JavaSnippets.imports("dev.pinnedmemory.*", "java.time.Duration");
    private static final String CUDA = JavaSnippets.imports("jcuda.Pointer", "jcuda.runtime.JCuda",
            "jcuda.runtime.cudaError", "jcuda.runtime.cudaMemcpyKind", "jcuda.runtime.cudaStream_t",
            "dev.pinnedmemory.cuda.CudaFence", "dev.pinnedmemory.cuda.CudaPointers");
    private static final String SPRING = JavaSnippets.imports("java.util.List",
            "org.springframework.beans.factory.annotation.Qualifier", "org.springframework.context.annotation.Bean",
            "org.springframework.context.annotation.Configuration", "org.springframework.stereotype.Service",
            "org.springframework.web.bind.annotation.PostMapping", "org.springframework.web.bind.annotation.RestController",
            "org.springframework.web.reactive.config.EnableWebFlux",
            "org.springframework.web.servlet.config.annotation.EnableWebMvc", "dev.pinnedmemory.web.EnablePinnedBody",
            "dev.pinnedmemory.web.PinnedBody");

    @TempDir
    static Path classes;
    private static URLClassLoader snippets;

    @BeforeAll
    static void compileEveryJavaSnippet() {
        snippets = JavaSnippets.compile(classes, List.of(
                statements("readme.plainjava", README.get("plain-java"), CORE_API, ""),
                classes("readme.springcontroller", README.get("spring-controller"), CORE_API + SPRING),
                statements("core.pool", CORE.get("core-pool"), CORE_API, "float[] samples"),
                statements("core.fileread", CORE.get("core-file-read"), CORE_API
                                + JavaSnippets.imports("java.nio.channels.FileChannel", "java.nio.file.Path"),
                        "Path path, PinnedMemoryPool<float[]> frames, int elements, long offset"),
                new JavaSnippets.Unit("core.fence", "Snippet", CORE.get("core-transfer-fence"), CORE_API + CUDA
                        + "public final class Snippet {\n"
                        // The snippet's check(...): what a caller does with a CUDA return code, fail on an error.
                        + "    static void check(int rc) {\n"
                        + "        if (rc != cudaError.cudaSuccess) throw new IllegalStateException(cudaError.stringFor(rc));\n"
                        + "    }\n"
                        + "    public static void run(PinnedMemoryPool<float[]> frames, float[] batch, Pointer device, "
                        + "cudaStream_t stream) throws Exception {\n", "    }\n}\n"),
                classes("web.mvc", WEB.get("web-mvc-configuration"), CORE_API + SPRING),
                classes("web.webflux", WEB.get("webflux-configuration"), CORE_API + SPRING),
                classes("autoconfigure.uploader", AUTOCONFIGURE.get("frame-uploader"), CORE_API + SPRING)));
    }

    @AfterAll
    static void close() throws Exception {
        snippets.close();
    }

    @Test
    void everyMarkedSnippetShouldBeRunHere() {
        // A marker whose snippet no test runs would promise a check that does not happen.
        assertThat(README.names()).containsExactlyInAnyOrder("plain-java", "spring-yaml", "spring-controller");
        assertThat(CORE.names()).containsExactlyInAnyOrder("core-pool", "core-file-read", "core-transfer-fence");
        assertThat(WEB.names()).containsExactlyInAnyOrder("web-mvc-configuration", "webflux-configuration");
        assertThat(AUTOCONFIGURE.names()).containsExactlyInAnyOrder("autoconfigure-yaml", "frame-uploader");
    }

    @Test
    void readmePlainJavaShouldRunAsWrittenAndPrintTheAddressAndTheStats() throws Throwable {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.out;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            run("readme.plainjava");
        } finally {
            System.setOut(original);
        }
        assertThat(captured.toString(StandardCharsets.UTF_8))
                .containsPattern("^\\d+ PoolStats\\[elementType=FLOAT, bufferLength=262144, bufferBytes=1048576, "
                        + "initialSize=2, maxSize=20")
                .as("the rent is served by a buffer the pool page-locked up front").contains("hits=1, misses=0");
    }

    @Test
    void readmeYamlShouldGiveTheFramesPoolItsCommentsDescribe() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(PinnedMemoryAutoConfiguration.class))
                .withInitializer(context -> context.getEnvironment().getPropertySources()
                        .addFirst(yaml(README.get("spring-yaml"))))
                .run(context -> {
                    assertThat(context).hasNotFailed().hasBean("framesPinnedMemoryPool");
                    PinnedMemoryPool<float[]> frames = context.getBean(PinnedMemoryPools.class).get("frames",
                            ElementType.FLOAT);
                    assertThat(context.getBean("framesPinnedMemoryPool")).isSameAs(frames);
                    assertThat(frames.bufferSize()).as("4MB of floats").isEqualTo(1 << 20);
                    assertThat(frames.minBufferSize()).as("64KB of floats").isEqualTo(16 << 10);
                    assertThat(frames.maxWait()).isEqualTo(Duration.ofSeconds(2));
                    assertThat(frames.stats().idle()).as("initial-size").isEqualTo(2);
                    assertThat(context.getBean(MemoryBudget.class).limitBytes()).isEqualTo(512L << 20);
                    assertThat(context.getEnvironment().getProperty("management.endpoint.pinnedmemory.access"))
                            .isEqualTo("unrestricted");
                });
    }

    @Test
    void readmeControllerShouldTakeARequestBodyIntoALeaseOfTheYamlsPool() throws Exception {
        Class<?> controller = snippets.loadClass("readme.springcontroller.BatchController");
        new WebApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(PinnedMemoryAutoConfiguration.class,
                        PinnedBodyWebMvcAutoConfiguration.class))
                .withInitializer(context -> context.getEnvironment().getPropertySources()
                        .addFirst(yaml(README.get("spring-yaml"))))
                .withUserConfiguration(Mvc.class, controller)
                .run(context -> {
                    MockMvc mvc = MockMvcBuilders.webAppContextSetup(context).build();

                    mvc.perform(post("/api/batches").contentType(MediaType.APPLICATION_OCTET_STREAM)
                                    .content(new byte[400]))
                            .andExpect(status().isOk()).andExpect(content().string("100 floats, 1 in use"));
                    PoolStats frames = context.getBean(PinnedMemoryPools.class).get("frames").stats();
                    assertThat(frames.inUse()).as("the lease ended with the request").isZero();
                    assertThat(frames.requestedBytes()).as("exactly the body").isEqualTo(400);
                });
    }

    @Test
    void corePoolSnippetShouldRentExactlyTheLengthItAsksFor() throws Throwable {
        run("core.pool", (Object) new float[300_000]);
    }

    @Test
    void coreFileSnippetShouldReadAFileIntoALeaseAndGiveItBack(@TempDir Path dir) throws Throwable {
        Path path = dir.resolve("batch.f32");
        Files.write(path, new byte[16_384]);
        try (PinnedMemoryPool<float[]> frames = PinnedMemoryPool.builder(ElementType.FLOAT).name("frames")
                .bufferSize(4096).build()) {
            run("core.fileread", path, frames, 1024, 4096L);

            assertThat(frames.stats().rents()).isEqualTo(1);
            assertThat(frames.stats().inUse()).isZero();
        }
    }

    @Test
    void coreTransferFenceSnippetShouldGiveTheBufferBackAtOnceWhenTheCopyIsRefused() throws Throwable {
        // No CUDA driver here (and a null device pointer anywhere): cudaMemcpyAsync is refused, check(...) throws,
        // and the try-with-resources of the snippet gives the buffer back, nothing in flight.
        try (PinnedMemoryPool<float[]> frames = PinnedMemoryPool.builder(ElementType.FLOAT).name("frames")
                .bufferSize(1024).build()) {
            assertThatThrownBy(() -> run("core.fence", frames, new float[1000], new Pointer(), new cudaStream_t()))
                    .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("cudaError");
            assertThat(frames.stats().inUse()).isZero();
            assertThat(frames.stats().fenced()).isZero();
        }
    }

    @Test
    void webMvcConfigurationShouldServePinnedBodyWithoutSpringBoot() throws Exception {
        AnnotationConfigWebApplicationContext context = new AnnotationConfigWebApplicationContext();
        context.setServletContext(new MockServletContext());
        context.register(snippets.loadClass("web.mvc.WebConfig"), SnippetControllers.Frames.class);
        try (context) {
            context.refresh();
            MockMvc mvc = MockMvcBuilders.webAppContextSetup(context).build();

            mvc.perform(post("/frames").contentType(MediaType.APPLICATION_OCTET_STREAM).content(new byte[400]))
                    .andExpect(status().isOk()).andExpect(content().string("100"));
            mvc.perform(post("/frames").contentType(MediaType.APPLICATION_OCTET_STREAM).content(new byte[401]))
                    .andExpect(status().isBadRequest());
            assertThat(context.getBean(PinnedMemoryPools.class).get("frames").stats().inUse()).isZero();
        }
    }

    @Test
    void webFluxConfigurationShouldServePinnedBodyWithoutSpringBoot() throws Exception {
        try (AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext(
                snippets.loadClass("web.webflux.ReactiveWebConfig"), SnippetControllers.Frames.class)) {
            WebTestClient client = WebTestClient.bindToApplicationContext(context).build();

            client.post().uri("/frames").contentType(MediaType.APPLICATION_OCTET_STREAM).bodyValue(new byte[400])
                    .exchange().expectStatus().isOk().expectBody(String.class).isEqualTo("100");
            assertThat(context.getBean(PinnedMemoryPools.class).get("frames").stats().inUse()).isZero();
        }
    }

    @Test
    void autoconfigureYamlAndFrameUploaderShouldUploadThroughTheFramesPool() throws Exception {
        Class<?> uploader = snippets.loadClass("autoconfigure.uploader.FrameUploader");
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(PinnedMemoryAutoConfiguration.class))
                .withInitializer(context -> context.getEnvironment().getPropertySources()
                        .addFirst(yaml(AUTOCONFIGURE.get("autoconfigure-yaml"))))
                .withBean(uploader)
                .run(context -> {
                    PinnedMemoryPools pools = context.getBean(PinnedMemoryPools.class);
                    assertThat(pools.names()).containsExactly("frames", "ids");
                    assertThat(pools.get("ids", ElementType.INT).bufferSize()).isEqualTo(16 << 10);
                    PinnedMemoryPool<float[]> frames = pools.get("frames", ElementType.FLOAT);
                    assertThat(frames.stats().maxSize()).isEqualTo(8);

                    Method upload = uploader.getDeclaredMethod("upload", float[].class);
                    upload.setAccessible(true);
                    upload.invoke(context.getBean(uploader), (Object) new float[1000]);

                    assertThat(frames.stats().rents()).isEqualTo(1);
                    assertThat(frames.stats().requestedBytes()).isEqualTo(4000);
                    assertThat(frames.stats().inUse()).isZero();
                });
    }

    @Configuration(proxyBeanMethods = false)
    @EnableWebMvc
    static class Mvc {
    }

    private static JavaSnippets.Unit statements(String pkg, MarkdownSnippets.Block snippet, String imports,
                                                String parameters) {
        return new JavaSnippets.Unit(pkg, "Snippet", snippet, imports + "public final class Snippet {\n"
                + "    public static void run(" + parameters + ") throws Exception {\n", "    }\n}\n");
    }

    private static JavaSnippets.Unit classes(String pkg, MarkdownSnippets.Block snippet, String imports) {
        return new JavaSnippets.Unit(pkg, "Snippet", snippet, imports, "");
    }

    /** Runs the {@code run} method of the statement snippet in {@code pkg}, throwing what the snippet threw. */
    private static void run(String pkg, Object... arguments) throws Throwable {
        Method run = List.of(snippets.loadClass(pkg + ".Snippet").getMethods()).stream()
                .filter(method -> method.getName().equals("run")).findFirst().orElseThrow();
        try {
            run.invoke(null, arguments);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private static PropertySource<?> yaml(MarkdownSnippets.Block snippet) {
        try {
            List<PropertySource<?>> sources = new YamlPropertySourceLoader().load(snippet.where(0),
                    new ByteArrayResource(snippet.text().getBytes(StandardCharsets.UTF_8)));
            assertThat(sources).hasSize(1);
            return sources.getFirst();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
