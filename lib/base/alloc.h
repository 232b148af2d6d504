/* Allocation with overflow-checked sizes.
 *
 * Every size computed from input goes through tl_size_mul/tl_size_add (or the
 * array allocators, which do it for you), so a crafted file cannot make a
 * size wrap around. Allocation failures are reported as statuses with the
 * name of what was being allocated. */
#ifndef TL_BASE_ALLOC_H
#define TL_BASE_ALLOC_H

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"

/* *out = a * b; false (and *out untouched) on overflow. */
static inline bool tl_size_mul(size_t a, size_t b, size_t *out)
{
    size_t r;
    if (__builtin_mul_overflow(a, b, &r))
        return false;
    *out = r;
    return true;
}

/* *out = a + b; false (and *out untouched) on overflow. */
static inline bool tl_size_add(size_t a, size_t b, size_t *out)
{
    size_t r;
    if (__builtin_add_overflow(a, b, &r))
        return false;
    *out = r;
    return true;
}

/* malloc/calloc/realloc that may fail on purpose in tests (see
 * tl_alloc_fail_after). They return NULL on failure and set no error. */
void *tl_malloc(size_t size);
void *tl_calloc(size_t count, size_t size);
void *tl_realloc(void *ptr, size_t size);
void tl_free(void *ptr);

/* Allocates count*size bytes (zeroed for the calloc form) into *out.
 * On overflow or failure returns TABLLM_ERR_OUT_OF_MEMORY with a message
 * naming `what`. */
tabllm_status tl_alloc_array(void **out, size_t count, size_t size, const char *what);
tabllm_status tl_calloc_array(void **out, size_t count, size_t size, const char *what);

/* Grows *ptr so it holds at least `needed` elements of `size` bytes, at least
 * doubling the capacity *cap (in elements). */
tabllm_status tl_grow_array(void **ptr, size_t *cap, size_t needed, size_t size,
                            const char *what);

/* Duplicates `len` bytes of `s` and adds a NUL. NULL on failure. */
char *tl_strndup(const char *s, size_t len);
char *tl_strdup(const char *s);

/* Test hook: the allocation `n` calls from now (1 = the next one) on the
 * calling thread fails, once. 0 disarms it. Thread-local, so tests running
 * in parallel do not see each other's failures. */
void tl_alloc_fail_after(unsigned long n);

#endif
