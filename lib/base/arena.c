#include "base/arena.h"

#include <string.h>

#include "base/alloc.h"

struct tl_arena_block {
    tl_arena_block *next;
    size_t size; /* usable bytes after the header */
    _Alignas(16) unsigned char data[];
};

#define ARENA_MIN_BLOCK 4096
#define ARENA_MAX_BLOCK (16u << 20)

void *tl_arena_alloc(tl_arena *a, size_t size)
{
    size_t aligned;
    if (!tl_size_add(size, 7, &aligned)) {
        tl_error(TABLLM_ERR_OUT_OF_MEMORY, "arena allocation of %zu bytes overflows", size);
        return NULL;
    }
    aligned &= ~(size_t)7;
    if (a->head == NULL || a->head->size - a->used < aligned) {
        /* Each block doubles the arena up to 16 MiB per block; a larger
         * request gets a block of its own size. */
        size_t block = a->total < ARENA_MIN_BLOCK ? ARENA_MIN_BLOCK : a->total;
        if (block > ARENA_MAX_BLOCK)
            block = ARENA_MAX_BLOCK;
        if (block < aligned)
            block = aligned;
        size_t bytes;
        if (!tl_size_add(block, sizeof(tl_arena_block), &bytes)) {
            tl_error(TABLLM_ERR_OUT_OF_MEMORY, "arena block of %zu bytes overflows", block);
            return NULL;
        }
        tl_arena_block *b = tl_malloc(bytes);
        if (b == NULL) {
            tl_error(TABLLM_ERR_OUT_OF_MEMORY, "out of memory allocating %zu bytes", bytes);
            return NULL;
        }
        b->next = a->head;
        b->size = block;
        a->head = b;
        a->used = 0;
        a->total += block;
    }
    void *p = a->head->data + a->used;
    a->used += aligned;
    return p;
}

char *tl_arena_strndup(tl_arena *a, const char *s, size_t len)
{
    size_t bytes;
    if (!tl_size_add(len, 1, &bytes)) {
        tl_error(TABLLM_ERR_OUT_OF_MEMORY, "string of %zu bytes is too long", len);
        return NULL;
    }
    char *copy = tl_arena_alloc(a, bytes);
    if (copy == NULL)
        return NULL;
    if (len)
        memcpy(copy, s, len);
    copy[len] = '\0';
    return copy;
}

void tl_arena_free(tl_arena *a)
{
    tl_arena_block *b = a->head;
    while (b != NULL) {
        tl_arena_block *next = b->next;
        tl_free(b);
        b = next;
    }
    a->head = NULL;
    a->used = a->total = 0;
}
