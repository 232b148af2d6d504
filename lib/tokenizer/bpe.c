/* The BPE model, as tokenizers/src/models/bpe/model.rs runs it: the word is
 * split into characters (bytes for byte-level vocabularies), each looked up
 * with continuing_subword_prefix / end_of_word_suffix, unknown ones going to
 * byte_fallback's <0xXX> tokens or unk_token; then pairs are merged, lowest
 * rank first and leftmost among equals, until no pair has a merge.
 *
 * Two merge loops give the same result: a scan with cached pair ranks for
 * short words (most words; no heap traffic), and HF's priority queue for long
 * ones (SentencePiece-style vocabularies see whole sentences as one word),
 * which keeps them O(n log n). The unit tests compare the two. */
#include <string.h>

#include "base/alloc.h"
#include "base/utf8.h"
#include "tokenizer/ws.h"

#define SCAN_MAX 32 /* words with more symbols use the heap */

void tl_bpe_merge_scan(const tl_pairmap *merges, tl_sym *syms, size_t n)
{
    uint32_t rank[SCAN_MAX];
    int32_t nid[SCAN_MAX];
    /* The first lookups are independent cache misses: start them together. */
    for (size_t i = 0; i + 1 < n; i++)
        tl_pairmap_prefetch(merges, syms[i].id, syms[i + 1].id);
    for (size_t i = 0; i + 1 < n; i++) {
        const tl_pairmap_slot *m = tl_pairmap_get(merges, syms[i].id, syms[i + 1].id);
        rank[i] = m ? m->rank : UINT32_MAX;
        nid[i] = m ? m->id : -1;
    }
    if (n)
        rank[n - 1] = UINT32_MAX;
    for (;;) {
        uint32_t best = UINT32_MAX;
        int32_t bi = -1;
        for (int32_t i = 0; i >= 0; i = syms[i].next)
            if (rank[i] < best) {
                best = rank[i];
                bi = i;
            }
        if (bi < 0)
            return;
        int32_t j = syms[bi].next;
        syms[bi].id = nid[bi];
        syms[bi].end = syms[j].end;
        syms[bi].next = syms[j].next;
        if (syms[j].next >= 0)
            syms[syms[j].next].prev = bi;
        syms[j].id = -1;
        int32_t k = syms[bi].next;
        const tl_pairmap_slot *m = k >= 0 ? tl_pairmap_get(merges, syms[bi].id, syms[k].id) : NULL;
        rank[bi] = m ? m->rank : UINT32_MAX;
        nid[bi] = m ? m->id : -1;
        int32_t p = syms[bi].prev;
        if (p >= 0) {
            m = tl_pairmap_get(merges, syms[p].id, syms[bi].id);
            rank[p] = m ? m->rank : UINT32_MAX;
            nid[p] = m ? m->id : -1;
        }
    }
}

typedef struct merge_entry {
    uint32_t rank;
    uint32_t pos;
    int32_t id;
} merge_entry;

static inline bool before(const merge_entry *a, const merge_entry *b)
{
    return a->rank < b->rank || (a->rank == b->rank && a->pos < b->pos);
}

static void heap_push(merge_entry *h, size_t *n, merge_entry e)
{
    size_t i = (*n)++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!before(&e, &h[p]))
            break;
        h[i] = h[p];
        i = p;
    }
    h[i] = e;
}

static merge_entry heap_pop(merge_entry *h, size_t *n)
{
    merge_entry top = h[0], last = h[--(*n)];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= *n)
            break;
        if (c + 1 < *n && before(&h[c + 1], &h[c]))
            c++;
        if (!before(&h[c], &last))
            break;
        h[i] = h[c];
        i = c;
    }
    if (*n)
        h[i] = last;
    return top;
}

/* HF's Word::merge_all. `heap_mem` holds at least 2n entries: every merge
 * pushes at most two, and there are fewer than n merges. */
void tl_bpe_merge_heap(const tl_pairmap *merges, tl_sym *syms, size_t n, void *heap_mem)
{
    merge_entry *h = heap_mem;
    size_t hn = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        const tl_pairmap_slot *m = tl_pairmap_get(merges, syms[i].id, syms[i + 1].id);
        if (m)
            heap_push(h, &hn, (merge_entry){m->rank, (uint32_t)i, m->id});
    }
    while (hn) {
        merge_entry top = heap_pop(h, &hn);
        tl_sym *s = &syms[top.pos];
        if (s->id < 0 || s->next < 0)
            continue;
        tl_sym *r = &syms[s->next];
        const tl_pairmap_slot *m = tl_pairmap_get(merges, s->id, r->id);
        if (m == NULL || m->id != top.id)
            continue; /* an expired entry */
        int32_t rn = r->next;
        s->id = top.id;
        s->end = r->end;
        s->next = rn;
        r->id = -1;
        if (rn >= 0)
            syms[rn].prev = (int32_t)top.pos;
        if (s->prev >= 0) {
            m = tl_pairmap_get(merges, syms[s->prev].id, s->id);
            if (m)
                heap_push(h, &hn, (merge_entry){m->rank, (uint32_t)s->prev, m->id});
        }
        if (rn >= 0) {
            m = tl_pairmap_get(merges, s->id, syms[rn].id);
            if (m)
                heap_push(h, &hn, (merge_entry){m->rank, top.pos, m->id});
        }
    }
}

static tabllm_status push_tok(tl_tok **toks, size_t *n, size_t *cap, int32_t id, uint32_t s,
                              uint32_t e)
{
    if (*n == *cap &&
        tl_grow_array((void **)toks, cap, *n + 1, sizeof **toks, "tokens") != TABLLM_OK)
        return TABLLM_ERR_OUT_OF_MEMORY;
    (*toks)[(*n)++] = (tl_tok){id, s, e};
    return TABLLM_OK;
}

/* Symbols under construction. */
typedef struct sym_builder {
    tl_ws *ws;
    size_t n;
    int32_t unk_id;
    uint32_t unk_start, unk_end;
    bool unk_pending;
} sym_builder;

static tabllm_status add_sym(sym_builder *b, int32_t id, uint32_t s, uint32_t e)
{
    tl_ws *ws = b->ws;
    if (b->n == ws->cap_syms &&
        tl_grow_array((void **)&ws->syms, &ws->cap_syms, b->n + 1, sizeof *ws->syms,
                      "BPE symbols") != TABLLM_OK)
        return TABLLM_ERR_OUT_OF_MEMORY;
    ws->syms[b->n] = (tl_sym){id, (int32_t)b->n - 1, (int32_t)b->n + 1, s, e};
    b->n++;
    return TABLLM_OK;
}

static tabllm_status flush_unk(sym_builder *b)
{
    if (!b->unk_pending)
        return TABLLM_OK;
    b->unk_pending = false;
    return add_sym(b, b->unk_id, b->unk_start, b->unk_end);
}

/* One character of the word: `key` is its vocabulary form (with prefix or
 * suffix), [s, e) its bytes in the word, `fb` the bytes byte_fallback spells
 * out. Follows BPE::merge_word, including its order quirk: a fallback does not
 * flush a pending unknown. */
static tabllm_status add_char(const tl_bpe *bpe, sym_builder *b, int32_t id, uint32_t s,
                              uint32_t e, const char *fb, size_t fb_len)
{
    tabllm_status st;
    if (id >= 0) {
        if ((st = flush_unk(b)) != TABLLM_OK)
            return st;
        return add_sym(b, id, s, e);
    }
    if (bpe->byte_fallback) {
        bool ok = true;
        for (size_t k = 0; k < fb_len && ok; k++)
            ok = bpe->fallback_ids[(unsigned char)fb[k]] >= 0;
        if (ok) {
            for (size_t k = 0; k < fb_len; k++) {
                uint32_t ks = s + (uint32_t)k < e ? s + (uint32_t)k : e - 1;
                if ((st = add_sym(b, bpe->fallback_ids[(unsigned char)fb[k]], ks, ks + 1)) !=
                    TABLLM_OK)
                    return st;
            }
            return TABLLM_OK;
        }
    }
    if (bpe->unk_id == -1)
        return TABLLM_OK; /* no unk_token: HF drops the character */
    if (bpe->unk_id == -2)
        return tl_error(TABLLM_ERR_FORMAT, "unk_token \"%s\" is not in the vocabulary",
                        bpe->unk_token);
    if (b->unk_pending && bpe->fuse_unk) {
        b->unk_end = e;
        return TABLLM_OK;
    }
    if ((st = flush_unk(b)) != TABLLM_OK)
        return st;
    b->unk_pending = true;
    b->unk_id = bpe->unk_id;
    b->unk_start = s;
    b->unk_end = e;
    return TABLLM_OK;
}

/* The vocabulary id of prefix? + w[s..e) + suffix?, or -1. */
static int32_t lookup_affixed(const tl_bpe *bpe, tl_ws *ws, const char *w, size_t s, size_t e,
                              bool first, bool last)
{
    bool pre = bpe->has_prefix && !first, suf = bpe->has_suffix && last;
    if (!pre && !suf)
        return tl_strmap_get(&bpe->vocab, w + s, e - s);
    size_t n = (pre ? bpe->prefix_len : 0) + (e - s) + (suf ? bpe->suffix_len : 0);
    if (n > ws->cap_key && tl_grow_array((void **)&ws->key, &ws->cap_key, n, 1, "BPE key") !=
                               TABLLM_OK)
        return -3;
    char *k = ws->key;
    size_t o = 0;
    if (pre) {
        memcpy(k, bpe->prefix, bpe->prefix_len);
        o += bpe->prefix_len;
    }
    memcpy(k + o, w + s, e - s);
    o += e - s;
    if (suf) {
        memcpy(k + o, bpe->suffix, bpe->suffix_len);
        o += bpe->suffix_len;
    }
    return tl_strmap_get(&bpe->vocab, k, o);
}

static uint64_t cache_hash(const char *w, size_t len)
{
    uint64_t h = tl_hash_bytes(w, len);
    return h ? h : 1;
}

static bool cache_get(tl_ws *ws, uint64_t h, const char *w, size_t len, tl_tok **toks, size_t *n,
                      size_t *cap, tabllm_status *st)
{
    if (ws->cache == NULL)
        return false;
    for (size_t i = h & (TL_CACHE_SLOTS - 1);; i = (i + 1) & (TL_CACHE_SLOTS - 1)) {
        tl_cache_slot *c = &ws->cache[i];
        if (c->hash == 0)
            return false;
        if (c->hash == h && c->key_len == len && memcmp(ws->cache_keys + c->key_off, w, len) == 0) {
            if (*n + c->tok_len > *cap &&
                tl_grow_array((void **)toks, cap, *n + c->tok_len, sizeof **toks, "tokens") !=
                    TABLLM_OK) {
                *st = TABLLM_ERR_OUT_OF_MEMORY;
                return true;
            }
            if (c->tok_len)
                memcpy(*toks + *n, ws->cache_toks + c->tok_off, c->tok_len * sizeof(tl_tok));
            *n += c->tok_len;
            *st = TABLLM_OK;
            return true;
        }
    }
}

static void cache_put(tl_ws *ws, uint64_t h, const char *w, size_t len, const tl_tok *toks,
                      size_t n)
{
    if (ws->cache == NULL) {
        ws->cache = tl_calloc(TL_CACHE_SLOTS, sizeof *ws->cache);
        ws->cache_keys = tl_malloc(TL_CACHE_KEY_BYTES);
        ws->cache_toks = tl_malloc(TL_CACHE_TOKS * sizeof(tl_tok));
        if (!ws->cache || !ws->cache_keys || !ws->cache_toks) {
            tl_free(ws->cache);
            tl_free(ws->cache_keys);
            tl_free(ws->cache_toks);
            ws->cache = NULL;
            ws->cache_keys = NULL;
            ws->cache_toks = NULL;
            return; /* no cache: slower, same answers */
        }
    }
    if (ws->cache_count >= TL_CACHE_SLOTS / 2 || ws->cache_key_used + len > TL_CACHE_KEY_BYTES ||
        ws->cache_tok_used + n > TL_CACHE_TOKS) {
        memset(ws->cache, 0, TL_CACHE_SLOTS * sizeof *ws->cache);
        ws->cache_count = ws->cache_key_used = ws->cache_tok_used = 0;
    }
    size_t i = h & (TL_CACHE_SLOTS - 1);
    while (ws->cache[i].hash != 0)
        i = (i + 1) & (TL_CACHE_SLOTS - 1);
    memcpy(ws->cache_keys + ws->cache_key_used, w, len);
    if (n)
        memcpy(ws->cache_toks + ws->cache_tok_used, toks, n * sizeof(tl_tok));
    ws->cache[i] = (tl_cache_slot){h, (uint32_t)ws->cache_key_used, (uint32_t)len,
                                   (uint32_t)ws->cache_tok_used, (uint32_t)n};
    ws->cache_key_used += len;
    ws->cache_tok_used += n;
    ws->cache_count++;
}

static tabllm_status build_symbols(const tabllm_tokenizer *t, tl_ws *ws, const char *w,
                                   size_t len, sym_builder *b)
{
    const tl_bpe *bpe = &t->bpe;
    tabllm_status st = TABLLM_OK;
    if (bpe->byte_level && !bpe->has_prefix && !bpe->has_suffix && !bpe->byte_fallback &&
        bpe->unk_id == -1) {
        /* The common byte-level case: one table lookup per byte. */
        if (len > ws->cap_syms &&
            tl_grow_array((void **)&ws->syms, &ws->cap_syms, len, sizeof *ws->syms,
                          "BPE symbols") != TABLLM_OK)
            return TABLLM_ERR_OUT_OF_MEMORY;
        for (size_t i = 0; i < len; i++) {
            int32_t id = bpe->unit_ids[(unsigned char)w[i]];
            if (id >= 0) {
                int32_t k = (int32_t)b->n;
                ws->syms[k] = (tl_sym){id, k - 1, k + 1, (uint32_t)i, (uint32_t)i + 1};
                b->n++;
            }
        }
        return TABLLM_OK;
    }
    for (size_t i = 0; i < len && st == TABLLM_OK;) {
        size_t n = bpe->byte_level ? 1 : tl_uc_len((unsigned char)w[i]);
        if (i + n > len)
            n = len - i;
        int32_t id = lookup_affixed(bpe, ws, w, i, i + n, i == 0, i + n == len);
        if (id == -3)
            return tl_error_oom("BPE key");
        /* What byte_fallback spells: the character as the vocabulary writes it. */
        char fb[4 + 2 * 64];
        size_t fb_len = 0;
        if (id < 0 && bpe->byte_fallback) {
            if (bpe->byte_level)
                fb_len = tl_utf8_encode(tl_byte_to_char((unsigned char)w[i]), fb);
            else {
                memcpy(fb, w + i, n);
                fb_len = n;
            }
        }
        st = add_char(bpe, b, id, (uint32_t)i, (uint32_t)(i + n), fb, fb_len);
        i += n;
    }
    if (st == TABLLM_OK)
        st = flush_unk(b);
    return st;
}

tabllm_status tl_bpe_word(const tabllm_tokenizer *t, tl_ws *ws, const char *w, size_t len,
                          tl_tok **toks, size_t *n, size_t *cap)
{
    const tl_bpe *bpe = &t->bpe;
    if (len == 0)
        return TABLLM_OK;
    if (len > UINT32_MAX - 1)
        return tl_error(TABLLM_ERR_LIMIT_EXCEEDED, "a word of %zu bytes is too long", len);
    if (bpe->ignore_merges) {
        int32_t id = tl_strmap_get(&bpe->vocab, w, len);
        if (id >= 0)
            return push_tok(toks, n, cap, id, 0, (uint32_t)len);
    }
    uint64_t h = 0;
    tabllm_status st;
    if (len <= TL_CACHE_MAX_WORD) {
        h = cache_hash(w, len);
        if (cache_get(ws, h, w, len, toks, n, cap, &st))
            return st;
    }
    sym_builder b = {.ws = ws};
    if ((st = build_symbols(t, ws, w, len, &b)) != TABLLM_OK)
        return st;
    if (b.n == 0)
        return TABLLM_OK;
    tl_sym *syms = ws->syms;
    syms[b.n - 1].next = -1;
    if (b.n <= SCAN_MAX) {
        tl_bpe_merge_scan(&bpe->merges, syms, b.n);
    } else {
        size_t need;
        if (!tl_size_mul(b.n, 2 * sizeof(merge_entry), &need))
            return tl_error_oom("BPE heap");
        if (need > ws->cap_heap) {
            void *h2 = tl_realloc(ws->heap, need);
            if (h2 == NULL)
                return tl_error_oom("BPE heap");
            ws->heap = h2;
            ws->cap_heap = need;
        }
        tl_bpe_merge_heap(&bpe->merges, syms, b.n, ws->heap);
    }
    size_t first = *n;
    for (int32_t i = 0; i >= 0; i = syms[i].next)
        if ((st = push_tok(toks, n, cap, syms[i].id, syms[i].start, syms[i].end)) != TABLLM_OK)
            return st;
    if (h)
        cache_put(ws, h, w, len, *toks + first, *n - first);
    return TABLLM_OK;
}
