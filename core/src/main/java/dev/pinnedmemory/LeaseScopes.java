package dev.pinnedmemory;

import java.lang.foreign.Arena;

/**
 * The scopes of strict leases ({@code strictSegments}): each lease's segment lives in an arena of
 * its own, closed when the lease ends so a kept segment throws. A native call that still holds the
 * segment keeps the arena acquired; then the block is held like fenced memory until the call lets
 * go, never freed or rented under it. Stateless; thread-safe (one closer at a time per entry: the
 * lease's end or the fence collector).
 */
final class LeaseScopes {

    private LeaseScopes() {
    }

    /** Closes a strict lease's scope; {@return false while a native call still holds it} */
    static boolean close(PoolEntry entry) {
        Arena scope = entry.leaseArena;
        if (scope == null) {
            return true;
        }
        try {
            if (scope.scope().isAlive()) {
                scope.close();
            }
        } catch (IllegalStateException stillAcquired) {
            return false;
        }
        entry.leaseArena = null;
        return true;
    }

    /** {@return a fence complete once {@code transfer} is and the lease's scope could be closed} */
    static TransferFence afterTransfer(TransferFence transfer, PoolEntry entry) {
        return new TransferFence() {
            @Override
            public boolean isComplete() {
                return transfer.isComplete() && LeaseScopes.close(entry);
            }

            @Override
            public void close() {
                transfer.close();
            }
        };
    }
}
