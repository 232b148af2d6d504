/* Pre-tokenizers: Split, ByteLevel, Metaspace, Digits, Whitespace,
 * WhitespaceSplit, Punctuation (and Sequence, flattened at load). Each step
 * turns the list of pieces into a finer list, as PreTokenizedString::split
 * does; transformed text (Metaspace's replacement, ByteLevel's prefix space)
 * is appended to the same buffer with its alignments. */
#include <string.h>

#include "base/alloc.h"
#include "tokenizer/ws.h"

static tabllm_status push_piece(tl_pieces *p, size_t off, size_t len)
{
    if (len == 0)
        return TABLLM_OK; /* HF drops empty splits */
    if (p->n == p->cap &&
        tl_grow_array((void **)&p->v, &p->cap, p->n + 1, sizeof *p->v, "pieces") != TABLLM_OK)
        return TABLLM_ERR_OUT_OF_MEMORY;
    p->v[p->n++] = (tl_piece){off, len};
    return TABLLM_OK;
}

tl_span tl_ws_span(const tl_ws *ws, size_t a, size_t b)
{
    const tl_text *t = &ws->pbuf;
    if (t->align)
        return (tl_span){t->align[a].start, t->align[b - 1].end};
    while (a > 0 && ((unsigned char)t->s[a] & 0xC0) == 0x80)
        a--;
    while (b < t->len && ((unsigned char)t->s[b] & 0xC0) == 0x80)
        b++;
    return (tl_span){t->base + a, t->base + b};
}

/* Gives the buffer explicit alignments before text is added to it. */
static tabllm_status materialize(tl_text *t)
{
    if (t->align || !t->track)
        return TABLLM_OK;
    size_t bytes;
    if (!tl_size_mul(t->cap, sizeof(tl_span), &bytes))
        return tl_error_oom("alignments");
    t->align = tl_malloc(bytes ? bytes : sizeof(tl_span));
    if (t->align == NULL)
        return tl_error_oom("alignments");
    for (size_t i = 0; i < t->len;) {
        size_t n = tl_uc_len((unsigned char)t->s[i]);
        if (i + n > t->len)
            n = t->len - i;
        for (size_t k = 0; k < n; k++)
            t->align[i + k] = (tl_span){t->base + i, t->base + i + n};
        i += n;
    }
    return TABLLM_OK;
}

static tabllm_status append(tl_text *t, const char *s, size_t n, tl_span sp)
{
    tabllm_status st = tl_text_reserve(t, n, true);
    if (st != TABLLM_OK)
        return st;
    memcpy(t->s + t->len, s, n);
    for (size_t k = 0; t->align && k < n; k++)
        t->align[t->len + k] = sp;
    t->len += n;
    return TABLLM_OK;
}

/* Copies piece bytes [a, b) of the buffer to its end (alignments too). */
static tabllm_status append_copy(tl_text *t, size_t a, size_t b)
{
    tabllm_status st = tl_text_reserve(t, b - a, true);
    if (st != TABLLM_OK)
        return st;
    memmove(t->s + t->len, t->s + a, b - a);
    if (t->align)
        memmove(t->align + t->len, t->align + a, (b - a) * sizeof(tl_span));
    t->len += b - a;
    return TABLLM_OK;
}

/* HF's Pattern for a character predicate: every matching character is its
 * own match. */
typedef bool (*char_pred)(uint32_t cp, const tl_pre_step *s);

static tabllm_status find_chars(const char *text, size_t len, char_pred pred,
                                const tl_pre_step *s, tl_matches *m)
{
    m->n = 0;
    if (len == 0)
        return tl_matches_push(m, 0, 0, false);
    size_t last = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = tl_uc_next(text, len, i, &cp);
        if (pred(cp, s)) {
            if (last < i && tl_matches_push(m, last, i, false) != TABLLM_OK)
                return TABLLM_ERR_OUT_OF_MEMORY;
            if (tl_matches_push(m, i, i + n, true) != TABLLM_OK)
                return TABLLM_ERR_OUT_OF_MEMORY;
            last = i + n;
        }
        i += n;
    }
    if (last < len)
        return tl_matches_push(m, last, len, false);
    return TABLLM_OK;
}

static bool pred_space(uint32_t cp, const tl_pre_step *s)
{
    (void)s;
    return tl_uc_is_space(cp);
}
static bool pred_punct(uint32_t cp, const tl_pre_step *s)
{
    (void)s;
    return tl_uc_is_punct(cp);
}
static bool pred_digit(uint32_t cp, const tl_pre_step *s)
{
    (void)s;
    return tl_uc_is_number(cp);
}
static bool pred_rep(uint32_t cp, const tl_pre_step *s)
{
    return cp == s->rep_cp;
}

/* NormalizedString::split: applies `behavior` to the matches of one piece
 * at buffer offset `off` and appends the resulting pieces. */
static tabllm_status split_piece(tl_matches *m, size_t off, tl_split_behavior behavior,
                                 bool invert, tl_pieces *out)
{
    if (invert)
        for (size_t k = 0; k < m->n; k++)
            m->v[k].is_match = !m->v[k].is_match;
    tabllm_status st = TABLLM_OK;
    switch (behavior) {
    case TL_SPLIT_ISOLATED:
        for (size_t k = 0; k < m->n && st == TABLLM_OK; k++)
            st = push_piece(out, off + m->v[k].start, m->v[k].end - m->v[k].start);
        return st;
    case TL_SPLIT_REMOVED:
        for (size_t k = 0; k < m->n && st == TABLLM_OK; k++)
            if (!m->v[k].is_match)
                st = push_piece(out, off + m->v[k].start, m->v[k].end - m->v[k].start);
        return st;
    case TL_SPLIT_CONTIGUOUS:
    case TL_SPLIT_MERGED_WITH_PREVIOUS: {
        /* Fold into runs: Contiguous joins equal neighbours, MergedWithPrevious
         * joins a match to what precedes it. */
        size_t n = 0;
        bool prev_match = false;
        for (size_t k = 0; k < m->n; k++) {
            tl_match x = m->v[k];
            bool join = behavior == TL_SPLIT_CONTIGUOUS ? x.is_match == prev_match
                                                        : (x.is_match && !prev_match);
            if (join && n > 0)
                m->v[n - 1].end = x.end;
            else
                m->v[n++] = x;
            prev_match = x.is_match;
        }
        for (size_t k = 0; k < n && st == TABLLM_OK; k++)
            st = push_piece(out, off + m->v[k].start, m->v[k].end - m->v[k].start);
        return st;
    }
    case TL_SPLIT_MERGED_WITH_NEXT: {
        /* The same from the right: a match joins what follows it. */
        size_t n = m->n, w = m->n;
        bool prev_match = false;
        for (size_t k = n; k-- > 0;) {
            tl_match x = m->v[k];
            if (x.is_match && !prev_match && w < n)
                m->v[w].start = x.start;
            else
                m->v[--w] = x;
            prev_match = x.is_match;
        }
        for (size_t k = w; k < n && st == TABLLM_OK; k++)
            st = push_piece(out, off + m->v[k].start, m->v[k].end - m->v[k].start);
        return st;
    }
    }
    return st;
}

static tabllm_status step(const tabllm_tokenizer *t, tl_ws *ws, const tl_pre_step *s,
                          const tl_piece *in, bool first_piece, tl_pieces *out)
{
    tl_text *b = &ws->pbuf;
    size_t off = in->off, len = in->len;
    tabllm_status st;
    (void)t;
    switch (s->kind) {
    case TL_PRE_SPLIT:
        st = tl_pattern_find(&s->pattern, b->s + off, len, &ws->matches, &ws->md);
        if (st != TABLLM_OK)
            return st;
        return split_piece(&ws->matches, off, s->behavior, s->invert, out);
    case TL_PRE_BYTE_LEVEL:
        if (s->add_prefix_space && b->s[off] != ' ') {
            if ((st = materialize(b)) != TABLLM_OK)
                return st;
            size_t noff = b->len;
            tl_span first = tl_ws_span(ws, off, off + tl_uc_len((unsigned char)b->s[off]));
            if ((st = append(b, " ", 1, first)) != TABLLM_OK ||
                (st = append_copy(b, off, off + len)) != TABLLM_OK)
                return st;
            off = noff;
            len += 1;
        }
        if (!s->use_regex)
            return push_piece(out, off, len);
        st = tl_pattern_find(&s->pattern, b->s + off, len, &ws->matches, &ws->md);
        if (st != TABLLM_OK)
            return st;
        return split_piece(&ws->matches, off, TL_SPLIT_ISOLATED, false, out);
    case TL_PRE_METASPACE: {
        if ((st = materialize(b)) != TABLLM_OK)
            return st;
        size_t noff = b->len;
        /* After the spaces are replaced, "starts with the replacement" holds
         * for a leading space too. */
        bool starts = b->s[off] == ' ' ||
                      (len >= s->rep_len && memcmp(b->s + off, s->rep, s->rep_len) == 0);
        bool prepend = !starts && (s->prepend == TL_PREPEND_ALWAYS ||
                                   (s->prepend == TL_PREPEND_FIRST && first_piece));
        if (prepend) {
            tl_span sp = tl_ws_span(ws, off, off + tl_uc_len((unsigned char)b->s[off]));
            if ((st = append(b, s->rep, s->rep_len, sp)) != TABLLM_OK)
                return st;
        }
        for (size_t i = off; i < off + len; i++) {
            if (b->s[i] == ' ') {
                tl_span sp = b->align ? b->align[i] : (tl_span){0, 0};
                if ((st = append(b, s->rep, s->rep_len, sp)) != TABLLM_OK)
                    return st;
            } else {
                if ((st = append_copy(b, i, i + 1)) != TABLLM_OK)
                    return st;
            }
        }
        off = noff;
        len = b->len - noff;
        if (!s->split)
            return push_piece(out, off, len);
        st = find_chars(b->s + off, len, pred_rep, s, &ws->matches);
        if (st != TABLLM_OK)
            return st;
        return split_piece(&ws->matches, off, TL_SPLIT_MERGED_WITH_NEXT, false, out);
    }
    case TL_PRE_DIGITS:
        st = find_chars(b->s + off, len, pred_digit, s, &ws->matches);
        if (st != TABLLM_OK)
            return st;
        return split_piece(&ws->matches, off,
                           s->individual_digits ? TL_SPLIT_ISOLATED : TL_SPLIT_CONTIGUOUS, false,
                           out);
    case TL_PRE_WHITESPACE:
        st = tl_pattern_find(&s->pattern, b->s + off, len, &ws->matches, &ws->md);
        if (st != TABLLM_OK)
            return st;
        return split_piece(&ws->matches, off, TL_SPLIT_REMOVED, true, out);
    case TL_PRE_WHITESPACE_SPLIT:
        st = find_chars(b->s + off, len, pred_space, s, &ws->matches);
        if (st != TABLLM_OK)
            return st;
        return split_piece(&ws->matches, off, TL_SPLIT_REMOVED, false, out);
    case TL_PRE_PUNCTUATION:
        st = find_chars(b->s + off, len, pred_punct, s, &ws->matches);
        if (st != TABLLM_OK)
            return st;
        return split_piece(&ws->matches, off, s->behavior, false, out);
    }
    return TABLLM_OK;
}

tabllm_status tl_pretokenize(const tabllm_tokenizer *t, tl_ws *ws)
{
    ws->pieces.n = 0;
    tabllm_status st = push_piece(&ws->pieces, 0, ws->pbuf.len);
    for (size_t k = 0; k < t->n_pre && st == TABLLM_OK; k++) {
        ws->pieces2.n = 0;
        for (size_t i = 0; i < ws->pieces.n && st == TABLLM_OK; i++) {
            tl_piece p = ws->pieces.v[i];
            /* Metaspace "first": the piece starts where the input starts. */
            bool at_start = tl_ws_span(ws, p.off, p.off + 1).start == 0;
            st = step(t, ws, &t->pre[k], &p, at_start, &ws->pieces2);
        }
        tl_pieces tmp = ws->pieces;
        ws->pieces = ws->pieces2;
        ws->pieces2 = tmp;
    }
    return st;
}
