#include "base/pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <unistd.h>

#include "base/alloc.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define cpu_relax() _mm_pause()
#else
#define cpu_relax() ((void)0)
#endif

/* How long an idle worker spins before it sleeps: long enough to bridge the
 * serial gap between two kernels of one forward pass (~0.5 ms). The caller
 * spins as long for the workers to finish, then sleeps too. A pool with more
 * threads than the machine has processors does not spin at all: a spinning
 * thread would hold a processor that a thread with work is waiting for. */
#define SPIN_ITERATIONS 20000

/* A spinning thread gives its processor away now and then: when the
 * machine is busy (other processes, or this pool's own threads sharing a
 * processor) the thread it spins for may be waiting for that processor, and
 * a spin that only burns the time slice delays the step it waits for. On
 * an idle machine sched_yield returns at once. */
#define YIELD_EVERY 64

static void spin_pause(int i)
{
    if (i % YIELD_EVERY == YIELD_EVERY - 1)
        sched_yield();
    else
        cpu_relax();
}

struct worker {
    tl_pool *pool;
    int index;
    pthread_t thread;
};

struct tl_pool {
    int n_threads;
    int spin;               /* SPIN_ITERATIONS, or 0 when oversubscribed */
    struct worker *workers; /* n_threads - 1 of them */

    /* The current step; published by advancing `generation`, whose low bit
     * says which kind of step it is (STEP_*). */
    tl_pool_fn fn;
    void *ctx;
    tl_pool_items_fn items_fn;
    size_t count, chunk;
    atomic_size_t next;  /* next item to hand out (item steps) */
    atomic_uint entry;   /* item steps: bit 0 open, participants << 1 */
    atomic_uint generation;
    atomic_int pending; /* workers still running the current static step */
    atomic_bool stop;

    pthread_mutex_t lock;
    pthread_cond_t wake;
    int sleepers; /* guarded by lock */
    /* The caller sleeps on `done` once it has spun long enough; the worker
     * that finishes the step last (brings `pending`, or `entry` once closed,
     * to 0) signals it when `caller_waiting` is set. Both sides use
     * sequentially consistent operations on those counters and on
     * `caller_waiting`, so at least one of them sees the other's write and
     * no wake-up is lost. */
    pthread_cond_t done;
    atomic_bool caller_waiting;
};

#define STEP_STATIC 0u
#define STEP_ITEMS 1u

static unsigned wait_for_step(tl_pool *pool, unsigned seen)
{
    for (int i = 0; i < pool->spin; i++) {
        unsigned gen = atomic_load_explicit(&pool->generation, memory_order_acquire);
        if (gen != seen || atomic_load_explicit(&pool->stop, memory_order_acquire))
            return gen;
        spin_pause(i);
    }
    pthread_mutex_lock(&pool->lock);
    pool->sleepers++;
    unsigned gen;
    while ((gen = atomic_load_explicit(&pool->generation, memory_order_acquire)) == seen &&
           !atomic_load_explicit(&pool->stop, memory_order_acquire))
        pthread_cond_wait(&pool->wake, &pool->lock);
    pool->sleepers--;
    pthread_mutex_unlock(&pool->lock);
    return gen;
}

/* Takes chunks until none is left. */
static void run_items(tl_pool *pool, int index)
{
    for (;;) {
        size_t b = atomic_fetch_add_explicit(&pool->next, pool->chunk, memory_order_relaxed);
        if (b >= pool->count)
            return;
        size_t e = pool->count - b < pool->chunk ? pool->count : b + pool->chunk;
        pool->items_fn(pool->ctx, b, e, index);
    }
}

/* Joins the open item step, if there is one. */
static bool enter_items(tl_pool *pool)
{
    unsigned e = atomic_load_explicit(&pool->entry, memory_order_relaxed);
    while (e & 1u)
        if (atomic_compare_exchange_weak_explicit(&pool->entry, &e, e + 2u, memory_order_acquire,
                                                  memory_order_relaxed))
            return true;
    return false;
}

/* Called by the worker that finished the step last. */
static void wake_caller(tl_pool *pool)
{
    if (!atomic_load(&pool->caller_waiting))
        return;
    pthread_mutex_lock(&pool->lock);
    pthread_cond_signal(&pool->done);
    pthread_mutex_unlock(&pool->lock);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    tl_pool *pool = w->pool;
    unsigned seen = 0;
    for (;;) {
        unsigned gen = wait_for_step(pool, seen);
        if (atomic_load_explicit(&pool->stop, memory_order_acquire))
            return NULL;
        if ((gen & 1u) == STEP_STATIC) {
            /* a static step waits for every worker, so it is still the
             * current one and its fields are stable */
            pool->fn(pool->ctx, w->index, pool->n_threads);
            seen = gen;
            if (atomic_fetch_sub(&pool->pending, 1) == 1)
                wake_caller(pool);
        } else if (enter_items(pool)) {
            /* the step entered may be a later one than `gen` (this thread
             * was descheduled in between): harmless, chunks are counted */
            run_items(pool, w->index);
            seen = gen;
            if (atomic_fetch_sub(&pool->entry, 2u) == 2u) /* closed, and the last one out */
                wake_caller(pool);
        } else {
            seen = gen; /* too late: the others took every chunk */
        }
    }
}

tabllm_status tl_pool_new(int n_threads, tl_pool **out)
{
    *out = NULL;
    if (n_threads < 1 || n_threads > 1024)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "thread count %d is outside [1, 1024]",
                        n_threads);
    tl_pool *pool = tl_calloc(1, sizeof *pool);
    if (pool == NULL)
        return tl_error_oom("a thread pool");
    pool->n_threads = n_threads;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    pool->spin = cpus > 0 && n_threads > cpus ? 0 : SPIN_ITERATIONS;
    atomic_init(&pool->caller_waiting, false);
    atomic_init(&pool->generation, 0);
    atomic_init(&pool->pending, 0);
    atomic_init(&pool->next, 0);
    atomic_init(&pool->entry, 0);
    atomic_init(&pool->stop, false);
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->wake, NULL);
    pthread_cond_init(&pool->done, NULL);
    if (n_threads > 1) {
        tabllm_status st = tl_calloc_array((void **)&pool->workers, (size_t)n_threads - 1,
                                           sizeof *pool->workers, "thread pool workers");
        if (st != TABLLM_OK) {
            pool->n_threads = 1; /* no worker threads were started */
            tl_pool_free(pool);
            return st;
        }
    }
    for (int i = 1; i < n_threads; i++) {
        struct worker *w = &pool->workers[i - 1];
        w->pool = pool;
        w->index = i;
        int err = pthread_create(&w->thread, NULL, worker_main, w);
        if (err != 0) {
            pool->n_threads = i; /* free only the threads that started */
            tl_pool_free(pool);
            return tl_error(TABLLM_ERR_OUT_OF_MEMORY, "cannot start thread %d of %d (error %d)",
                            i, n_threads, err);
        }
    }
    *out = pool;
    return TABLLM_OK;
}

void tl_pool_free(tl_pool *pool)
{
    if (pool == NULL)
        return;
    pthread_mutex_lock(&pool->lock);
    atomic_store_explicit(&pool->stop, true, memory_order_release);
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->lock);
    for (int i = 1; i < pool->n_threads; i++)
        pthread_join(pool->workers[i - 1].thread, NULL);
    pthread_cond_destroy(&pool->wake);
    pthread_cond_destroy(&pool->done);
    pthread_mutex_destroy(&pool->lock);
    tl_free(pool->workers);
    tl_free(pool);
}

int tl_pool_size(const tl_pool *pool)
{
    return pool->n_threads;
}

/* Publishes a step of `kind` whose fields are already written. */
static void publish(tl_pool *pool, unsigned kind)
{
    unsigned g = atomic_load_explicit(&pool->generation, memory_order_relaxed);
    atomic_store_explicit(&pool->generation, ((g >> 1) + 1u) << 1 | kind, memory_order_release);
    pthread_mutex_lock(&pool->lock);
    if (pool->sleepers > 0)
        pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->lock);
}

static bool static_step_done(tl_pool *pool)
{
    return atomic_load(&pool->pending) == 0;
}

static bool items_step_done(tl_pool *pool)
{
    return atomic_load(&pool->entry) == 0;
}

/* The caller's wait for the workers: a spin, then (a worker is slow or
 * descheduled, or there are more threads than processors) a sleep until the
 * last one is done, rather than take a processor from it. */
static void wait_for_workers(tl_pool *pool, bool (*done)(tl_pool *))
{
    for (int i = 0; i < pool->spin; i++) {
        if (done(pool))
            return;
        spin_pause(i);
    }
    atomic_store(&pool->caller_waiting, true);
    pthread_mutex_lock(&pool->lock);
    while (!done(pool))
        pthread_cond_wait(&pool->done, &pool->lock);
    pthread_mutex_unlock(&pool->lock);
    atomic_store(&pool->caller_waiting, false);
}

void tl_pool_run(tl_pool *pool, tl_pool_fn fn, void *ctx)
{
    if (pool->n_threads == 1) {
        fn(ctx, 0, 1);
        return;
    }
    pool->fn = fn;
    pool->ctx = ctx;
    atomic_store_explicit(&pool->pending, pool->n_threads - 1, memory_order_relaxed);
    publish(pool, STEP_STATIC);

    fn(ctx, 0, pool->n_threads);

    wait_for_workers(pool, static_step_done);
}

void tl_pool_run_items(tl_pool *pool, size_t count, size_t chunk, tl_pool_items_fn fn, void *ctx)
{
    if (chunk == 0)
        chunk = 1;
    if (pool->n_threads == 1 || count <= chunk) {
        for (size_t b = 0; b < count; b += chunk)
            fn(ctx, b, count - b < chunk ? count : b + chunk, 0);
        return;
    }
    pool->items_fn = fn;
    pool->ctx = ctx;
    pool->count = count;
    pool->chunk = chunk;
    atomic_store_explicit(&pool->next, 0, memory_order_relaxed);
    atomic_store_explicit(&pool->entry, 1u, memory_order_release); /* open, nobody in */
    publish(pool, STEP_ITEMS);

    run_items(pool, 0);

    /* close the step: workers that have not joined yet never will; wait for
     * those that did (they are finishing their last chunk) */
    atomic_fetch_and(&pool->entry, ~1u);
    wait_for_workers(pool, items_step_done);
}

void tl_pool_share(size_t count, int thread_index, int n_threads, size_t *begin, size_t *end)
{
    size_t n = (size_t)n_threads, i = (size_t)thread_index;
    size_t base = count / n, extra = count % n;
    *begin = i * base + (i < extra ? i : extra);
    *end = *begin + base + (i < extra ? 1 : 0);
}
