package dev.pinnedmemory.sample;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import dev.pinnedmemory.PoolStats;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A bounded load test over loopback with the shipped configuration (64MB budget, frames 4MB with
 * size classes and a 2s max-wait): 16 clients each post 15 batches of 1 MiB (and go on, up to 60,
 * while the admin is not done) while an admin resizes {@code frames} back and forth between 4MB and
 * 8MB six times through Actuator with credentials. No answer may be a 5xx: the batches wait for
 * memory instead of failing, and a resize is applied (200) or refused by the budget (400). Every
 * receipt must verify.
 */
class BatchLoadTests extends ShippedConfigTests {

    private static final int CLIENTS = 16;
    /** Batches each client posts at least; it goes on while the admin is still resizing, up to the cap. */
    private static final int BATCHES_PER_CLIENT = 15;
    private static final int MAX_BATCHES_PER_CLIENT = 60;
    private static final int BATCH_FLOATS = 256 * 1024; // 1 MiB
    /** 8MB, 4MB, 8MB, 4MB, 8MB, 4MB: ends on the shipped size. */
    private static final int RESIZES = 6;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void clientsPostingWhileAnAdminResizesShouldGetNo5xxAndVerifiedReceipts() throws Exception {
        byte[] batch = Floats.ramp(BATCH_FLOATS);
        String checksum = Floats.crc32(batch);
        PoolStats before = frames.stats();
        CountDownLatch start = new CountDownLatch(1);
        AtomicInteger clientsPosting = new AtomicInteger(CLIENTS);
        AtomicBoolean adminResizing = new AtomicBoolean(true);
        AtomicInteger appliedWhileClientsPosted = new AtomicInteger();
        AtomicBoolean counting = new AtomicBoolean(true);
        // Counts the resizes the pool applied while every client was still posting.
        frames.addResizeListener(pool -> {
            if (counting.get() && clientsPosting.get() == CLIENTS) {
                appliedWhileClientsPosted.incrementAndGet();
            }
        });
        ExecutorService executor = Executors.newFixedThreadPool(CLIENTS + 1);
        List<SampleClient.Answer> answers = new ArrayList<>();
        List<Integer> resizes;
        long started = System.nanoTime();
        try {
            List<Future<List<SampleClient.Answer>>> clients = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                clients.add(executor.submit(() -> {
                    List<SampleClient.Answer> mine = new ArrayList<>();
                    try {
                        start.await();
                        while (mine.size() < BATCHES_PER_CLIENT
                                || (adminResizing.get() && mine.size() < MAX_BATCHES_PER_CLIENT)) {
                            mine.add(client.post("/api/batches", SampleClient.OCTET_STREAM, batch, null));
                        }
                    } finally {
                        clientsPosting.decrementAndGet();
                    }
                    return mine;
                }));
            }
            Future<List<Integer>> admin = executor.submit(() -> {
                try {
                    start.await();
                    List<Integer> statuses = new ArrayList<>();
                    for (int i = 0; i < RESIZES; i++) {
                        statuses.add(resize(i % 2 == 0 ? "8MB" : "4MB"));
                    }
                    return statuses;
                } finally {
                    adminResizing.set(false);
                }
            });
            start.countDown();
            resizes = admin.get(90, TimeUnit.SECONDS);
            for (Future<List<SampleClient.Answer>> future : clients) {
                answers.addAll(future.get(90, TimeUnit.SECONDS));
            }
        } finally {
            counting.set(false);
            executor.shutdownNow();
            restoreFrames();
        }
        long millis = (System.nanoTime() - started) / 1_000_000;
        PoolStats after = frames.stats();
        System.out.printf("load test: %d batches from %d clients (%s), %d resizes (200: %d, 400: %d; %d applied while "
                        + "all clients posted) in %d ms; frames waits %d, wait timeouts %d%n", answers.size(), CLIENTS,
                statusCounts(answers), resizes.size(), resizes.stream().filter(s -> s == 200).count(),
                resizes.stream().filter(s -> s == 400).count(), appliedWhileClientsPosted.get(), millis,
                after.waits() - before.waits(), after.waitTimeouts() - before.waitTimeouts());

        assertThat(answers).hasSizeGreaterThanOrEqualTo(CLIENTS * BATCHES_PER_CLIENT);
        assertThat(answers).allSatisfy(answer -> {
            assertThat(answer.status()).as(answer.body()).isEqualTo(200);
            JsonNode receipt = answer.json();
            assertThat(receipt.path("verified").asBoolean()).as(answer.body()).isTrue();
            assertThat(receipt.path("checksum").asString()).isEqualTo(checksum);
            assertThat(receipt.path("elements").asLong()).isEqualTo(BATCH_FLOATS);
        });
        assertThat(resizes).as("resize answers: applied, or refused by the budget").hasSize(RESIZES)
                .contains(200).allSatisfy(status -> assertThat(status).isIn(200, 400));
        assertThat(appliedWhileClientsPosted).as("resizes applied while all 16 clients were posting").hasPositiveValue();
        assertThat(frames.stats().bufferBytes()).isEqualTo(FRAME_BYTES);
    }

    private int resize(String size) {
        return client.postJson(FRAMES, "{\"bufferSize\":\"" + size + "\"}", ADMIN).status();
    }

    private static String statusCounts(List<SampleClient.Answer> answers) {
        java.util.Map<Integer, Long> counts = new java.util.TreeMap<>();
        answers.forEach(answer -> counts.merge(answer.status(), 1L, Long::sum));
        return counts.toString();
    }
}
