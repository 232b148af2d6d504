#include "tokenizer/strmap.h"

#include "base/alloc.h"

static size_t capacity_for(size_t n)
{
    size_t cap = 16;
    while (cap < n * 2 + 2)
        cap <<= 1;
    return cap;
}

tabllm_status tl_strmap_init(tl_strmap *m, size_t n)
{
    m->count = 0;
    size_t cap = capacity_for(n);
    tabllm_status st = tl_alloc_array((void **)&m->slots, cap, sizeof *m->slots, "vocabulary map");
    if (st != TABLLM_OK)
        return st;
    for (size_t i = 0; i < cap; i++)
        m->slots[i].id = -1;
    m->mask = cap - 1;
    return TABLLM_OK;
}

void tl_strmap_free(tl_strmap *m)
{
    tl_free(m->slots);
    m->slots = NULL;
}

int32_t tl_strmap_put(tl_strmap *m, const char *key, size_t len, int32_t id)
{
    return tl_strmap_put_h(m, key, len, id, tl_hash_bytes(key, len));
}

int32_t tl_strmap_put_h(tl_strmap *m, const char *key, size_t len, int32_t id, uint64_t h)
{
    uint64_t pre = tl_key_prefix(key, len);
    for (size_t i = h & m->mask;; i = (i + 1) & m->mask) {
        tl_strmap_slot *s = &m->slots[i];
        if (s->id < 0) {
            *s = (tl_strmap_slot){pre, key, (uint32_t)len, id};
            m->count++;
            return -1;
        }
        if (s->pre == pre && s->len == len && (len <= 8 || memcmp(s->key + 8, key + 8, len - 8) == 0)) {
            int32_t old = s->id;
            s->id = id;
            return old;
        }
    }
}

tabllm_status tl_pairmap_init(tl_pairmap *m, size_t n)
{
    m->count = 0;
    size_t cap = capacity_for(n);
    tabllm_status st = tl_alloc_array((void **)&m->slots, cap, sizeof *m->slots, "merge map");
    if (st != TABLLM_OK)
        return st;
    for (size_t i = 0; i < cap; i++)
        m->slots[i].key = UINT64_MAX;
    m->mask = cap - 1;
    return TABLLM_OK;
}

void tl_pairmap_free(tl_pairmap *m)
{
    tl_free(m->slots);
    m->slots = NULL;
}

void tl_pairmap_put(tl_pairmap *m, int32_t a, int32_t b, uint32_t rank, int32_t id)
{
    uint64_t key = (uint64_t)(uint32_t)a << 32 | (uint32_t)b;
    for (size_t i = tl_pair_hash(key) & m->mask;; i = (i + 1) & m->mask) {
        tl_pairmap_slot *s = &m->slots[i];
        if (s->key == UINT64_MAX) {
            s->key = key;
            s->rank = rank;
            s->id = id;
            m->count++;
            return;
        }
        if (s->key == key) {
            s->rank = rank;
            s->id = id;
            return;
        }
    }
}
