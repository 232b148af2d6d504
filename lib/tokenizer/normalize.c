/* Normalizers (NFC, NFD, NFKC, NFKD, Lowercase, Strip, StripAccents,
 * Replace, Prepend) over text that remembers, per byte, which bytes of the
 * original input it came from. */
#include <string.h>
#include <utf8proc.h>

#include "base/alloc.h"
#include "base/utf8.h"
#include "tokenizer/tokenizer.h"

tabllm_status tl_text_reserve(tl_text *t, size_t extra, bool with_align)
{
    size_t need;
    if (!tl_size_add(t->len, extra, &need) || !tl_size_add(need, 1, &need))
        return tl_error_oom("text");
    with_align = with_align && t->track;
    if (!t->track && t->align != NULL) {
        /* an untracked buffer keeps no alignments (they would fall behind) */
        tl_free(t->align);
        t->align = NULL;
    }
    if (need <= t->cap && (!with_align || t->align != NULL))
        return TABLLM_OK;
    size_t cap = t->cap ? t->cap : 64;
    while (cap < need) {
        if (!tl_size_mul(cap, 2, &cap))
            return tl_error_oom("text");
    }
    if (cap != t->cap) {
        char *s = tl_realloc(t->s, cap);
        if (s == NULL)
            return tl_error_oom("text");
        t->s = s;
    }
    /* The alignments, when kept, always have the text's capacity. */
    if (with_align || t->align != NULL) {
        size_t bytes;
        if (!tl_size_mul(cap, sizeof(tl_span), &bytes))
            return tl_error_oom("alignments");
        tl_span *al = tl_realloc(t->align, bytes);
        if (al == NULL)
            return tl_error_oom("alignments");
        t->align = al;
    }
    t->cap = cap;
    return TABLLM_OK;
}

void tl_text_free(tl_text *t)
{
    tl_free(t->s);
    tl_free(t->align);
    memset(t, 0, sizeof *t);
}

/* Appends bytes that all come from original span `sp`. */
static inline tabllm_status emit(tl_text *o, const char *b, size_t n, tl_span sp)
{
    if (o->len + n + 1 > o->cap || (o->track && o->align == NULL)) {
        tabllm_status st = tl_text_reserve(o, n, true);
        if (st != TABLLM_OK)
            return st;
    }
    memcpy(o->s + o->len, b, n);
    if (o->track)
        for (size_t k = 0; k < n; k++)
            o->align[o->len + k] = sp;
    o->len += n;
    return TABLLM_OK;
}

/* The original span of bytes [a, b) of t. */
static inline tl_span span_of(const tl_text *t, size_t a, size_t b)
{
    if (!t->track)
        return (tl_span){0, 0};
    if (b <= a)
        return a < t->len ? (tl_span){t->align[a].start, t->align[a].start}
                          : (tl_span){t->len ? t->align[t->len - 1].end : t->base,
                                      t->len ? t->align[t->len - 1].end : t->base};
    return (tl_span){t->align[a].start, t->align[b - 1].end};
}

/* A starter that can never combine with what precedes it: canonical class
 * 0, not the second character of any composition (utf8proc marks those in
 * comb_index), not a Hangul vowel or final jamo. */
static bool stable_starter(uint32_t cp)
{
    if (cp < 0x300)
        return true;
    if ((cp >= 0x1161 && cp <= 0x1175) || (cp >= 0x11A8 && cp <= 0x11C2))
        return false;
    const utf8proc_property_t *p = utf8proc_get_property((utf8proc_int32_t)cp);
    return p->combining_class == 0 && (p->comb_index == 0xFFFF || !(p->comb_index & 0x8000));
}

/* Characters that start a normalization segment: normalizing segment by
 * segment then gives the same text as normalizing the whole, and each
 * segment keeps its own original offsets. A character starts one when it
 * (or the first character of its decomposition) is a stable starter. */
static bool segment_start(uint32_t cp, utf8proc_option_t opt)
{
    if (cp < 0x300)
        return true;
    const utf8proc_property_t *p = utf8proc_get_property((utf8proc_int32_t)cp);
    if (p->decomp_seqindex == 0xFFFF && !(cp >= 0xAC00 && cp <= 0xD7A3))
        return stable_starter(cp);
    utf8proc_int32_t d[32];
    int last = 0;
    utf8proc_ssize_t n = utf8proc_decompose_char((utf8proc_int32_t)cp, d, 32,
                                                 (opt & ~UTF8PROC_COMPOSE) | UTF8PROC_DECOMPOSE,
                                                 &last);
    return n >= 1 && n <= 32 && stable_starter((uint32_t)d[0]);
}

typedef struct nf_char {
    utf8proc_int32_t cp;
    int ccc;
    int change; /* as HF's alignments crate: 0 replaces a character, +1 is
                   inserted, -n also removes the n that follow */
} nf_char;

/* One segment through NF*, with HF's alignments: its
 * unicode-normalization-alignments crate tags each output character with a
 * change (a decomposition's first part replaces the character, the others
 * are inserted; reordering moves the tags with the characters; a composite
 * replaces its starter and removes what it absorbed), and NormalizedString::
 * transform then assigns the original characters in order. */
static tabllm_status nf_segment(const tl_text *in, size_t a, size_t i, utf8proc_option_t opt,
                                tl_text *out, nf_char **buf, size_t *cap, tl_span **spans,
                                size_t *cap_spans)
{
    size_t n = 0, n_in = 0;
    for (size_t p = a; p < i;) {
        uint32_t cp;
        size_t cl = tl_uc_next(in->s, in->len, p, &cp);
        utf8proc_int32_t d[32];
        int last = 0;
        utf8proc_ssize_t k = utf8proc_decompose_char(
            (utf8proc_int32_t)cp, d, 32, (opt & ~UTF8PROC_COMPOSE) | UTF8PROC_DECOMPOSE, &last);
        if (k <= 0 || k > 32)
            return tl_error(TABLLM_ERR_INTERNAL, "normalization of U+%04X failed", (unsigned)cp);
        if (n + (size_t)k > *cap &&
            tl_grow_array((void **)buf, cap, n + (size_t)k, sizeof **buf, "normalization") !=
                TABLLM_OK)
            return TABLLM_ERR_OUT_OF_MEMORY;
        if (n_in + 1 > *cap_spans &&
            tl_grow_array((void **)spans, cap_spans, n_in + 1, sizeof **spans, "normalization") !=
                TABLLM_OK)
            return TABLLM_ERR_OUT_OF_MEMORY;
        (*spans)[n_in++] = span_of(in, p, p + cl);
        for (utf8proc_ssize_t j = 0; j < k; j++)
            (*buf)[n++] = (nf_char){d[j], utf8proc_get_property(d[j])->combining_class, j ? 1 : 0};
        p += cl;
    }
    nf_char *v = *buf;
    /* Canonical ordering: a stable sort of each run of non-starters. */
    for (size_t j = 1; j < n; j++)
        for (size_t q = j; q > 0 && v[q].ccc != 0 && v[q - 1].ccc > v[q].ccc; q--) {
            nf_char x = v[q];
            v[q] = v[q - 1];
            v[q - 1] = x;
        }
    size_t m = n;
    if (opt & UTF8PROC_COMPOSE) {
        utf8proc_int32_t tmp[64], *w = tmp;
        if (n > 64 && (w = tl_malloc(n * sizeof *w)) == NULL)
            return tl_error_oom("normalization");
        for (size_t j = 0; j < n; j++)
            w[j] = v[j].cp;
        utf8proc_ssize_t r = utf8proc_normalize_utf32(w, (utf8proc_ssize_t)n, opt);
        if (r < 0 || (size_t)r > n) {
            if (w != tmp)
                tl_free(w);
            return tl_error(TABLLM_ERR_INTERNAL, "normalization failed");
        }
        /* Composition replaces starters and drops what they absorbed: walk
         * both sequences, folding the absorbed characters' tags in. */
        size_t j = 0;
        for (size_t k = 0; k < (size_t)r && j < n; k++) {
            int change = v[j].change;
            j++;
            while (j < n && (k + 1 >= (size_t)r || v[j].cp != w[k + 1])) {
                change += v[j].change - 1;
                j++;
            }
            v[k].cp = w[k];
            v[k].change = change;
        }
        m = (size_t)r;
        if (w != tmp)
            tl_free(w);
    }
    size_t o = 0;
    for (size_t j = 0; j < m; j++) {
        tl_span sp;
        if (v[j].change > 0) {
            sp = (*spans)[o ? o - 1 : 0];
        } else {
            sp = (*spans)[o < n_in ? o : n_in - 1];
            o += (size_t)(1 - v[j].change);
        }
        char b8[4];
        size_t k = tl_utf8_encode((uint32_t)v[j].cp, b8);
        tabllm_status st = emit(out, b8, k, sp);
        if (st != TABLLM_OK)
            return st;
    }
    return TABLLM_OK;
}

static tabllm_status unicode_nf(const tl_text *in, tl_text *out, tl_norm_kind kind)
{
    utf8proc_option_t opt = UTF8PROC_STABLE;
    if (kind == TL_NORM_NFC || kind == TL_NORM_NFKC)
        opt |= UTF8PROC_COMPOSE;
    else
        opt |= UTF8PROC_DECOMPOSE;
    if (kind == TL_NORM_NFKC || kind == TL_NORM_NFKD)
        opt |= UTF8PROC_COMPAT;
    nf_char *buf = NULL;
    tl_span *spans = NULL;
    size_t cap = 0, cap_spans = 0;
    tabllm_status st = TABLLM_OK;
    size_t i = 0;
    while (i < in->len && st == TABLLM_OK) {
        /* One segment: a starter and everything up to the next starter. */
        size_t a = i;
        uint32_t cp;
        i += tl_uc_next(in->s, in->len, i, &cp);
        while (i < in->len) {
            uint32_t c2;
            size_t n = tl_uc_next(in->s, in->len, i, &c2);
            if (segment_start(c2, opt))
                break;
            i += n;
        }
        /* ASCII stays as it is under every form. */
        if (i - a == 1 && (unsigned char)in->s[a] < 0x80)
            st = emit(out, in->s + a, 1, span_of(in, a, a + 1));
        else
            st = nf_segment(in, a, i, opt, out, &buf, &cap, &spans, &cap_spans);
    }
    tl_free(buf);
    tl_free(spans);
    return st;
}

static tabllm_status lowercase(const tl_text *in, tl_text *out)
{
    for (size_t i = 0; i < in->len;) {
        uint32_t cp;
        size_t n = tl_uc_next(in->s, in->len, i, &cp);
        char b[8];
        size_t k;
        if (cp < 0x80) {
            b[0] = (char)(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp);
            k = 1;
        } else if (cp == 0x130) { /* the one character whose lowercase is two */
            memcpy(b, "i\xCC\x87", 3);
            k = 3;
        } else {
            k = tl_utf8_encode((uint32_t)utf8proc_tolower((utf8proc_int32_t)cp), b);
        }
        tabllm_status st = emit(out, b, k, span_of(in, i, i + n));
        if (st != TABLLM_OK)
            return st;
        i += n;
    }
    return TABLLM_OK;
}

static bool is_mark(uint32_t cp)
{
    if (cp < 0x300)
        return false;
    utf8proc_category_t c = utf8proc_category((utf8proc_int32_t)cp);
    return c == UTF8PROC_CATEGORY_MN || c == UTF8PROC_CATEGORY_MC || c == UTF8PROC_CATEGORY_ME;
}

static tabllm_status filter_strip(const tl_text *in, tl_text *out, const tl_norm_step *s)
{
    size_t a = 0, b = in->len;
    if (s->kind == TL_NORM_STRIP) {
        uint32_t cp;
        while (a < b) {
            size_t n = tl_uc_next(in->s, in->len, a, &cp);
            if (!s->left || !tl_uc_is_space(cp))
                break;
            a += n;
        }
        while (b > a && s->right) {
            size_t p = b - 1;
            while (((unsigned char)in->s[p] & 0xC0) == 0x80)
                p--;
            tl_uc_next(in->s, in->len, p, &cp);
            if (!tl_uc_is_space(cp))
                break;
            b = p;
        }
    }
    for (size_t i = a; i < b;) {
        uint32_t cp;
        size_t n = tl_uc_next(in->s, in->len, i, &cp);
        if (s->kind != TL_NORM_STRIP_ACCENTS || !is_mark(cp)) {
            if (out->len + n + 1 > out->cap) {
                tabllm_status st = tl_text_reserve(out, n, true);
                if (st != TABLLM_OK)
                    return st;
            }
            memcpy(out->s + out->len, in->s + i, n);
            if (out->track)
                memcpy(out->align + out->len, in->align + i, n * sizeof(tl_span));
            out->len += n;
        }
        i += n;
    }
    return TABLLM_OK;
}

static tabllm_status replace(const tl_text *in, tl_text *out, const tl_norm_step *s,
                             tl_matches *m, pcre2_match_data **md)
{
    tabllm_status st = tl_pattern_find(&s->pattern, in->s, in->len, m, md);
    for (size_t k = 0; st == TABLLM_OK && k < m->n; k++) {
        const tl_match *x = &m->v[k];
        if (x->is_match) {
            /* HF aligns the replacement with the last character replaced. */
            size_t last = x->end;
            while (last > x->start && ((unsigned char)in->s[--last] & 0xC0) == 0x80)
                ;
            st = emit(out, s->content, s->content_len, span_of(in, last, x->end));
        } else if (x->end > x->start) {
            st = tl_text_reserve(out, x->end - x->start, true);
            if (st == TABLLM_OK) {
                memcpy(out->s + out->len, in->s + x->start, x->end - x->start);
                if (out->track)
                    memcpy(out->align + out->len, in->align + x->start,
                           (x->end - x->start) * sizeof(tl_span));
                out->len += x->end - x->start;
            }
        }
    }
    return st;
}

static tabllm_status copy_in(const tl_text *in, tl_text *out, size_t from)
{
    size_t n = in->len - from;
    tabllm_status st = tl_text_reserve(out, n, true);
    if (st != TABLLM_OK)
        return st;
    memcpy(out->s + out->len, in->s + from, n);
    if (out->track)
        memcpy(out->align + out->len, in->align + from, n * sizeof(tl_span));
    out->len += n;
    return TABLLM_OK;
}

static bool below(const tl_text *t, unsigned char limit)
{
    for (size_t i = 0; i < t->len; i++)
        if ((unsigned char)t->s[i] >= limit)
            return false;
    return true;
}

tabllm_status tl_normalize(const tl_norm_step *steps, size_t n_steps, const char *in,
                           size_t in_len, const tl_span *in_align, size_t base, bool track,
                           tl_text *out, tl_text *scratch, tl_matches *matches,
                           pcre2_match_data **md)
{
    out->len = 0;
    out->base = base;
    out->track = scratch->track = track;
    tabllm_status st = tl_text_reserve(out, in_len, true);
    if (st != TABLLM_OK)
        return st;
    if (in_len)
        memcpy(out->s, in, in_len);
    /* Every byte of a character maps to the whole character, as HF aligns. */
    for (size_t i = 0; track && i < in_len;) {
        size_t n = tl_uc_len((unsigned char)in[i]);
        if (i + n > in_len)
            n = in_len - i;
        for (size_t k = 0; k < n; k++)
            out->align[i + k] = in_align ? in_align[i + k] : (tl_span){base + i, base + i + n};
        i += n;
    }
    out->len = in_len;

    for (size_t k = 0; k < n_steps; k++) {
        const tl_norm_step *s = &steps[k];
        /* Shortcuts that leave the text unchanged. */
        if ((s->kind == TL_NORM_NFC && below(out, 0xCC)) ||
            ((s->kind == TL_NORM_NFD || s->kind == TL_NORM_NFKC || s->kind == TL_NORM_NFKD ||
              s->kind == TL_NORM_STRIP_ACCENTS) &&
             below(out, 0x80)))
            continue;
        scratch->len = 0;
        scratch->base = base;
        switch (s->kind) {
        case TL_NORM_NFC:
        case TL_NORM_NFD:
        case TL_NORM_NFKC:
        case TL_NORM_NFKD: st = unicode_nf(out, scratch, s->kind); break;
        case TL_NORM_LOWERCASE: st = lowercase(out, scratch); break;
        case TL_NORM_STRIP:
        case TL_NORM_STRIP_ACCENTS: st = filter_strip(out, scratch, s); break;
        case TL_NORM_REPLACE: st = replace(out, scratch, s, matches, md); break;
        case TL_NORM_PREPEND:
            if (out->len == 0)
                continue;
            st = emit(scratch, s->content, s->content_len,
                      span_of(out, 0, tl_uc_len((unsigned char)out->s[0])));
            if (st == TABLLM_OK)
                st = copy_in(out, scratch, 0);
            break;
        }
        if (st != TABLLM_OK)
            return st;
        tl_text tmp = *out;
        *out = *scratch;
        *scratch = tmp;
    }
    return TABLLM_OK;
}
