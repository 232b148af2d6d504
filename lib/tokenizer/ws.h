/* The per-thread workspace of encoding: scratch buffers reused from call to
 * call and the BPE word cache. A tokenizer is immutable and shared; each
 * thread encoding with it gets its own workspace (thread-local, keyed by the
 * tokenizer's serial number), so no locks are taken on the hot path. */
#ifndef TL_TOKENIZER_WS_H
#define TL_TOKENIZER_WS_H

#include "tokenizer/tokenizer.h"

typedef struct tl_piece {
    size_t off, len; /* in the pre-tokenizer buffer */
} tl_piece;

typedef struct tl_pieces {
    tl_piece *v;
    size_t n, cap;
} tl_pieces;

typedef struct tl_cache_slot {
    uint64_t hash;   /* 0 = empty */
    uint32_t key_off, key_len;
    uint32_t tok_off, tok_len;
} tl_cache_slot;

#define TL_CACHE_SLOTS 65536u   /* power of two */
#define TL_CACHE_MAX_WORD 48u   /* longer words are not cached */
#define TL_CACHE_KEY_BYTES (TL_CACHE_SLOTS * 8u)
#define TL_CACHE_TOKS (TL_CACHE_SLOTS * 3u)

struct tl_ws {
    tl_ws *next_free;

    /* output of tl_encode_sequence */
    int32_t *ids;
    tl_span *offs;
    size_t n, cap;

    tl_seg *segs, *segs2;
    size_t cap_segs, cap_segs2;
    tl_text norm, norm_scratch, pbuf;
    tl_matches matches, matches2;
    tl_pieces pieces, pieces2;
    pcre2_match_data *md;

    tl_tok *toks;
    size_t n_toks, cap_toks;
    tl_sym *syms;
    size_t cap_syms;
    char *key;       /* prefix + character + suffix lookups */
    size_t cap_key;
    void *heap;
    size_t cap_heap;

    /* word cache */
    tl_cache_slot *cache;
    char *cache_keys;
    tl_tok *cache_toks;
    size_t cache_count, cache_key_used, cache_tok_used;
};

/* Pre-tokenizes the text in ws->pbuf into ws->pieces. */
tabllm_status tl_pretokenize(const struct tabllm_tokenizer *t, tl_ws *ws);

/* Original span of bytes [a, b) of the pre-tokenizer buffer, widened to
 * whole characters as HF's alignments are. */
tl_span tl_ws_span(const tl_ws *ws, size_t a, size_t b);

#endif
