/* A port of @huggingface/jinja's lexer.ts, quirks included: the reference is
 * what transformers.js renders chat templates with, so agreeing with it byte
 * for byte means lexing exactly as it does (its whitespace control, its
 * unary-minus rule, "}}" inside dict literals, ...). */
#include "chat/lexer.h"

#include <stdbool.h>
#include <string.h>

#include "base/alloc.h"
#include "base/utf8.h"
#include "chat/jsstr.h"

/* ---- preprocessing with an offset map ---------------------------------- */

typedef struct pp_text {
    char *s;
    size_t *map; /* map[i]: offset in the original template of s[i] */
    size_t len, cap;
    bool failed;
} pp_text;

static void pp_put(pp_text *t, const char *s, const size_t *map, size_t n)
{
    if (t->failed || n == 0)
        return;
    size_t need;
    if (!tl_size_add(t->len, n, &need) || !tl_size_add(need, 1, &need)) {
        t->failed = true;
        return;
    }
    if (need > t->cap) {
        size_t cap = t->cap ? t->cap : 64;
        while (cap < need)
            cap = cap > SIZE_MAX / 2 ? need : cap * 2;
        char *s2 = tl_realloc(t->s, cap);
        if (s2 == NULL) {
            t->failed = true;
            return;
        }
        t->s = s2;
        size_t bytes;
        size_t *m2 = NULL;
        if (tl_size_mul(cap, sizeof(size_t), &bytes))
            m2 = tl_realloc(t->map, bytes);
        if (m2 == NULL) {
            t->failed = true;
            return;
        }
        t->map = m2;
        t->cap = cap;
    }
    memcpy(t->s + t->len, s, n);
    memcpy(t->map + t->len, map, n * sizeof(size_t));
    t->len += n;
}

static void pp_free(pp_text *t)
{
    tl_free(t->s);
    tl_free(t->map);
    memset(t, 0, sizeof *t);
}

static bool line_start(const pp_text *in, size_t i)
{
    if (i == 0)
        return true;
    char c = in->s[i - 1];
    if (c == '\n' || c == '\r')
        return true;
    /* U+2028 and U+2029 end lines for the /m flag too */
    return i >= 3 && (unsigned char)in->s[i - 3] == 0xe2 && (unsigned char)in->s[i - 2] == 0x80 &&
           ((unsigned char)c == 0xa8 || (unsigned char)c == 0xa9);
}

/* template.replace(/^[ \t]*({[#%-])/gm, "$1") */
static void pp_lstrip_blocks(const pp_text *in, pp_text *out)
{
    if (in->len == 0)
        return; /* in->s may be NULL */
    size_t i = 0;
    while (i < in->len) {
        if (line_start(in, i)) {
            size_t j = i;
            while (j < in->len && (in->s[j] == ' ' || in->s[j] == '\t'))
                j++;
            if (j > i && j + 1 < in->len && in->s[j] == '{' && strchr("#%-", in->s[j + 1]) &&
                in->s[j + 1] != '\0')
                i = j;
        }
        pp_put(out, in->s + i, in->map + i, 1);
        i++;
    }
}

/* template.replace(/([#%-]})\n/g, "$1") */
static void pp_trim_blocks(const pp_text *in, pp_text *out)
{
    if (in->len == 0)
        return; /* in->s may be NULL */
    size_t i = 0;
    while (i < in->len) {
        if (i + 2 < in->len && (in->s[i] == '#' || in->s[i] == '%' || in->s[i] == '-') &&
            in->s[i + 1] == '}' && in->s[i + 2] == '\n') {
            pp_put(out, in->s + i, in->map + i, 2);
            i += 3;
            continue;
        }
        pp_put(out, in->s + i, in->map + i, 1);
        i++;
    }
}

static size_t skip_spaces(const char *s, size_t len, size_t i)
{
    size_t k;
    while (i < len && (k = tl_js_space_at(s + i, len - i)) > 0)
        i += k;
    return i;
}

/* Matches {%(-?)\s*(?:end)?generation\s*(-?)%} at q; returns its end or 0. */
static size_t generation_tag(const char *s, size_t len, size_t q, bool *lstrip, bool *rstrip)
{
    if (q + 2 > len || s[q] != '{' || s[q + 1] != '%')
        return 0;
    size_t k = q + 2;
    *lstrip = k < len && s[k] == '-';
    if (*lstrip)
        k++;
    k = skip_spaces(s, len, k);
    if (k + 13 <= len && memcmp(s + k, "endgeneration", 13) == 0)
        k += 13;
    else if (k + 10 <= len && memcmp(s + k, "generation", 10) == 0)
        k += 10;
    else
        return 0;
    k = skip_spaces(s, len, k);
    *rstrip = k < len && s[k] == '-';
    if (*rstrip)
        k++;
    if (k + 2 > len || s[k] != '%' || s[k + 1] != '}')
        return 0;
    return k + 2;
}

/* The transformers-specific {% generation %} / {% endgeneration %} markers are
 * removed, honouring their whitespace control:
 * replace(/(\s*){%(-?)\s*(?:end)?generation\s*(-?)%}(\s*)/gs, ...) */
static void pp_generation(const pp_text *in, pp_text *out)
{
    if (in->len == 0)
        return; /* in->s may be NULL */
    size_t pos = 0;
    for (size_t q = 0; q + 1 < in->len; q++) {
        bool lstrip, rstrip;
        size_t end = generation_tag(in->s, in->len, q, &lstrip, &rstrip);
        if (end == 0)
            continue;
        size_t ws = q, k;
        while (ws > pos && (k = tl_js_space_before(in->s + pos, ws - pos)) > 0)
            ws -= k;
        pp_put(out, in->s + pos, in->map + pos, ws - pos);
        if (!lstrip)
            pp_put(out, in->s + ws, in->map + ws, q - ws);
        size_t after = skip_spaces(in->s, in->len, end);
        if (!rstrip)
            pp_put(out, in->s + end, in->map + end, after - end);
        pos = after;
        q = after - 1;
    }
    pp_put(out, in->s + pos, in->map + pos, in->len - pos);
}

/* ---- tokenizer ---------------------------------------------------------- */

typedef struct lexer {
    const char *orig;
    size_t orig_len;
    const char *s; /* preprocessed text */
    const size_t *map;
    size_t len;
    size_t pos;
    tl_arena *arena;
    tl_jtok *toks;
    size_t n, cap;
    int curly_depth;
} lexer;

void tl_jinja_line_col(const char *src, size_t len, size_t pos, size_t *line, size_t *col)
{
    size_t l = 1, c = 1;
    if (pos > len)
        pos = len;
    for (size_t i = 0; i < pos; i++) {
        if (src[i] == '\n') {
            l++;
            c = 1;
        } else if (((unsigned char)src[i] & 0xc0) != 0x80) {
            c++;
        }
    }
    *line = l;
    *col = c;
}

static size_t orig_pos(const lexer *lx, size_t p)
{
    return p < lx->len ? lx->map[p] : lx->orig_len;
}

static tabllm_status lex_error(const lexer *lx, size_t p, const char *msg, const char *arg)
{
    size_t line, col;
    tl_jinja_line_col(lx->orig, lx->orig_len, orig_pos(lx, p), &line, &col);
    return tl_error(TABLLM_ERR_FORMAT, "chat template:%zu:%zu: %s%s", line, col, msg,
                    arg ? arg : "");
}

static tabllm_status push(lexer *lx, tl_jtok_kind kind, const char *s, size_t len, size_t at)
{
    if (lx->n == lx->cap) {
        void *p = lx->toks;
        if (tl_grow_array(&p, &lx->cap, lx->n + 1, sizeof(tl_jtok), "template tokens") != TABLLM_OK)
            return TABLLM_ERR_OUT_OF_MEMORY;
        lx->toks = p;
    }
    lx->toks[lx->n].kind = kind;
    lx->toks[lx->n].s = s;
    lx->toks[lx->n].len = len;
    lx->toks[lx->n].pos = orig_pos(lx, at);
    lx->n++;
    return TABLLM_OK;
}

static tl_jtok *last_tok(lexer *lx)
{
    return lx->n ? &lx->toks[lx->n - 1] : NULL;
}

static void strip_trailing_whitespace(lexer *lx)
{
    tl_jtok *t = last_tok(lx);
    if (t != NULL && t->kind == TK_TEXT) {
        size_t len = t->len;
        tl_js_trim(t->s, &len, false, true);
        t->len = len;
        if (len == 0)
            lx->n--;
    }
}

static void skip_leading_whitespace(lexer *lx)
{
    lx->pos = skip_spaces(lx->s, lx->len, lx->pos);
}

static bool at(const lexer *lx, const char *seq)
{
    size_t n = strlen(seq);
    return lx->pos + n <= lx->len && memcmp(lx->s + lx->pos, seq, n) == 0;
}

static bool digit_at(const lexer *lx, size_t p)
{
    return p < lx->len && lx->s[p] >= '0' && lx->s[p] <= '9';
}

/* consumeWhile(isInteger/isWord/isWhitespace): the reference fails when the
 * run reaches the end of the template. */
static tabllm_status consume_run(lexer *lx, int what)
{
    for (;;) {
        size_t k = 0;
        if (lx->pos < lx->len) {
            unsigned char c = (unsigned char)lx->s[lx->pos];
            if (what == 'd')
                k = (c >= '0' && c <= '9');
            else if (what == 'w')
                k = tl_js_is_word(c);
            else
                k = tl_js_space_at(lx->s + lx->pos, lx->len - lx->pos);
        }
        if (k == 0)
            return TABLLM_OK;
        lx->pos += k;
        if (lx->pos >= lx->len)
            return lex_error(lx, lx->pos, "unexpected end of template", NULL);
    }
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool read_hex(const lexer *lx, size_t p, int n, uint32_t *out)
{
    uint32_t v = 0;
    if (p + (size_t)n > lx->len)
        return false;
    for (int i = 0; i < n; i++) {
        int h = hex_value(lx->s[p + (size_t)i]);
        if (h < 0)
            return false;
        v = v * 16 + (uint32_t)h;
    }
    *out = v;
    return true;
}

static tabllm_status lex_string(lexer *lx, char quote)
{
    size_t start = lx->pos;
    lx->pos++; /* the opening quote */
    tl_buf b = TL_BUF_INIT;
    tabllm_status st = TABLLM_OK;
    for (;;) {
        if (lx->pos >= lx->len) {
            st = lex_error(lx, start, "unterminated string literal", NULL);
            break;
        }
        char c = lx->s[lx->pos];
        if (c == quote)
            break;
        if (c != '\\') {
            tl_buf_putc(&b, c);
            lx->pos++;
            continue;
        }
        size_t esc_at = lx->pos;
        lx->pos++;
        if (lx->pos >= lx->len) {
            st = lex_error(lx, start, "unterminated string literal", NULL);
            break;
        }
        char e = lx->s[lx->pos++];
        if (e == 'x' || e == 'u') {
            int n = e == 'x' ? 2 : 4;
            uint32_t cp;
            if (!read_hex(lx, lx->pos, n, &cp)) {
                st = lex_error(lx, esc_at, "invalid hexadecimal escape sequence in a string", NULL);
                break;
            }
            lx->pos += (size_t)n;
            if (cp >= 0xd800 && cp <= 0xdbff && e == 'u' && lx->pos + 6 <= lx->len &&
                lx->s[lx->pos] == '\\' && lx->s[lx->pos + 1] == 'u') {
                uint32_t lo;
                if (read_hex(lx, lx->pos + 2, 4, &lo) && lo >= 0xdc00 && lo <= 0xdfff) {
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                    lx->pos += 6;
                }
            }
            tl_js_put_cp(&b, cp);
            continue;
        }
        const char *from = "ntrbfv'\"\\", *to = "\n\t\r\b\f\v'\"\\";
        const char *hit = e ? strchr(from, e) : NULL;
        if (hit == NULL) {
            char what[2] = {e, 0};
            st = lex_error(lx, esc_at, "unexpected escaped character: \\", what);
            break;
        }
        tl_buf_putc(&b, to[hit - from]);
    }
    if (st == TABLLM_OK)
        st = tl_buf_status(&b);
    if (st != TABLLM_OK) {
        tl_buf_free(&b);
        return st;
    }
    lx->pos++; /* the closing quote */
    char *value = tl_arena_strndup(lx->arena, b.data ? b.data : "", b.len);
    size_t vlen = b.len;
    tl_buf_free(&b);
    if (value == NULL)
        return TABLLM_ERR_OUT_OF_MEMORY;
    return push(lx, TK_STRING, value, vlen, start);
}

static const struct {
    const char *seq;
    tl_jtok_kind kind;
} mapping[] = {
    {"{%", TK_OPEN_STMT},     {"%}", TK_CLOSE_STMT},
    {"{{", TK_OPEN_EXPR},     {"}}", TK_CLOSE_EXPR},
    {"(", TK_LPAREN},         {")", TK_RPAREN},
    {"{", TK_LBRACE},         {"}", TK_RBRACE},
    {"[", TK_LBRACKET},       {"]", TK_RBRACKET},
    {",", TK_COMMA},          {".", TK_DOT},
    {":", TK_COLON},          {"|", TK_PIPE},
    {"<=", TK_COMPARISON},    {">=", TK_COMPARISON},
    {"==", TK_COMPARISON},    {"!=", TK_COMPARISON},
    {"<", TK_COMPARISON},     {">", TK_COMPARISON},
    {"+", TK_ADDITIVE},       {"-", TK_ADDITIVE},
    {"~", TK_ADDITIVE},       {"**", TK_POWER},
    {"*", TK_MULTIPLICATIVE}, {"//", TK_MULTIPLICATIVE},
    {"/", TK_MULTIPLICATIVE}, {"%", TK_MULTIPLICATIVE},
    {"=", TK_EQUALS},
};

static tabllm_status lex_main(lexer *lx)
{
    tabllm_status st;
    while (lx->pos < lx->len) {
        tl_jtok *last = last_tok(lx);
        if (last == NULL || last->kind == TK_CLOSE_STMT || last->kind == TK_CLOSE_EXPR ||
            last->kind == TK_COMMENT) {
            size_t start = lx->pos;
            while (lx->pos < lx->len && !(lx->s[lx->pos] == '{' && lx->pos + 1 < lx->len &&
                                          (lx->s[lx->pos + 1] == '%' || lx->s[lx->pos + 1] == '{' ||
                                           lx->s[lx->pos + 1] == '#')))
                lx->pos++;
            if (lx->pos > start) {
                if ((st = push(lx, TK_TEXT, lx->s + start, lx->pos - start, start)) != TABLLM_OK)
                    return st;
                continue;
            }
        }

        if (at(lx, "{#")) {
            size_t start = lx->pos;
            lx->pos += 2;
            bool strip_before = lx->pos < lx->len && lx->s[lx->pos] == '-';
            if (strip_before)
                lx->pos++;
            size_t body = lx->pos;
            while (!(lx->pos + 1 < lx->len && lx->s[lx->pos] == '#' && lx->s[lx->pos + 1] == '}')) {
                if (lx->pos + 2 >= lx->len)
                    return lex_error(lx, start, "comment has no closing #}", NULL);
                lx->pos++;
            }
            size_t clen = lx->pos - body;
            bool strip_after = clen > 0 && lx->s[lx->pos - 1] == '-';
            if (strip_after)
                clen--;
            if (strip_before)
                strip_trailing_whitespace(lx);
            if ((st = push(lx, TK_COMMENT, lx->s + body, clen, start)) != TABLLM_OK)
                return st;
            lx->pos += 2;
            if (strip_after)
                skip_leading_whitespace(lx);
            continue;
        }
        if (at(lx, "{%-")) {
            strip_trailing_whitespace(lx);
            if ((st = push(lx, TK_OPEN_STMT, "{%", 2, lx->pos)) != TABLLM_OK)
                return st;
            lx->pos += 3;
            continue;
        }
        if (at(lx, "{{-")) {
            strip_trailing_whitespace(lx);
            if ((st = push(lx, TK_OPEN_EXPR, "{{", 2, lx->pos)) != TABLLM_OK)
                return st;
            lx->curly_depth = 0;
            lx->pos += 3;
            continue;
        }

        if ((st = consume_run(lx, 's')) != TABLLM_OK)
            return st;

        if (at(lx, "-%}")) {
            if ((st = push(lx, TK_CLOSE_STMT, "%}", 2, lx->pos)) != TABLLM_OK)
                return st;
            lx->pos += 3;
            skip_leading_whitespace(lx);
            continue;
        }
        if (at(lx, "-}}")) {
            if ((st = push(lx, TK_CLOSE_EXPR, "}}", 2, lx->pos)) != TABLLM_OK)
                return st;
            lx->pos += 3;
            skip_leading_whitespace(lx);
            continue;
        }

        char c = lx->s[lx->pos];
        if (c == '-' || c == '+') {
            tl_jtok *prev = last_tok(lx);
            if (prev == NULL || prev->kind == TK_TEXT) {
                char what[2] = {c, 0};
                return lex_error(lx, lx->pos, "unexpected character: ", what);
            }
            switch (prev->kind) {
            case TK_IDENT:
            case TK_NUMBER:
            case TK_STRING:
            case TK_RPAREN:
            case TK_RBRACKET:
                break; /* a binary operator: the table below */
            default: {
                size_t start = lx->pos;
                lx->pos++;
                size_t digits = lx->pos;
                if ((st = consume_run(lx, 'd')) != TABLLM_OK)
                    return st;
                bool has_num = lx->pos > digits;
                if (has_num && lx->pos < lx->len && lx->s[lx->pos] == '.' &&
                    digit_at(lx, lx->pos + 1)) {
                    lx->pos++;
                    if ((st = consume_run(lx, 'd')) != TABLLM_OK)
                        return st;
                }
                if (has_num)
                    st = push(lx, TK_NUMBER, lx->s + start, lx->pos - start, start);
                else
                    st = push(lx, TK_UNARY, lx->s + start, 1, start);
                if (st != TABLLM_OK)
                    return st;
                continue;
            }
            }
        }

        bool matched = false;
        for (size_t m = 0; m < sizeof mapping / sizeof mapping[0]; m++) {
            if (mapping[m].kind == TK_CLOSE_EXPR && lx->curly_depth > 0)
                continue;
            if (!at(lx, mapping[m].seq))
                continue;
            size_t n = strlen(mapping[m].seq);
            if ((st = push(lx, mapping[m].kind, lx->s + lx->pos, n, lx->pos)) != TABLLM_OK)
                return st;
            if (mapping[m].kind == TK_OPEN_EXPR)
                lx->curly_depth = 0;
            else if (mapping[m].kind == TK_LBRACE)
                lx->curly_depth++;
            else if (mapping[m].kind == TK_RBRACE)
                lx->curly_depth--;
            lx->pos += n;
            matched = true;
            break;
        }
        if (matched)
            continue;

        if (c == '\'' || c == '"') {
            if ((st = lex_string(lx, c)) != TABLLM_OK)
                return st;
            continue;
        }
        if (c >= '0' && c <= '9') {
            size_t start = lx->pos;
            if ((st = consume_run(lx, 'd')) != TABLLM_OK)
                return st;
            tl_jtok *prev = last_tok(lx);
            if ((prev == NULL || prev->kind != TK_DOT) && lx->pos < lx->len &&
                lx->s[lx->pos] == '.' && digit_at(lx, lx->pos + 1)) {
                lx->pos++;
                if ((st = consume_run(lx, 'd')) != TABLLM_OK)
                    return st;
            }
            if ((st = push(lx, TK_NUMBER, lx->s + start, lx->pos - start, start)) != TABLLM_OK)
                return st;
            continue;
        }
        if (tl_js_is_word((unsigned char)c)) {
            size_t start = lx->pos;
            if ((st = consume_run(lx, 'w')) != TABLLM_OK)
                return st;
            if ((st = push(lx, TK_IDENT, lx->s + start, lx->pos - start, start)) != TABLLM_OK)
                return st;
            continue;
        }
        uint32_t cp;
        char what[8] = {0};
        size_t n = tl_js_decode(lx->s + lx->pos, lx->len - lx->pos, &cp);
        memcpy(what, lx->s + lx->pos, n < 7 ? n : 7);
        return lex_error(lx, lx->pos, "unexpected character: ", what);
    }
    return TABLLM_OK;
}

tabllm_status tl_jinja_lex(const char *src, size_t len, tl_arena *arena, tl_jtok **toks,
                           size_t *n_toks)
{
    *toks = NULL;
    *n_toks = 0;
    pp_text a = {0}, b = {0};
    tabllm_status st = TABLLM_OK;

    /* the original text, minus one trailing newline, with the identity map */
    size_t keep = len && src[len - 1] == '\n' ? len - 1 : len;
    size_t chunk[256];
    for (size_t i = 0; i < keep && !a.failed; i += 256) {
        size_t n = keep - i < 256 ? keep - i : 256;
        for (size_t k = 0; k < n; k++)
            chunk[k] = i + k;
        pp_put(&a, src + i, chunk, n);
    }
    /* each stage reads one text and writes the other; a failed write
     * latches in the output and ends the chain */
    bool failed = a.failed;
    if (!failed) {
        pp_lstrip_blocks(&a, &b);
        failed = b.failed;
    }
    pp_free(&a);
    if (!failed) {
        pp_trim_blocks(&b, &a);
        failed = a.failed;
    }
    pp_free(&b);
    if (!failed) {
        pp_generation(&a, &b);
        failed = b.failed;
    }
    pp_free(&a);
    if (failed) {
        pp_free(&b);
        return tl_error_oom("chat template preprocessing");
    }

    lexer lx = {0};
    lx.orig = src;
    lx.orig_len = len;
    lx.len = b.len;
    lx.map = b.map;
    lx.arena = arena;
    char *text = tl_arena_strndup(arena, b.s ? b.s : "", b.len);
    if (text == NULL) {
        pp_free(&b);
        return TABLLM_ERR_OUT_OF_MEMORY;
    }
    lx.s = text;
    st = lex_main(&lx);
    pp_free(&b);
    if (st != TABLLM_OK) {
        tl_free(lx.toks);
        return st;
    }
    *toks = lx.toks;
    *n_toks = lx.n;
    return TABLLM_OK;
}

const char *tl_jtok_name(tl_jtok_kind kind)
{
    static const char *names[] = {
        "text", "number",   "string",   "name", "'='",        "'('",      "')'",     "'{%'", "'%}'",
        "'{{'", "'}}'",     "'['",      "']'",  "'{'",        "'}'",      "','",     "'.'",  "':'",
        "'|'",  "operator", "operator", "'**'", "comparison", "operator", "comment",
    };
    return (size_t)kind < sizeof names / sizeof names[0] ? names[kind] : "token";
}
