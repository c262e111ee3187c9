package dev.pinnedmemory.actuate;

import dev.pinnedmemory.MemoryBudget;

import org.springframework.boot.actuate.endpoint.OperationResponseBody;

/**
 * The budget the pools share ({@code pinned-memory.max-total-size}), as the endpoint shows it.
 * Immutable snapshot.
 *
 * @param limitBytes the most bytes the pools may hold together; 0 for unlimited
 * @param usedBytes the bytes reserved now
 * @param peakBytes the most bytes reserved at once since start or the last reset of the peaks
 */
public record BudgetDescriptor(long limitBytes, long usedBytes, long peakBytes) implements OperationResponseBody {

    static BudgetDescriptor of(MemoryBudget budget) {
        return new BudgetDescriptor(budget.limitBytes(), budget.usedBytes(), budget.peakBytes());
    }
}
