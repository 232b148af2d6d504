/* Decoding: ids -> token strings -> the decoder chain (ByteLevel, Metaspace,
 * Replace, ByteFallback, Fuse, Strip) -> text, as Tokenizer::decode does. */
#include <string.h>

#include "base/alloc.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/utf8.h"
#include "tokenizer/tokenizer.h"

typedef struct tstr {
    const char *s;
    size_t len;
} tstr;

typedef struct tlist {
    tstr *v;
    size_t n, cap;
} tlist;

static tabllm_status tl_push(tlist *l, const char *s, size_t len)
{
    if (l->n == l->cap &&
        tl_grow_array((void **)&l->v, &l->cap, l->n + 1, sizeof *l->v, "decoded tokens") != TABLLM_OK)
        return TABLLM_ERR_OUT_OF_MEMORY;
    l->v[l->n++] = (tstr){s, len};
    return TABLLM_OK;
}

/* Moves a finished buffer into the arena as one token. */
static tabllm_status push_buf(tlist *l, tl_arena *a, tl_buf *b)
{
    tabllm_status st = tl_buf_status(b);
    if (st != TABLLM_OK)
        return st;
    char *s = tl_arena_strndup(a, b->data ? b->data : "", b->len);
    if (s == NULL)
        return TABLLM_ERR_OUT_OF_MEMORY;
    st = tl_push(l, s, b->len);
    tl_buf_truncate(b, 0);
    return st;
}

/* The length of the maximal invalid subpart at s[i] (Unicode's "substitution
 * of maximal subparts", what Rust's from_utf8_lossy does); >= 1. */
static size_t invalid_len(const unsigned char *s, size_t len, size_t i)
{
    unsigned char c = s[i];
    size_t need;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
        need = 1;
    else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        if (c == 0xE0)
            lo = 0xA0;
        if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        if (c == 0xF0)
            lo = 0x90;
        if (c == 0xF4)
            hi = 0x8F;
    } else
        return 1;
    size_t k = 1;
    if (i + 1 < len && s[i + 1] >= lo && s[i + 1] <= hi) {
        k = 2;
        while (k <= need && i + k < len && (s[i + k] & 0xC0) == 0x80)
            k++;
    }
    return k;
}

void tl_utf8_lossy(tl_buf *b, const char *text, size_t len);
void tl_utf8_lossy(tl_buf *b, const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;
    while (i < len) {
        size_t ok = tl_utf8_valid_prefix(text + i, len - i);
        tl_buf_append(b, text + i, ok);
        i += ok;
        if (i < len) {
            tl_buf_puts(b, "\xEF\xBF\xBD");
            i += invalid_len(s, len, i);
        }
    }
}

static tabllm_status byte_level(tlist *in, tlist *out, tl_arena *a, tl_buf *tmp)
{
    tl_buf raw = TL_BUF_INIT;
    for (size_t k = 0; k < in->n; k++) {
        const tstr *t = &in->v[k];
        size_t start = raw.len;
        bool ok = true;
        for (size_t i = 0; i < t->len && ok;) {
            uint32_t cp;
            i += tl_uc_next(t->s, t->len, i, &cp);
            int b = tl_char_to_byte(cp);
            if (b < 0)
                ok = false;
            else
                tl_buf_putc(&raw, (char)b);
        }
        if (!ok) { /* a character outside the byte alphabet: the token's own bytes */
            tl_buf_truncate(&raw, start);
            tl_buf_append(&raw, t->s, t->len);
        }
    }
    tabllm_status st = tl_buf_status(&raw);
    if (st == TABLLM_OK) {
        tl_utf8_lossy(tmp, raw.data ? raw.data : "", raw.len);
        st = push_buf(out, a, tmp);
    }
    tl_buf_free(&raw);
    return st;
}

static bool is_byte_token(const tstr *t, unsigned char *out)
{
    if (t->len != 6 || memcmp(t->s, "<0x", 3) != 0 || t->s[5] != '>')
        return false;
    int v = 0;
    for (int k = 3; k < 5; k++) {
        char c = t->s[k];
        int h = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (h < 0)
            return false;
        v = v * 16 + h;
    }
    *out = (unsigned char)v;
    return true;
}

static tabllm_status flush_bytes(tlist *out, tl_arena *a, tl_buf *bytes, tl_buf *tmp)
{
    if (bytes->len == 0)
        return TABLLM_OK;
    tabllm_status st = tl_buf_status(bytes);
    if (st != TABLLM_OK)
        return st;
    if (tl_utf8_valid_prefix(bytes->data, bytes->len) == bytes->len) {
        tl_buf_append(tmp, bytes->data, bytes->len);
        st = push_buf(out, a, tmp);
    } else {
        /* Invalid UTF-8: one U+FFFD per byte token. */
        for (size_t k = 0; k < bytes->len && st == TABLLM_OK; k++)
            st = tl_push(out, "\xEF\xBF\xBD", 3);
    }
    tl_buf_truncate(bytes, 0);
    return st;
}

static tabllm_status byte_fallback(tlist *in, tlist *out, tl_arena *a, tl_buf *tmp)
{
    tl_buf bytes = TL_BUF_INIT;
    tabllm_status st = TABLLM_OK;
    for (size_t k = 0; k < in->n && st == TABLLM_OK; k++) {
        unsigned char b;
        if (is_byte_token(&in->v[k], &b)) {
            tl_buf_putc(&bytes, (char)b);
            continue;
        }
        st = flush_bytes(out, a, &bytes, tmp);
        if (st == TABLLM_OK)
            st = tl_push(out, in->v[k].s, in->v[k].len);
    }
    if (st == TABLLM_OK)
        st = flush_bytes(out, a, &bytes, tmp);
    tl_buf_free(&bytes);
    return st;
}

static tabllm_status per_token(const tl_dec_step *d, tlist *in, tlist *out, tl_arena *a,
                               tl_buf *tmp, tl_matches *m, pcre2_match_data **md)
{
    tabllm_status st = TABLLM_OK;
    for (size_t k = 0; k < in->n && st == TABLLM_OK; k++) {
        const tstr *t = &in->v[k];
        switch (d->kind) {
        case TL_DEC_METASPACE:
            for (size_t i = 0; i < t->len;) {
                uint32_t cp;
                size_t n = tl_uc_next(t->s, t->len, i, &cp);
                if (cp == d->rep_cp) {
                    if (!(k == 0 && !d->prepend_never))
                        tl_buf_putc(tmp, ' ');
                } else {
                    tl_buf_append(tmp, t->s + i, n);
                }
                i += n;
            }
            break;
        case TL_DEC_REPLACE:
            st = tl_pattern_find(&d->pattern, t->s, t->len, m, md);
            for (size_t j = 0; j < m->n && st == TABLLM_OK; j++) {
                if (m->v[j].is_match)
                    tl_buf_append(tmp, d->content, d->content_len);
                else
                    tl_buf_append(tmp, t->s + m->v[j].start, m->v[j].end - m->v[j].start);
            }
            break;
        case TL_DEC_STRIP: {
            /* Up to strip_start leading and strip_stop trailing `content`
             * characters go. */
            size_t a0 = 0, b0 = t->len;
            for (size_t c = 0; c < d->strip_start && a0 < b0; c++) {
                uint32_t cp;
                size_t n = tl_uc_next(t->s, t->len, a0, &cp);
                if (cp != d->strip_cp)
                    break;
                a0 += n;
            }
            for (size_t c = 0; c < d->strip_stop && b0 > a0; c++) {
                size_t p = b0 - 1;
                while (p > a0 && ((unsigned char)t->s[p] & 0xC0) == 0x80)
                    p--;
                uint32_t cp;
                tl_uc_next(t->s, t->len, p, &cp);
                if (cp != d->strip_cp)
                    break;
                b0 = p;
            }
            tl_buf_append(tmp, t->s + a0, b0 - a0);
            break;
        }
        default:
            break;
        }
        if (st == TABLLM_OK)
            st = push_buf(out, a, tmp);
    }
    return st;
}

static tabllm_status fuse(tlist *in, tlist *out, tl_arena *a, tl_buf *tmp)
{
    for (size_t k = 0; k < in->n; k++)
        tl_buf_append(tmp, in->v[k].s, in->v[k].len);
    return push_buf(out, a, tmp);
}

tabllm_status tl_decode(const tabllm_tokenizer *t, const int32_t *ids, size_t n,
                        bool skip_special, char **out, size_t *out_len)
{
    *out = NULL;
    tlist l1 = {0}, l2 = {0};
    tl_arena arena = TL_ARENA_INIT;
    tl_buf tmp = TL_BUF_INIT, res = TL_BUF_INIT;
    tl_matches m = {0};
    pcre2_match_data *md = NULL;
    tabllm_status st = TABLLM_OK;
    for (size_t i = 0; i < n && st == TABLLM_OK; i++) {
        int32_t id = ids[i];
        if (id < 0 || (size_t)id >= t->n_ids || t->tok_str[id] == NULL) {
            st = tl_error(TABLLM_ERR_INVALID_ARGUMENT, "ids[%zu] = %d is not a token id", i, id);
            break;
        }
        if (skip_special && (t->id_flags[id] & TL_ID_SPECIAL))
            continue;
        st = tl_push(&l1, t->tok_str[id], t->tok_len[id]);
    }
    if (st == TABLLM_OK && !t->has_decoder) {
        for (size_t k = 0; k < l1.n; k++) {
            if (k)
                tl_buf_putc(&res, ' ');
            tl_buf_append(&res, l1.v[k].s, l1.v[k].len);
        }
    } else if (st == TABLLM_OK) {
        for (size_t k = 0; k < t->n_dec && st == TABLLM_OK; k++) {
            const tl_dec_step *d = &t->dec[k];
            l2.n = 0;
            switch (d->kind) {
            case TL_DEC_BYTE_LEVEL: st = byte_level(&l1, &l2, &arena, &tmp); break;
            case TL_DEC_BYTE_FALLBACK: st = byte_fallback(&l1, &l2, &arena, &tmp); break;
            case TL_DEC_FUSE: st = fuse(&l1, &l2, &arena, &tmp); break;
            default: st = per_token(d, &l1, &l2, &arena, &tmp, &m, &md); break;
            }
            tlist x = l1;
            l1 = l2;
            l2 = x;
        }
        for (size_t k = 0; k < l1.n && st == TABLLM_OK; k++)
            tl_buf_append(&res, l1.v[k].s, l1.v[k].len);
    }
    if (st == TABLLM_OK)
        st = tl_buf_status(&res);
    if (st == TABLLM_OK) {
        *out = tl_buf_detach(&res, out_len);
        if (*out == NULL)
            st = tl_error_oom("decoded text");
    }
    tl_buf_free(&res);
    tl_buf_free(&tmp);
    tl_free(l1.v);
    tl_free(l2.v);
    tl_free(m.v);
    if (md)
        pcre2_match_data_free(md);
    tl_arena_free(&arena);
    return st;
}
