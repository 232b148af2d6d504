/* One sequence through the pipeline: added tokens, normalizer, added tokens
 * again (normalized ones), pre-tokenizer, BPE. */
#include <string.h>

#include "base/alloc.h"
#include "tokenizer/ws.h"

tl_ws *tl_ws_get(const tabllm_tokenizer *t)
{
    tabllm_tokenizer *mt = (tabllm_tokenizer *)t; /* the pool is the one mutable part */
    pthread_mutex_lock(&mt->ws_lock);
    tl_ws *ws = mt->ws_free;
    if (ws)
        mt->ws_free = ws->next_free;
    pthread_mutex_unlock(&mt->ws_lock);
    if (ws == NULL) {
        ws = tl_calloc(1, sizeof *ws);
        if (ws == NULL)
            tl_error_oom("tokenizer workspace");
    }
    if (ws)
        ws->n = 0;
    return ws;
}

void tl_ws_put(const tabllm_tokenizer *t, tl_ws *ws)
{
    tabllm_tokenizer *mt = (tabllm_tokenizer *)t;
    if (ws == NULL)
        return;
    /* Keep big one-off buffers from living on. */
    if (ws->pbuf.cap > ((size_t)1 << 24) || ws->cap > ((size_t)1 << 22)) {
        tl_ws_destroy(ws);
        return;
    }
    pthread_mutex_lock(&mt->ws_lock);
    ws->next_free = mt->ws_free;
    mt->ws_free = ws;
    pthread_mutex_unlock(&mt->ws_lock);
}

void tl_ws_destroy(tl_ws *ws)
{
    if (ws == NULL)
        return;
    tl_free(ws->ids);
    tl_free(ws->offs);
    tl_free(ws->segs);
    tl_free(ws->segs2);
    tl_text_free(&ws->norm);
    tl_text_free(&ws->norm_scratch);
    tl_text_free(&ws->pbuf);
    tl_free(ws->matches.v);
    tl_free(ws->matches2.v);
    tl_free(ws->pieces.v);
    tl_free(ws->pieces2.v);
    if (ws->md)
        pcre2_match_data_free(ws->md);
    tl_free(ws->toks);
    tl_free(ws->syms);
    tl_free(ws->key);
    tl_free(ws->heap);
    tl_free(ws->cache);
    tl_free(ws->cache_keys);
    tl_free(ws->cache_toks);
    tl_free(ws);
}

static tabllm_status out_reserve(tl_ws *ws, size_t extra, bool offs)
{
    size_t need;
    if (!tl_size_add(ws->n, extra, &need))
        return tl_error_oom("token ids");
    if (need <= ws->cap && (!offs || ws->offs))
        return TABLLM_OK;
    size_t cap = ws->cap ? ws->cap : 256;
    while (cap < need)
        cap *= 2;
    int32_t *ids = tl_realloc(ws->ids, cap * sizeof *ids);
    if (ids == NULL)
        return tl_error_oom("token ids");
    ws->ids = ids;
    if (offs || ws->offs) {
        tl_span *o = tl_realloc(ws->offs, cap * sizeof *o);
        if (o == NULL)
            return tl_error_oom("token offsets");
        ws->offs = o;
    }
    ws->cap = cap;
    return TABLLM_OK;
}

static tabllm_status emit_id(tl_ws *ws, int32_t id, tl_span sp, bool offs)
{
    if (ws->n == ws->cap || (offs && ws->offs == NULL)) {
        tabllm_status st = out_reserve(ws, 1, offs);
        if (st != TABLLM_OK)
            return st;
    }
    ws->ids[ws->n] = id;
    if (offs)
        ws->offs[ws->n] = sp;
    ws->n++;
    return TABLLM_OK;
}

/* Loads the piece text into the pre-tokenizer buffer. */
static tabllm_status load_pbuf(tl_ws *ws, const char *s, size_t len, const tl_span *align,
                               size_t base, bool track)
{
    tl_text *b = &ws->pbuf;
    b->len = 0;
    b->base = base;
    b->track = track;
    if (!track)
        align = NULL;
    tl_free(b->align);
    b->align = NULL;
    tabllm_status st = tl_text_reserve(b, len, align != NULL);
    if (st != TABLLM_OK)
        return st;
    if (len)
        memcpy(b->s, s, len);
    if (align && len)
        memcpy(b->align, align, len * sizeof *align);
    b->len = len;
    return TABLLM_OK;
}

static const char REP[3] = {(char)0xE2, (char)0x96, (char)0x81};

/* May a word be cut before the U+2581 at w[p] (see tl_bpe.split_rep)? */
static bool can_cut(const tl_bpe *bpe, const char *w, size_t len, size_t p)
{
    if (p < 3 || p + 3 > len || memcmp(w + p, REP, 3) != 0 || memcmp(w + p - 3, REP, 3) == 0)
        return false;
    for (size_t c = 0; c < bpe->n_cross; c++) {
        const char *tok = bpe->cross[c];
        size_t tl = bpe->cross_len[c];
        for (size_t k = 1; k + 3 <= tl; k++) {
            if (memcmp(tok + k, REP, 3) != 0 || k > p || p - k + tl > len)
                continue;
            if (memcmp(w + p - k, tok, tl) == 0)
                return false; /* this token could span the cut */
        }
    }
    return true;
}

/* Runs BPE on one piece, cut where that cannot change the result. */
static tabllm_status model_word(const tabllm_tokenizer *t, tl_ws *ws, const char *w, size_t len)
{
    const tl_bpe *bpe = &t->bpe;
    ws->n_toks = 0;
    if (!bpe->split_rep || len < 8)
        return tl_bpe_word(t, ws, w, len, &ws->toks, &ws->n_toks, &ws->cap_toks);
    size_t start = 0;
    for (size_t p = 1; p <= len; p++) {
        if (p < len && ((unsigned char)w[p] != 0xE2 || !can_cut(bpe, w, len, p)))
            continue;
        size_t first = ws->n_toks;
        tabllm_status st = tl_bpe_word(t, ws, w + start, p - start, &ws->toks, &ws->n_toks,
                                       &ws->cap_toks);
        if (st != TABLLM_OK)
            return st;
        for (size_t k = first; k < ws->n_toks; k++) {
            ws->toks[k].start += (uint32_t)start;
            ws->toks[k].end += (uint32_t)start;
        }
        start = p;
    }
    return TABLLM_OK;
}

/* Pre-tokenizes and runs the model on the text in ws->pbuf. */
static tabllm_status model_pieces(const tabllm_tokenizer *t, tl_ws *ws, bool offs)
{
    tabllm_status st = tl_pretokenize(t, ws);
    if (st != TABLLM_OK)
        return st;
    for (size_t i = 0; i < ws->pieces.n; i++) {
        tl_piece p = ws->pieces.v[i];
        st = model_word(t, ws, ws->pbuf.s + p.off, p.len);
        if (st != TABLLM_OK)
            return st;
        if ((st = out_reserve(ws, ws->n_toks, offs)) != TABLLM_OK)
            return st;
        for (size_t k = 0; k < ws->n_toks; k++) {
            const tl_tok *tk = &ws->toks[k];
            ws->ids[ws->n] = tk->id;
            if (offs) {
                size_t a = p.off + tk->start, b = p.off + tk->end;
                if (b > p.off + p.len)
                    b = p.off + p.len;
                if (a >= b)
                    a = b - 1;
                ws->offs[ws->n] = tl_ws_span(ws, a, b);
            }
            ws->n++;
        }
    }
    return TABLLM_OK;
}

tabllm_status tl_encode_sequence(const tabllm_tokenizer *t, tl_ws *ws, const char *text,
                                 size_t len, bool special_as_text, bool offs)
{
    size_t n_segs;
    bool track = offs || t->needs_align;
    tabllm_status st = tl_added_split(t, &t->trie_raw, text, len, special_as_text, &ws->segs,
                                      &n_segs, &ws->cap_segs);
    for (size_t i = 0; i < n_segs && st == TABLLM_OK; i++) {
        tl_seg sg = ws->segs[i];
        if (sg.added >= 0) {
            st = emit_id(ws, t->added[sg.added].id, (tl_span){sg.start, sg.end}, offs);
            continue;
        }
        const char *s = text + sg.start;
        size_t n = sg.end - sg.start;
        const tl_span *align = NULL;
        if (t->n_norm > 0) {
            st = tl_normalize(t->norm, t->n_norm, s, n, NULL, sg.start, track, &ws->norm,
                              &ws->norm_scratch, &ws->matches2, &ws->md);
            if (st != TABLLM_OK)
                break;
            s = ws->norm.s;
            n = ws->norm.len;
            align = track ? ws->norm.align : NULL;
        }
        if (t->trie_norm.n == 0) {
            st = load_pbuf(ws, s, n, align, sg.start, track);
            if (st == TABLLM_OK)
                st = model_pieces(t, ws, offs);
            continue;
        }
        size_t n2;
        st = tl_added_split(t, &t->trie_norm, s, n, special_as_text, &ws->segs2, &n2,
                            &ws->cap_segs2);
        for (size_t k = 0; k < n2 && st == TABLLM_OK; k++) {
            tl_seg s2 = ws->segs2[k];
            if (s2.added >= 0) {
                tl_span sp = align && s2.end > s2.start
                                 ? (tl_span){align[s2.start].start, align[s2.end - 1].end}
                                 : (tl_span){sg.start + s2.start, sg.start + s2.end};
                st = emit_id(ws, t->added[s2.added].id, sp, offs);
                continue;
            }
            st = load_pbuf(ws, s + s2.start, s2.end - s2.start, align ? align + s2.start : NULL,
                           sg.start + s2.start, track);
            if (st == TABLLM_OK)
                st = model_pieces(t, ws, offs);
        }
    }
    return st;
}
