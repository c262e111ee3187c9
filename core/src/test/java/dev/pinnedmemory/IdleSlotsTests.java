package dev.pinnedmemory;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The idle set's promises: every object offered is polled exactly once, a full set refuses, and
 * each thread's polls and offers start at its home slot, so a thread gets back what it used last
 * and two threads that start on one slot part after their first collision.
 */
class IdleSlotsTests {

    @Test
    void everyObjectOfferedShouldBePolledExactlyOnceAndAFullSetShouldRefuse() {
        IdleSlots<String> slots = new IdleSlots<>(3);
        assertThat(slots.offer("a")).isTrue();
        assertThat(slots.offer("b")).isTrue();
        assertThat(slots.offer("c")).isTrue();
        assertThat(slots.offer("d")).as("every slot taken").isFalse();
        assertThat(slots.count()).isEqualTo(3);

        List<String> polled = new ArrayList<>();
        for (String next; (next = slots.poll()) != null; ) {
            polled.add(next);
        }
        assertThat(polled).containsExactlyInAnyOrder("a", "b", "c");
        assertThat(new IdleSlots<String>(0).offer("a")).as("a set of no slots keeps nothing").isFalse();
    }

    @Test
    void aThreadShouldGetBackTheObjectItReturnedLastWhileOthersAreIdle() {
        IdleSlots<String> slots = new IdleSlots<>(4);
        for (String idle : List.of("a", "b", "c", "d")) {
            slots.offer(idle);
        }
        String mine = slots.poll();
        for (int round = 0; round < 10; round++) {
            assertThat(slots.offer(mine)).isTrue();
            assertThat(slots.poll()).as("round %d", round).isSameAs(mine);
        }
    }

    /**
     * Two threads whose ids start them on one slot (the same id modulo the capacity, for different
     * homes) collide once, then keep to their own slots.
     */
    @Test
    void twoThreadsStartingOnOneSlotShouldPartAfterTheirFirstCollision() throws Exception {
        IdleSlots<String> slots = new IdleSlots<>(4);
        for (String idle : List.of("a", "b", "c", "d")) {
            slots.offer(idle);
        }
        Worker[] pair = workersStartingOnOneSlot(4);
        try {
            // The first holds its object while the second polls: the second must look past their common home.
            String first = pair[0].call(slots::poll);
            String second = pair[1].call(slots::poll);
            assertThat(second).isNotNull().isNotSameAs(first);
            // From then on both return, then both rent again, in either order: each always gets its own back.
            for (int round = 0; round < 10; round++) {
                assertThat(pair[0].call(() -> slots.offer(first))).isTrue();
                assertThat(pair[1].call(() -> slots.offer(second))).isTrue();
                Worker early = pair[round % 2 == 0 ? 1 : 0];
                Worker late = pair[round % 2 == 0 ? 0 : 1];
                assertThat(early.call(slots::poll)).as("round %d", round).isSameAs(early == pair[0] ? first : second);
                assertThat(late.call(slots::poll)).as("round %d", round).isSameAs(late == pair[0] ? first : second);
            }
        } finally {
            pair[0].stop();
            pair[1].stop();
        }
    }

    /**
     * {@return two started workers whose homes differ but start on the same slot of {@code capacity}}
     * (a set of 4 slots has 64 homes: ids modulo 64; at most 5 threads are made, the rest never start)
     */
    private static Worker[] workersStartingOnOneSlot(int capacity) {
        Map<Long, Worker> bySlot = new HashMap<>();
        while (true) {
            Worker candidate = new Worker();
            Worker earlier = bySlot.putIfAbsent((candidate.thread.threadId() & 63) % capacity, candidate);
            if (earlier != null) {
                earlier.thread.start();
                candidate.thread.start();
                return new Worker[] {earlier, candidate};
            }
        }
    }

    /** A thread that runs what it is handed, one call at a time. */
    private static final class Worker {
        private final BlockingQueue<FutureTask<?>> calls = new LinkedBlockingQueue<>();
        final Thread thread = Thread.ofPlatform().unstarted(() -> {
            try {
                for (FutureTask<?> call; (call = calls.take()) != STOP; ) {
                    call.run();
                }
            } catch (InterruptedException stopped) {
                Thread.currentThread().interrupt();
            }
        });
        private static final FutureTask<?> STOP = new FutureTask<>(() -> null);

        <T> T call(Callable<T> call) throws Exception {
            FutureTask<T> task = new FutureTask<>(call);
            calls.add(task);
            return task.get();
        }

        void stop() throws InterruptedException {
            calls.add(STOP);
            thread.join();
        }
    }
}
