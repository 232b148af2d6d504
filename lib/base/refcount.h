/* Internal reference counts, so a parent handle (a model) lives until its last
 * child (session, adapter) is freed, whatever order the host frees them in. */
#ifndef TL_BASE_REFCOUNT_H
#define TL_BASE_REFCOUNT_H

#include <stdatomic.h>
#include <stdbool.h>

typedef struct tl_refcount {
    atomic_long count;
} tl_refcount;

static inline void tl_ref_init(tl_refcount *r)
{
    atomic_init(&r->count, 1);
}

static inline void tl_ref_acquire(tl_refcount *r)
{
    atomic_fetch_add_explicit(&r->count, 1, memory_order_relaxed);
}

/* True when this was the last reference and the object must be destroyed. */
static inline bool tl_ref_release(tl_refcount *r)
{
    return atomic_fetch_sub_explicit(&r->count, 1, memory_order_acq_rel) == 1;
}

#endif
