/* A bump allocator for many small immutable pieces (cell texts, vocabulary
 * strings) that are freed all at once. Blocks grow geometrically; nothing is
 * ever moved, so returned pointers stay valid until tl_arena_free. */
#ifndef TL_BASE_ARENA_H
#define TL_BASE_ARENA_H

#include <stddef.h>

#include "base/error.h"

typedef struct tl_arena_block tl_arena_block;

typedef struct tl_arena {
    tl_arena_block *head; /* newest block first */
    size_t used;          /* bytes used in head */
    size_t total;         /* bytes allocated in all blocks, for limits and stats */
} tl_arena;

#define TL_ARENA_INIT {NULL, 0, 0}

/* `size` bytes aligned to 8; NULL (with the error set) on failure. */
void *tl_arena_alloc(tl_arena *a, size_t size);

/* A NUL-terminated copy of s[0..len); NULL (with the error set) on failure. */
char *tl_arena_strndup(tl_arena *a, const char *s, size_t len);

void tl_arena_free(tl_arena *a);

#endif
