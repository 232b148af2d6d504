/* Hash maps used on the hot path: byte strings to ids (the vocabulary) and
 * id pairs to merges. Open addressing, power-of-two capacity, built once at
 * load and read-only afterwards, so any number of threads may look up
 * concurrently. */
#ifndef TL_TOKENIZER_STRMAP_H
#define TL_TOKENIZER_STRMAP_H

#include <stdint.h>
#include <string.h>

#include "base/error.h"

static inline uint64_t tl_hash_bytes(const void *data, size_t len)
{
    /* A multiply-xorshift hash over 8-byte words: short tokens are the
     * common case, so it avoids per-byte loops. */
    const unsigned char *p = data;
    uint64_t h = 0x9E3779B97F4A7C15ull ^ (len * 0xff51afd7ed558ccdull);
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
        h ^= h >> 31;
        p += 8;
        len -= 8;
    }
    if (len) {
        uint64_t w = 0;
        memcpy(&w, p, len);
        h = (h ^ w) * 0x94d049bb133111ebull;
        h ^= h >> 29;
    }
    h *= 0xbf58476d1ce4e5b9ull;
    return h ^ (h >> 32);
}

typedef struct tl_strmap_slot {
    uint64_t pre;     /* the key's first 8 bytes (zero-padded): most compares stop here */
    const char *key;
    uint32_t len;
    int32_t id;       /* -1 = empty */
} tl_strmap_slot;

typedef struct tl_strmap {
    tl_strmap_slot *slots;
    size_t mask;
    size_t count;
} tl_strmap;

/* Room for `n` keys (load factor <= 1/2). */
tabllm_status tl_strmap_init(tl_strmap *m, size_t n);
void tl_strmap_free(tl_strmap *m);
/* Inserts or replaces (the key must outlive the map). Returns the previous id
 * or -1. */
int32_t tl_strmap_put(tl_strmap *m, const char *key, size_t len, int32_t id);
int32_t tl_strmap_put_h(tl_strmap *m, const char *key, size_t len, int32_t id, uint64_t h);

static inline uint64_t tl_key_prefix(const char *key, size_t len)
{
    uint64_t w = 0;
    memcpy(&w, key, len < 8 ? len : 8);
    return w;
}

/* Lookup with a precomputed hash (tl_hash_bytes), so callers can hash and
 * prefetch many keys before resolving them. */
static inline int32_t tl_strmap_get_h(const tl_strmap *m, const char *key, size_t len, uint64_t h)
{
    if (m->slots == NULL)
        return -1;
    uint64_t pre = tl_key_prefix(key, len);
    for (size_t i = h & m->mask;; i = (i + 1) & m->mask) {
        const tl_strmap_slot *s = &m->slots[i];
        if (s->id < 0)
            return -1;
        if (s->pre == pre && s->len == len &&
            (len <= 8 || memcmp(s->key + 8, key + 8, len - 8) == 0))
            return s->id;
    }
}

static inline void tl_strmap_prefetch(const tl_strmap *m, uint64_t h)
{
    __builtin_prefetch(&m->slots[h & m->mask]);
}

static inline int32_t tl_strmap_get(const tl_strmap *m, const char *key, size_t len)
{
    return tl_strmap_get_h(m, key, len, tl_hash_bytes(key, len));
}

/* (left id, right id) -> (rank, merged id). */
typedef struct tl_pairmap_slot {
    uint64_t key; /* left << 32 | right; UINT64_MAX = empty */
    uint32_t rank;
    int32_t id;
} tl_pairmap_slot;

typedef struct tl_pairmap {
    tl_pairmap_slot *slots;
    size_t mask;
    size_t count;
} tl_pairmap;

tabllm_status tl_pairmap_init(tl_pairmap *m, size_t n);
void tl_pairmap_free(tl_pairmap *m);
/* Inserts or replaces, as HF's HashMap collect does (the last duplicate wins). */
void tl_pairmap_put(tl_pairmap *m, int32_t a, int32_t b, uint32_t rank, int32_t id);

static inline uint64_t tl_pair_hash(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdull;
    k ^= k >> 33;
    return k;
}

static inline void tl_pairmap_prefetch(const tl_pairmap *m, int32_t a, int32_t b)
{
    uint64_t key = (uint64_t)(uint32_t)a << 32 | (uint32_t)b;
    __builtin_prefetch(&m->slots[tl_pair_hash(key) & m->mask]);
}

static inline const tl_pairmap_slot *tl_pairmap_get(const tl_pairmap *m, int32_t a, int32_t b)
{
    if (m->slots == NULL)
        return NULL;
    uint64_t key = (uint64_t)(uint32_t)a << 32 | (uint32_t)b;
    for (size_t i = tl_pair_hash(key) & m->mask;; i = (i + 1) & m->mask) {
        const tl_pairmap_slot *s = &m->slots[i];
        if (s->key == key)
            return s;
        if (s->key == UINT64_MAX)
            return NULL;
    }
}

#endif
