/* The thread pool (every thread runs each step once, shares are balanced and
 * deterministic) and UTF-8 validation. */
#include <stdatomic.h>
#include <time.h>

#include "../../common/test_util.h"
#include "base/alloc.h"
#include "base/pool.h"
#include "base/utf8.h"

struct sum_job {
    const int *values;
    size_t count;
    long partial[8];
    atomic_int calls;
};

static void sum_step(void *ctx, int index, int n)
{
    struct sum_job *job = ctx;
    size_t begin, end;
    tl_pool_share(job->count, index, n, &begin, &end);
    long s = 0;
    for (size_t i = begin; i < end; i++)
        s += job->values[i];
    job->partial[index] = s;
    atomic_fetch_add(&job->calls, 1);
}

static void test_pool_runs_every_thread(void **state)
{
    (void)state;
    int values[1001];
    long expected = 0;
    for (int i = 0; i < 1001; i++) {
        values[i] = i * 3 - 7;
        expected += values[i];
    }
    for (int n = 1; n <= 4; n++) {
        tl_pool *pool;
        assert_ok(tl_pool_new(n, &pool));
        assert_int_equal(tl_pool_size(pool), n);
        for (int round = 0; round < 200; round++) {
            struct sum_job job = {.values = values, .count = 1001};
            atomic_init(&job.calls, 0);
            tl_pool_run(pool, sum_step, &job);
            long total = 0;
            for (int t = 0; t < n; t++)
                total += job.partial[t];
            assert_int_equal(total, expected);
            assert_int_equal(atomic_load(&job.calls), n);
        }
        tl_pool_free(pool);
    }
    tl_pool_free(NULL);
}

static void test_pool_survives_sleeping_workers(void **state)
{
    (void)state;
    tl_pool *pool;
    assert_ok(tl_pool_new(3, &pool));
    int values[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    for (int round = 0; round < 3; round++) {
        usleep(20000); /* long enough for the workers to stop spinning and sleep */
        struct sum_job job = {.values = values, .count = 10};
        atomic_init(&job.calls, 0);
        tl_pool_run(pool, sum_step, &job);
        assert_int_equal(job.partial[0] + job.partial[1] + job.partial[2], 55);
    }
    tl_pool_free(pool);
}

/* Item steps: every item exactly once, in chunks of the given size, with
 * static steps interleaved (a pool serves both kinds), sleeping workers and
 * thread indexes in range. */
struct items_job {
    atomic_int *seen;
    size_t chunk;
    int n_threads;
    atomic_int bad;
};

static void items_step(void *ctx, size_t begin, size_t end, int index)
{
    struct items_job *job = ctx;
    if (index < 0 || index >= job->n_threads || end <= begin || end - begin > job->chunk ||
        begin % job->chunk != 0)
        atomic_fetch_add(&job->bad, 1);
    for (size_t i = begin; i < end; i++)
        atomic_fetch_add(&job->seen[i], 1);
}

static void test_pool_items(void **state)
{
    (void)state;
    static atomic_int seen[5000];
    int values[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    for (int n = 1; n <= 3; n++) {
        tl_pool *pool;
        assert_ok(tl_pool_new(n, &pool));
        for (int round = 0; round < 300; round++) {
            size_t count = (size_t)(round * 37 % 5000), chunk = (size_t)(1 + round % 64);
            for (size_t i = 0; i < count; i++)
                atomic_init(&seen[i], 0);
            struct items_job job = {.seen = seen, .chunk = chunk, .n_threads = n};
            atomic_init(&job.bad, 0);
            if (round % 100 == 99)
                usleep(20000); /* workers asleep */
            tl_pool_run_items(pool, count, chunk, items_step, &job);
            assert_int_equal(atomic_load(&job.bad), 0);
            for (size_t i = 0; i < count; i++)
                assert_int_equal(atomic_load(&seen[i]), 1);
            struct sum_job sj = {.values = values, .count = 10};
            atomic_init(&sj.calls, 0);
            tl_pool_run(pool, sum_step, &sj);
            assert_int_equal(atomic_load(&sj.calls), n);
        }
        tl_pool_free(pool);
    }
}

static void count_step(void *ctx, int index, int n)
{
    (void)index, (void)n;
    atomic_fetch_add((atomic_int *)ctx, 1);
}

/* A step whose worker 1 is slow: the caller must sleep while it waits, not
 * spin (with more threads than processors, a spinning caller takes the
 * processor the slow worker needs). */
static void slow_step(void *ctx, int index, int n)
{
    (void)n;
    if (index == 1)
        usleep(40000);
    atomic_fetch_add((atomic_int *)ctx, 1);
}

static double thread_cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void test_pool_caller_sleeps(void **state)
{
    (void)state;
    tl_pool *pool;
    assert_ok(tl_pool_new(2, &pool));
    atomic_int calls;
    atomic_init(&calls, 0);
    double cpu = thread_cpu_seconds();
    for (int round = 0; round < 5; round++)
        tl_pool_run(pool, slow_step, &calls);
    cpu = thread_cpu_seconds() - cpu;
    assert_int_equal(atomic_load(&calls), 10);
    /* 5 waits of 40 ms: spinning through them cost 0.065 s of CPU on a loaded
     * 2-core machine (0.2 s on an idle one); sleeping costs 0.003 s */
    /* (valgrind runs the spin phase itself some 50 times slower) */
    if (cpu > 0.05 && getenv("TABLLM_UNDER_VALGRIND") == NULL)
        fail_msg("the caller used %.3f s of CPU waiting 0.2 s for a worker", cpu);
    tl_pool_free(pool);
}

/* Many more threads than processors: every step still runs on each thread
 * exactly once, and the pool does not spin. */
static void test_pool_oversubscribed(void **state)
{
    (void)state;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int n = (int)(cpus > 0 && cpus < 32 ? 2 * cpus + 1 : 65);
    tl_pool *pool;
    assert_ok(tl_pool_new(n, &pool));
    for (int round = 0; round < 50; round++) {
        atomic_int calls;
        atomic_init(&calls, 0);
        tl_pool_run(pool, count_step, &calls);
        assert_int_equal(atomic_load(&calls), n);
    }
    tl_pool_free(pool);
}

static void test_pool_arguments(void **state)
{
    (void)state;
    tl_pool *pool = (tl_pool *)1;
    assert_status(tl_pool_new(0, &pool), TABLLM_ERR_INVALID_ARGUMENT, "thread count 0");
    assert_null(pool);
    assert_status(tl_pool_new(5000, &pool), TABLLM_ERR_INVALID_ARGUMENT, "5000");
    tl_alloc_fail_after(1);
    assert_status(tl_pool_new(2, &pool), TABLLM_ERR_OUT_OF_MEMORY, "thread pool");
    tl_alloc_fail_after(2);
    assert_status(tl_pool_new(2, &pool), TABLLM_ERR_OUT_OF_MEMORY, "workers");
}

static void test_pool_share_is_balanced(void **state)
{
    (void)state;
    size_t b, e, covered = 0;
    for (int i = 0; i < 3; i++) {
        tl_pool_share(10, i, 3, &b, &e);
        assert_int_equal(b, covered);
        assert_true(e - b == 3 || e - b == 4);
        covered = e;
    }
    assert_int_equal(covered, 10);
    tl_pool_share(2, 3, 4, &b, &e);
    assert_int_equal(b, e);
}

static void test_utf8(void **state)
{
    (void)state;
    const char ok[] = "plain ascii text, then h\xC3\xA9, \xE2\x82\xAC, \xF0\x9F\x98\x80.";
    assert_int_equal(tl_utf8_valid_prefix(ok, sizeof ok - 1), sizeof ok - 1);
    const char bad[] = "abcdefghij\xC3(";
    assert_int_equal(tl_utf8_valid_prefix(bad, sizeof bad - 1), 10);
    const char *rejected[] = {
        "\xC0\xAF",         /* overlong '/' */
        "\xE0\x80\xAF",     /* overlong */
        "\xED\xA0\x80",     /* surrogate U+D800 */
        "\xF4\x90\x80\x80", /* above U+10FFFF */
        "\xFF",
        "\x80",
        "\xE2\x82", /* truncated */
    };
    for (size_t i = 0; i < sizeof rejected / sizeof rejected[0]; i++)
        assert_int_equal(tl_utf8_valid_prefix(rejected[i], strlen(rejected[i])), 0);
    uint32_t cp;
    assert_int_equal(tl_utf8_decode("\xE2\x82\xAC", 3, &cp), 3);
    assert_int_equal(cp, 0x20AC);
    char out[4];
    const uint32_t points[] = {0x41, 0xE9, 0x20AC, 0x1F600, 0x10FFFF};
    for (size_t i = 0; i < 5; i++) {
        size_t n = tl_utf8_encode(points[i], out);
        assert_int_equal(tl_utf8_decode(out, n, &cp), n);
        assert_int_equal(cp, points[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pool_runs_every_thread),
        cmocka_unit_test(test_pool_survives_sleeping_workers),
        cmocka_unit_test(test_pool_items),
        cmocka_unit_test(test_pool_caller_sleeps),
        cmocka_unit_test(test_pool_oversubscribed),
        cmocka_unit_test(test_pool_arguments),
        cmocka_unit_test(test_pool_share_is_balanced),
        cmocka_unit_test(test_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
