package dev.pinnedmemory.autoconfigure;

import java.util.ArrayList;
import java.util.List;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.MemoryBudget;
import dev.pinnedmemory.MemoryBudgetExceededException;
import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.backend.PageLockingBackends;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.BeanCreationException;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

@ExtendWith(OutputCaptureExtension.class)
class PinnedMemoryFailureAnalyzerTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PinnedMemoryAutoConfiguration.class))
            .withPropertyValues("pinned-memory.backend=unlocked");

    private final PinnedMemoryFailureAnalyzer analyzer = new PinnedMemoryFailureAnalyzer();

    @Test
    void analyzeInvalidBufferSizeShouldNamePropertyValueRuleAndFix() {
        FailureAnalysis analysis = analyzeStartup("pinned-memory.pools.frames.element-type=float",
                "pinned-memory.pools.frames.buffer-size=4097B");
        assertThat(analysis.getDescription())
                .contains("'pinned-memory.pools.frames.buffer-size' must be a multiple of 4 bytes (the size of float) but was 4097B")
                .contains("Property: pinned-memory.pools.frames.buffer-size").contains("Value: 4097B");
        assertThat(analysis.getAction())
                .isEqualTo("Set pinned-memory.pools.frames.buffer-size to a positive multiple of 4 bytes (the size of float).");
    }

    @Test
    void analyzeUnknownBackendShouldListAllowedValues() {
        FailureAnalysis analysis = analyzeStartup("pinned-memory.backend=gpu");
        assertThat(analysis.getDescription()).contains("'pinned-memory.backend'").contains("'gpu'");
        assertThat(analysis.getAction()).isEqualTo("Set pinned-memory.backend to one of: auto, cuda, cuda-register, mlock, unlocked.");
    }

    @Test
    void analyzeUnknownElementTypeShouldListAllowedValues() {
        FailureAnalysis analysis = analyzeStartup("pinned-memory.pools.frames.element-type=quad");
        assertThat(analysis.getAction())
                .isEqualTo("Set pinned-memory.pools.frames.element-type to one of: byte, short, char, int, long, float, double.");
    }

    @Test
    void analyzeRequiredButUnavailablePageLockingShouldNameBackendAndFix() {
        FailureAnalysis analysis = analyzeStartup("pinned-memory.require-page-locked=true");
        assertThat(analysis.getDescription()).startsWith("Pinned memory could not be page-locked: ")
                .contains("backend 'unlocked' never page-locks");
        assertThat(analysis.getAction()).contains("pinned-memory.backend (one of: auto, cuda, cuda-register, mlock, unlocked")
                .contains("pinned-memory.require-page-locked=false").contains("CAP_IPC_LOCK");
    }

    @Test
    void analyzeUnconvertibleSizeShouldNamePropertyAndExpectedForm() {
        FailureAnalysis analysis = analyzeStartup("pinned-memory.pools.frames.buffer-size=lots");
        assertThat(analysis.getDescription()).startsWith(
                "Invalid pinned memory configuration: 'pinned-memory.pools.frames.buffer-size' must be a data size such as "
                        + "4096B, 512KB or 4MB but was 'lots'");
        assertThat(analysis.getAction())
                .isEqualTo("Set pinned-memory.pools.frames.buffer-size to a data size such as 4096B, 512KB or 4MB.");
    }

    @Test
    void analyzeBudgetExceededShouldNameMaxTotalSize() {
        MemoryBudget budget = new MemoryBudget(1024);
        MemoryBudgetExceededException over;
        try (PinnedMemoryPool<byte[]> pool = PinnedMemoryPool.builder(ElementType.BYTE).name("loader").bufferSize(4096)
                .backend(PageLockingBackends.unlocked()).budget(budget).build()) {
            over = catchThrowableOfType(pool::rent);
        }
        FailureAnalysis analysis = this.analyzer.analyze(new BeanCreationException("loader", "failed", over));
        assertThat(analysis.getDescription()).contains("'pinned-memory.max-total-size'").contains("requested 4096 bytes");
        assertThat(analysis.getAction()).contains("raise pinned-memory.max-total-size to at least 4096B")
                .doesNotContain("initial-size");
    }

    @Test
    void analyzeWarmUpRefusedByAUserBudgetShouldBlameTheInitialBuffersOfThatPool() {
        FailureAnalysis[] analysis = new FailureAnalysis[1];
        this.runner.withBean(MemoryBudget.class, () -> new MemoryBudget(64 * 1024))
                .withPropertyValues("pinned-memory.pools.frames.buffer-size=64KB",
                        "pinned-memory.pools.frames.initial-size=2")
                .run(context -> {
                    assertThat(context).hasFailed();
                    analysis[0] = this.analyzer.analyze(context.getStartupFailure());
                });
        assertThat(analysis[0].getDescription())
                .startsWith("The initial pinned memory buffers of pool 'frames' do not fit 'pinned-memory.max-total-size'")
                .contains("requested 131072 bytes");
        assertThat(analysis[0].getAction()).startsWith("Raise pinned-memory.max-total-size to at least 131072B")
                .contains("lower the pools' initial-size");
    }

    @Test
    void analyzeABeanThatRentsMoreThanTheBudgetShouldNameThatBeanAndPoolNotTheInitialBuffers() {
        FailureAnalysis[] analysis = new FailureAnalysis[1];
        this.runner.withUserConfiguration(GreedyConfiguration.class)
                .withPropertyValues("pinned-memory.max-total-size=128KB", "pinned-memory.pools.frames.buffer-size=64KB",
                        "pinned-memory.pools.frames.initial-size=1")
                .run(context -> {
                    assertThat(context).hasFailed();
                    analysis[0] = this.analyzer.analyze(context.getStartupFailure());
                });
        assertThat(analysis[0].getDescription())
                .startsWith("Bean 'greedyLoader' could not be created: it rented pinned memory from pool 'frames'")
                .contains("requested 65536 bytes, used 131072 bytes, limit 131072 bytes")
                .doesNotContain("initial");
        assertThat(analysis[0].getAction()).startsWith("Make 'greedyLoader' rent less while it starts")
                .contains("raise pinned-memory.max-total-size to at least 196608B").doesNotContain("initial-size");
    }

    /** Rents three 64 KB buffers while it is created, and keeps them. */
    static final class GreedyLoader {
        final List<PinnedBuffer<byte[]>> buffers = new ArrayList<>();

        GreedyLoader(PinnedMemoryPool<byte[]> frames) {
            for (int i = 0; i < 3; i++) {
                buffers.add(frames.rent());
            }
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class GreedyConfiguration {
        @Bean
        GreedyLoader greedyLoader(@Qualifier("frames") PinnedMemoryPool<byte[]> frames) {
            return new GreedyLoader(frames);
        }
    }

    @Test
    void analyzeUnrelatedFailureShouldLeaveItToOthers() {
        assertThat(this.analyzer.analyze(new IllegalStateException("not ours"))).isNull();
    }

    @Test
    void analyzerShouldBeRegisteredAndReportedWhenApplicationFailsToStart(CapturedOutput output) {
        SpringApplication application = new SpringApplication(BrokenApplication.class);
        application.setWebApplicationType(WebApplicationType.NONE);
        assertThatThrownBy(() -> application.run("--pinned-memory.backend=unlocked",
                "--pinned-memory.pools.frames.max-size=-3")).isNotNull();
        assertThat(output).contains("APPLICATION FAILED TO START")
                .contains("'pinned-memory.pools.frames.max-size' must be 0 to 65536 but was -3")
                .contains("Set pinned-memory.pools.frames.max-size to 0 to 65536 (default 20).");
    }

    private FailureAnalysis analyzeStartup(String... properties) {
        FailureAnalysis[] analysis = new FailureAnalysis[1];
        this.runner.withPropertyValues(properties).run(context -> {
            assertThat(context).hasFailed();
            analysis[0] = this.analyzer.analyze(context.getStartupFailure());
        });
        assertThat(analysis[0]).isNotNull();
        return analysis[0];
    }

    private static MemoryBudgetExceededException catchThrowableOfType(Runnable action) {
        Throwable thrown = catchThrowable(action::run);
        assertThat(thrown).isInstanceOf(MemoryBudgetExceededException.class);
        return (MemoryBudgetExceededException) thrown;
    }

    @Configuration(proxyBeanMethods = false)
    @Import(PinnedMemoryAutoConfiguration.class)
    static class BrokenApplication {
    }
}
