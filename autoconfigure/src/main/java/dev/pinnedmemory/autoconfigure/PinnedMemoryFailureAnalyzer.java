package dev.pinnedmemory.autoconfigure;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

import dev.pinnedmemory.MemoryBudgetExceededException;
import dev.pinnedmemory.backend.BackendKind;
import dev.pinnedmemory.backend.PageLockingUnavailableException;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.BeanCreationException;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.Ordered;
import org.springframework.util.unit.DataSize;

/**
 * Turns a pinned memory start-up failure into a report that names the property, the value, the
 * allowed values and the fix, instead of a bare stack trace: invalid {@code pinned-memory.*}
 * values (including ones that cannot be converted, such as {@code buffer-size: lots}), page-locking
 * that is required but unavailable, initial buffers over {@code max-total-size} (only when it was a
 * pool's warm-up that the budget refused), a bean whose creation rented more than the budget
 * holds (named with the pool it rented from; lowering {@code initial-size} would not help it).
 * {@code @PinnedBody} parameters have their own analyzer, {@link PinnedBodyFailureAnalyzer}, so that this one
 * never needs the optional web module.
 *
 * <p>Registered in {@code META-INF/spring.factories}; ordered first so that Spring Boot's generic
 * binding analyzer does not describe our properties less precisely. Stateless; thread-safe.
 */
final class PinnedMemoryFailureAnalyzer implements FailureAnalyzer, Ordered {

    @Override
    public @Nullable FailureAnalysis analyze(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            FailureAnalysis analysis = analyzeOne(failure, cause);
            if (analysis != null) {
                return analysis;
            }
        }
        return null;
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }

    private static @Nullable FailureAnalysis analyzeOne(Throwable failure, Throwable cause) {
        return switch (cause) {
            case InvalidPinnedMemoryPropertyException invalid -> new FailureAnalysis(
                    "Invalid pinned memory configuration: " + invalid.getMessage() + ".%n%n    Property: %s%n    Value: %s"
                            .formatted(invalid.property(), invalid.value()),
                    invalid.action(), failure);
            case PageLockingUnavailableException unavailable -> new FailureAnalysis(
                    "Pinned memory could not be page-locked: " + unavailable.getMessage(),
                    "Choose a backend that works on this machine with pinned-memory.backend (one of: "
                            + allowed(BackendKind.class) + "; skipped here: " + unavailable.reasons()
                            + "), make page-locking possible (CAP_IPC_LOCK or a higher RLIMIT_MEMLOCK for mlock, a "
                            + "CUDA driver and device for cuda), or set pinned-memory.require-page-locked=false to "
                            + "accept memory that is not page-locked.",
                    failure);
            case MemoryBudgetExceededException over when over.isWarmUp() -> new FailureAnalysis(
                    "The initial pinned memory buffers of pool '" + over.pool() + "' do not fit "
                            + "'pinned-memory.max-total-size': " + over.getMessage(),
                    "Raise pinned-memory.max-total-size to at least " + DataSize.ofBytes(over.usedBytes()
                            + over.requestedBytes()) + " (or 0 for no limit), or lower the pools' initial-size or "
                            + "buffer-size.",
                    failure);
            case MemoryBudgetExceededException over -> rentRefused(failure, over);
            case BindException bind when bind.getName().toString().startsWith(PinnedMemoryProperties.PREFIX + ".") ->
                    bindFailure(failure, bind);
            default -> null;
        };
    }

    /** A rent (or resize) during start-up, not a warm-up: blame the bean being created, not the initial buffers. */
    private static FailureAnalysis rentRefused(Throwable failure, MemoryBudgetExceededException over) {
        String bean = null;
        for (Throwable cause = failure; cause != null && cause != over; cause = cause.getCause()) {
            if (cause instanceof BeanCreationException creation && creation.getBeanName() != null) {
                bean = creation.getBeanName();   // the innermost one is the bean whose own creation rented
            }
        }
        String who = (bean != null) ? "Bean '" + bean + "'" : "The application";
        String from = (over.pool() != null) ? " from pool '" + over.pool() + "'" : "";
        return new FailureAnalysis(
                who + " could not be created: it rented pinned memory" + from + " while start-up held more than "
                        + "'pinned-memory.max-total-size' allows: " + over.getMessage(),
                "Make " + (bean != null ? "'" + bean + "'" : "the application") + " rent less while it starts (return "
                        + "each buffer before renting the next, or rent with a wait so it is served by returns), or "
                        + "raise pinned-memory.max-total-size to at least " + DataSize.ofBytes(over.usedBytes()
                        + over.requestedBytes()) + " (or 0 for no limit).",
                failure);
    }

    private static String allowed(Class<?> enumType) {
        return Arrays.stream(enumType.getEnumConstants())
                .map(constant -> ((Enum<?>) constant).name().toLowerCase(Locale.ROOT).replace('_', '-'))
                .collect(Collectors.joining(", "));
    }

    private static FailureAnalysis bindFailure(Throwable failure, BindException bind) {
        Object value = (bind.getProperty() != null) ? bind.getProperty().getValue() : null;
        Throwable reason = (bind.getCause() != null) ? bind.getCause() : bind;
        while (reason.getCause() != null) {
            reason = reason.getCause();
        }
        Class<?> type = bind.getTarget().getType().resolve(Object.class);
        String expected = (type == DataSize.class) ? "a data size such as 4096B, 512KB or 4MB"
                : (type == java.time.Duration.class) ? "a duration such as 250ms, 2s or PT1S"
                : (type == int.class || type == Integer.class) ? "a whole number"
                : (type == boolean.class || type == Boolean.class) ? "true or false"
                : type.isEnum() ? "one of " + allowed(type)
                : "a value of type " + type.getSimpleName();
        return new FailureAnalysis(
                "Invalid pinned memory configuration: '%s' must be %s but was '%s' (%s).".formatted(bind.getName(),
                        expected, value, reason.getMessage()),
                "Set " + bind.getName() + " to " + expected + ".", failure);
    }
}
