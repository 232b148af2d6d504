#include "base/alloc.h"

#include <stdlib.h>
#include <string.h>

#include "tabllm.h"

/* Countdown for injected failures; 0 means disarmed. */
static _Thread_local unsigned long fail_countdown;

void tl_alloc_fail_after(unsigned long n)
{
    fail_countdown = n;
}

static bool injected_failure(void)
{
    if (fail_countdown == 0)
        return false;
    return --fail_countdown == 0;
}

void *tl_malloc(size_t size)
{
    if (injected_failure())
        return NULL;
    return malloc(size ? size : 1);
}

void *tl_calloc(size_t count, size_t size)
{
    if (injected_failure())
        return NULL;
    if (count == 0 || size == 0)
        count = size = 1;
    return calloc(count, size);
}

void *tl_realloc(void *ptr, size_t size)
{
    if (injected_failure())
        return NULL;
    return realloc(ptr, size ? size : 1);
}

void tl_free(void *ptr)
{
    free(ptr);
}

void tabllm_free(void *ptr)
{
    free(ptr);
}

tabllm_status tl_alloc_array(void **out, size_t count, size_t size, const char *what)
{
    size_t bytes;
    *out = NULL;
    if (!tl_size_mul(count, size, &bytes))
        return tl_error(TABLLM_ERR_OUT_OF_MEMORY, "%s: %zu x %zu bytes overflows", what, count,
                        size);
    *out = tl_malloc(bytes);
    if (*out == NULL)
        return tl_error(TABLLM_ERR_OUT_OF_MEMORY, "out of memory allocating %zu bytes for %s",
                        bytes, what);
    return TABLLM_OK;
}

tabllm_status tl_calloc_array(void **out, size_t count, size_t size, const char *what)
{
    size_t bytes;
    *out = NULL;
    if (!tl_size_mul(count, size, &bytes))
        return tl_error(TABLLM_ERR_OUT_OF_MEMORY, "%s: %zu x %zu bytes overflows", what, count,
                        size);
    *out = tl_calloc(count, size);
    if (*out == NULL)
        return tl_error(TABLLM_ERR_OUT_OF_MEMORY, "out of memory allocating %zu bytes for %s",
                        bytes, what);
    return TABLLM_OK;
}

tabllm_status tl_grow_array(void **ptr, size_t *cap, size_t needed, size_t size,
                            const char *what)
{
    if (needed <= *cap)
        return TABLLM_OK;
    size_t new_cap = *cap ? *cap : 8;
    while (new_cap < needed) {
        if (!tl_size_mul(new_cap, 2, &new_cap))
            return tl_error(TABLLM_ERR_OUT_OF_MEMORY, "%s: %zu elements overflows", what, needed);
    }
    size_t bytes;
    if (!tl_size_mul(new_cap, size, &bytes))
        return tl_error(TABLLM_ERR_OUT_OF_MEMORY, "%s: %zu x %zu bytes overflows", what, new_cap,
                        size);
    void *grown = tl_realloc(*ptr, bytes);
    if (grown == NULL)
        return tl_error(TABLLM_ERR_OUT_OF_MEMORY, "out of memory growing %s to %zu bytes", what,
                        bytes);
    *ptr = grown;
    *cap = new_cap;
    return TABLLM_OK;
}

char *tl_strndup(const char *s, size_t len)
{
    size_t bytes;
    if (!tl_size_add(len, 1, &bytes))
        return NULL;
    char *copy = tl_malloc(bytes);
    if (copy == NULL)
        return NULL;
    memcpy(copy, s, len);
    copy[len] = '\0';
    return copy;
}

char *tl_strdup(const char *s)
{
    return tl_strndup(s, strlen(s));
}
