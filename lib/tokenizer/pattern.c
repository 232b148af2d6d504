/* Split and Replace patterns: literals and PCRE2 regexes, iterated exactly as
 * HF's Oniguruma wrapper does. */
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "tokenizer/tokenizer.h"

/* Oniguruma's \s (the White_Space property). PCRE2's \s with UCP also takes
 * U+180E and some others, so patterns are rewritten to use this set (and
 * \w below likewise): HF runs tokenizer.json regexes with Oniguruma. */
#define ONIG_SPACE "\\t-\\r \\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}"

/* Oniguruma's \w (Unicode Word: letters, marks, decimal digits, connector
 * punctuation, joiners); PCRE2 10.42's \w leaves marks out. */
#define ONIG_WORD "\\p{L}\\p{Nl}\\p{M}\\p{Nd}\\p{Pc}\\x{200C}\\x{200D}"

static void rewrite_spaces(tl_buf *b, const char *src, size_t len)
{
    bool in_class = false;
    for (size_t i = 0; i < len; i++) {
        char c = src[i];
        if (c == '\\' && i + 1 < len) {
            char e = src[i + 1];
            if (e == 's') {
                tl_buf_puts(b, in_class ? ONIG_SPACE : "[" ONIG_SPACE "]");
            } else if (e == 'S' && !in_class) {
                tl_buf_puts(b, "[^" ONIG_SPACE "]");
            } else if (e == 'w') {
                tl_buf_puts(b, in_class ? ONIG_WORD : "[" ONIG_WORD "]");
            } else if (e == 'W' && !in_class) {
                tl_buf_puts(b, "[^" ONIG_WORD "]");
            } else {
                tl_buf_putc(b, c);
                tl_buf_putc(b, e);
            }
            i++;
            continue;
        }
        if (!in_class && c == '[') {
            in_class = true;
            tl_buf_putc(b, c);
            /* A ']' right after '[' or '[^' is a literal. */
            if (i + 1 < len && src[i + 1] == '^') {
                tl_buf_putc(b, '^');
                i++;
            }
            if (i + 1 < len && src[i + 1] == ']') {
                tl_buf_putc(b, ']');
                i++;
            }
            continue;
        }
        if (in_class && c == ']')
            in_class = false;
        tl_buf_putc(b, c);
    }
}

static tabllm_status compile(tl_pattern *p, const char *src, size_t len, const char *where)
{
    int err;
    PCRE2_SIZE off;
    p->re = pcre2_compile((PCRE2_SPTR)src, len, PCRE2_UTF | PCRE2_UCP, &err, &off, NULL);
    if (p->re == NULL) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(err, msg, sizeof msg);
        return tl_error(TABLLM_ERR_UNSUPPORTED, "%s: regex cannot be compiled at offset %zu: %s",
                        where, (size_t)off, (const char *)msg);
    }
    /* Without JIT the interpreter still gives the same answers, slower. */
    (void)pcre2_jit_compile(p->re, PCRE2_JIT_COMPLETE);
    return TABLLM_OK;
}

tabllm_status tl_pattern_compile_regex(tl_pattern *p, const char *source, size_t len,
                                       const char *where)
{
    memset(p, 0, sizeof *p);
    p->is_regex = true;
    p->fast = tl_fast_regex_detect(source, len);
    tl_buf b = TL_BUF_INIT;
    rewrite_spaces(&b, source, len);
    tabllm_status st = tl_buf_status(&b);
    if (st == TABLLM_OK)
        st = compile(p, b.data ? b.data : "", b.len, where);
    tl_buf_free(&b);
    return st;
}

tabllm_status tl_pattern_literal(tl_pattern *p, const char *lit, size_t len, const char *where)
{
    memset(p, 0, sizeof *p);
    p->lit = lit;
    p->lit_len = len;
    if (len == 0)
        return compile(p, "", 0, where); /* matches the empty string everywhere */
    return TABLLM_OK;
}

void tl_pattern_free(tl_pattern *p)
{
    if (p->re)
        pcre2_code_free(p->re);
    p->re = NULL;
}

tabllm_status tl_matches_push(tl_matches *m, size_t start, size_t end, bool is_match)
{
    if (m->n == m->cap &&
        tl_grow_array((void **)&m->v, &m->cap, m->n + 1, sizeof *m->v, "matches") != TABLLM_OK)
        return TABLLM_ERR_OUT_OF_MEMORY;
    m->v[m->n++] = (tl_match){start, end, is_match};
    return TABLLM_OK;
}

/* Records a match [s, e) after the gap since *prev. */
static tabllm_status add_match(tl_matches *m, size_t *prev, size_t s, size_t e)
{
    if (*prev != s && tl_matches_push(m, *prev, s, false) != TABLLM_OK)
        return TABLLM_ERR_OUT_OF_MEMORY;
    *prev = e;
    return tl_matches_push(m, s, e, true);
}

static tabllm_status find_regex(const tl_pattern *p, const char *text, size_t len,
                                tl_matches *out, pcre2_match_data **md, size_t *prev)
{
    if (*md == NULL) {
        *md = pcre2_match_data_create(1, NULL);
        if (*md == NULL)
            return tl_error_oom("regex match data");
    }
    /* The onig crate's FindMatches: search from the end of the last match;
     * an empty match right where the previous match ended is skipped by
     * moving one character on. */
    size_t last_end = 0;
    bool have_last = false;
    size_t last_match_end = 0;
    while (last_end <= len) {
        int rc = pcre2_match(p->re, (PCRE2_SPTR)text, len, last_end, PCRE2_NO_UTF_CHECK, *md,
                             NULL);
        if (rc == PCRE2_ERROR_JIT_STACKLIMIT)
            rc = pcre2_match(p->re, (PCRE2_SPTR)text, len, last_end,
                             PCRE2_NO_UTF_CHECK | PCRE2_NO_JIT, *md, NULL);
        if (rc == PCRE2_ERROR_NOMATCH)
            break;
        if (rc < 0) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(rc, msg, sizeof msg);
            return tl_error(TABLLM_ERR_LIMIT_EXCEEDED, "regex matching failed at byte %zu: %s",
                            last_end, (const char *)msg);
        }
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(*md);
        size_t s = ov[0], e = ov[1];
        if (s == e && have_last && last_match_end == e) {
            last_end += last_end < len ? tl_uc_len((unsigned char)text[last_end]) : 1;
            continue;
        }
        last_end = e;
        have_last = true;
        last_match_end = e;
        if (add_match(out, prev, s, e) != TABLLM_OK)
            return TABLLM_ERR_OUT_OF_MEMORY;
    }
    return TABLLM_OK;
}

tabllm_status tl_pattern_find(const tl_pattern *p, const char *text, size_t len, tl_matches *out,
                              pcre2_match_data **md)
{
    out->n = 0;
    if (len == 0)
        return tl_matches_push(out, 0, 0, false);
    size_t prev = 0;
    if (p->fast != TL_FAST_NONE) {
        for (size_t i = 0; i < len;) {
            size_t k = tl_fast_match(p->fast, text, len, i);
            if (add_match(out, &prev, i, i + k) != TABLLM_OK)
                return TABLLM_ERR_OUT_OF_MEMORY;
            i += k;
        }
    } else if (p->re != NULL) {
        tabllm_status st = find_regex(p, text, len, out, md, &prev);
        if (st != TABLLM_OK)
            return st;
    } else {
        const char *at = text, *end = text + len;
        while ((size_t)(end - at) >= p->lit_len) {
            const char *hit = memmem(at, (size_t)(end - at), p->lit, p->lit_len);
            if (hit == NULL)
                break;
            size_t s = (size_t)(hit - text);
            if (add_match(out, &prev, s, s + p->lit_len) != TABLLM_OK)
                return TABLLM_ERR_OUT_OF_MEMORY;
            at = hit + p->lit_len;
        }
    }
    if (prev != len)
        return tl_matches_push(out, prev, len, false);
    return TABLLM_OK;
}
