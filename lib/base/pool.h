/* A fixed-size thread pool for the compute kernels of one session.
 *
 * Why a pool of our own instead of OpenMP or OpenBLAS' threads: the work is a
 * long chain of short parallel steps (one per matrix product in a decode
 * step), so waking threads must cost microseconds, not a condition-variable
 * round trip; each session has its own pool, so two sessions in one process do
 * not share or resize anything process-wide; and each step is split statically
 * by thread index, so results depend only on the thread count, never on
 * timing. Workers spin briefly on an atomic generation counter between steps
 * and then sleep on a condition variable; the caller spins as briefly for
 * the step to end and then sleeps until the last worker wakes it. Spinning
 * threads call sched_yield every 64 pauses, so on a busy machine they hand
 * the processor to the thread they wait for. Pools with more threads than
 * the machine has processors never spin. */
#ifndef TL_BASE_POOL_H
#define TL_BASE_POOL_H

#include "base/error.h"

typedef struct tl_pool tl_pool;

/* Work for one step: called once on each of the pool's threads with its index
 * in [0, n_threads). Index 0 runs on the thread that called tl_pool_run. */
typedef void (*tl_pool_fn)(void *ctx, int thread_index, int n_threads);

/* A pool of `n_threads` threads in all, counting the caller (1 = no extra
 * threads). */
tabllm_status tl_pool_new(int n_threads, tl_pool **out);
void tl_pool_free(tl_pool *pool);
int tl_pool_size(const tl_pool *pool);

/* Runs fn on every thread of the pool and returns when all have finished.
 * Must not be called from inside a pool function, nor concurrently on one
 * pool. */
void tl_pool_run(tl_pool *pool, tl_pool_fn fn, void *ctx);

/* Work for a step handed out in chunks: items [begin, end) on the thread
 * with index `thread_index` (for per-thread scratch). */
typedef void (*tl_pool_items_fn)(void *ctx, size_t begin, size_t end, int thread_index);

/* Runs fn over `count` items in chunks of `chunk` (the last may be shorter):
 * each thread that arrives takes the next chunk from an atomic counter until
 * none is left. A worker the OS has not scheduled by the time every chunk is
 * taken does not take part, so a descheduled thread (a busy machine) costs
 * its share of the work, not a scheduler time slice per step. Chunk
 * boundaries depend only on (count, chunk), so a computation whose items are
 * independent gives the same bits whichever thread ran them. Same calling
 * rules as tl_pool_run. */
void tl_pool_run_items(tl_pool *pool, size_t count, size_t chunk, tl_pool_items_fn fn, void *ctx);

/* The [begin, end) share of `count` items for one thread: contiguous,
 * balanced, and a function of (count, index, n) alone. */
void tl_pool_share(size_t count, int thread_index, int n_threads, size_t *begin, size_t *end);

#endif
