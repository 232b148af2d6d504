#include "base/pool.h"

#include <pthread.h>
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

struct worker {
    tl_pool *pool;
    int index;
    pthread_t thread;
};

struct tl_pool {
    int n_threads;
    int spin;               /* SPIN_ITERATIONS, or 0 when oversubscribed */
    struct worker *workers; /* n_threads - 1 of them */

    /* The current step; published by incrementing `generation`. */
    tl_pool_fn fn;
    void *ctx;
    atomic_uint generation;
    atomic_int pending; /* workers still running the current step */
    atomic_bool stop;

    pthread_mutex_t lock;
    pthread_cond_t wake;
    int sleepers; /* guarded by lock */
    /* The caller sleeps on `done` once it has spun long enough; the worker
     * that brings `pending` to 0 signals it when `caller_waiting` is set.
     * Both sides use sequentially consistent operations on `pending` and
     * `caller_waiting`, so at least one of them sees the other's write and
     * no wake-up is lost. */
    pthread_cond_t done;
    atomic_bool caller_waiting;
};

static unsigned wait_for_step(tl_pool *pool, unsigned seen)
{
    for (int i = 0; i < pool->spin; i++) {
        unsigned gen = atomic_load_explicit(&pool->generation, memory_order_acquire);
        if (gen != seen || atomic_load_explicit(&pool->stop, memory_order_acquire))
            return gen;
        cpu_relax();
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

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    tl_pool *pool = w->pool;
    unsigned seen = 0;
    for (;;) {
        seen = wait_for_step(pool, seen);
        if (atomic_load_explicit(&pool->stop, memory_order_acquire))
            return NULL;
        pool->fn(pool->ctx, w->index, pool->n_threads);
        if (atomic_fetch_sub(&pool->pending, 1) == 1 && atomic_load(&pool->caller_waiting)) {
            pthread_mutex_lock(&pool->lock);
            pthread_cond_signal(&pool->done);
            pthread_mutex_unlock(&pool->lock);
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

void tl_pool_run(tl_pool *pool, tl_pool_fn fn, void *ctx)
{
    if (pool->n_threads == 1) {
        fn(ctx, 0, 1);
        return;
    }
    pool->fn = fn;
    pool->ctx = ctx;
    atomic_store_explicit(&pool->pending, pool->n_threads - 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&pool->generation, 1, memory_order_release);
    pthread_mutex_lock(&pool->lock);
    if (pool->sleepers > 0)
        pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->lock);

    fn(ctx, 0, pool->n_threads);

    for (int i = 0; i < pool->spin; i++) {
        if (atomic_load_explicit(&pool->pending, memory_order_acquire) == 0)
            return;
        cpu_relax();
    }
    /* A worker is slow or descheduled (more threads than processors): sleep
     * until the last one is done rather than take a processor from it. */
    atomic_store(&pool->caller_waiting, true);
    pthread_mutex_lock(&pool->lock);
    while (atomic_load(&pool->pending) > 0)
        pthread_cond_wait(&pool->done, &pool->lock);
    pthread_mutex_unlock(&pool->lock);
    atomic_store(&pool->caller_waiting, false);
}

void tl_pool_share(size_t count, int thread_index, int n_threads, size_t *begin, size_t *end)
{
    size_t n = (size_t)n_threads, i = (size_t)thread_index;
    size_t base = count / n, extra = count % n;
    *begin = i * base + (i < extra ? i : extra);
    *end = *begin + base + (i < extra ? 1 : 0);
}
