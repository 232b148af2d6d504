#include "tokenizer/tjson.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/utf8.h"

#define TJ_MAX_DEPTH 256

typedef struct parser {
    tj_doc *doc;
    const char *s;
    size_t len;
    size_t i;
    tj_node *stack; /* nodes whose container is still open */
    size_t n_stack, cap_stack;
    size_t cap_nodes;
    tabllm_status status;
} parser;

static void line_col(const char *text, size_t len, size_t pos, size_t *line, size_t *col)
{
    size_t l = 1, c = 1;
    if (pos > len)
        pos = len;
    for (size_t i = 0; i < pos; i++) {
        if (text[i] == '\n') {
            l++;
            c = 1;
        } else if (((unsigned char)text[i] & 0xC0) != 0x80) {
            c++;
        }
    }
    *line = l;
    *col = c;
}

static tabllm_status verror_at(const tj_doc *d, size_t pos, const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t line, col;
    line_col(d->text, d->text_len, pos, &line, &col);
    return tl_error(TABLLM_ERR_FORMAT, "%s:%zu:%zu: %s", d->name, line, col, msg);
}

static tabllm_status perr(parser *p, const char *fmt, ...) TL_PRINTF(2, 3);
static tabllm_status perr(parser *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    p->status = verror_at(p->doc, p->i, fmt, ap);
    va_end(ap);
    return p->status;
}

tabllm_status tj_error(const tj_doc *d, const tj_node *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tabllm_status st = verror_at(d, n ? n->pos : 0, fmt, ap);
    va_end(ap);
    return st;
}

static tj_node *push(parser *p)
{
    if (p->n_stack == p->cap_stack) {
        if (tl_grow_array((void **)&p->stack, &p->cap_stack, p->n_stack + 1, sizeof(tj_node),
                          "JSON parser stack") != TABLLM_OK) {
            p->status = TABLLM_ERR_OUT_OF_MEMORY;
            return NULL;
        }
    }
    tj_node *n = &p->stack[p->n_stack++];
    memset(n, 0, sizeof *n);
    n->pos = p->i;
    return n;
}

static void skip_ws(parser *p)
{
    while (p->i < p->len) {
        char c = p->s[p->i];
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
            p->i++;
        else
            break;
    }
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool read_hex4(parser *p, size_t at, uint32_t *out)
{
    if (at + 4 > p->len)
        return false;
    uint32_t v = 0;
    for (int k = 0; k < 4; k++) {
        int h = hexval(p->s[at + k]);
        if (h < 0)
            return false;
        v = v << 4 | (uint32_t)h;
    }
    *out = v;
    return true;
}

/* p->i is at the opening quote. */
static tabllm_status parse_string(parser *p, tj_node *n)
{
    const char *s = p->s;
    size_t start = ++p->i, i = start;
    bool escaped = false;
    for (;;) {
        if (i >= p->len) {
            p->i = n->pos;
            return perr(p, "unterminated string");
        }
        unsigned char c = (unsigned char)s[i];
        if (c == '"')
            break;
        if (c == '\\') {
            escaped = true;
            i += 2;
            continue;
        }
        if (c < 0x20) {
            p->i = i;
            return perr(p, "control character 0x%02x in a string", c);
        }
        if (c >= 0x80) {
            uint32_t cp;
            size_t k = tl_utf8_decode(s + i, p->len - i, &cp);
            if (k == 0) {
                p->i = i;
                return perr(p, "invalid UTF-8 in a string");
            }
            i += k;
            continue;
        }
        i++;
    }
    size_t end = i;
    n->type = TJ_STRING;
    p->i = end + 1;
    if (!escaped) {
        if (end - start > UINT32_MAX)
            return perr(p, "string too long");
        n->u.str = s + start;
        n->len = (uint32_t)(end - start);
        return TABLLM_OK;
    }
    char *out = tl_arena_alloc(&p->doc->strings, end - start + 1);
    if (out == NULL)
        return p->status = TABLLM_ERR_OUT_OF_MEMORY;
    size_t o = 0;
    for (i = start; i < end;) {
        if (s[i] != '\\') {
            out[o++] = s[i++];
            continue;
        }
        char e = s[i + 1];
        uint32_t cp;
        switch (e) {
        case '"': out[o++] = '"'; i += 2; continue;
        case '\\': out[o++] = '\\'; i += 2; continue;
        case '/': out[o++] = '/'; i += 2; continue;
        case 'b': out[o++] = '\b'; i += 2; continue;
        case 'f': out[o++] = '\f'; i += 2; continue;
        case 'n': out[o++] = '\n'; i += 2; continue;
        case 'r': out[o++] = '\r'; i += 2; continue;
        case 't': out[o++] = '\t'; i += 2; continue;
        case 'u':
            if (!read_hex4(p, i + 2, &cp) || i + 6 > end) {
                p->i = i;
                return perr(p, "invalid \\u escape");
            }
            i += 6;
            if (cp >= 0xDC00 && cp <= 0xDFFF) {
                p->i = i - 6;
                return perr(p, "lone trailing surrogate \\u%04X", (unsigned)cp);
            }
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                uint32_t lo;
                if (i + 6 > end || s[i] != '\\' || s[i + 1] != 'u' || !read_hex4(p, i + 2, &lo) ||
                    lo < 0xDC00 || lo > 0xDFFF) {
                    p->i = i - 6;
                    return perr(p, "lone leading surrogate \\u%04X", (unsigned)cp);
                }
                i += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            o += tl_utf8_encode(cp, out + o);
            continue;
        default:
            p->i = i;
            return perr(p, "invalid escape '\\%c'", e >= 0x20 && e < 0x7f ? e : '?');
        }
    }
    out[o] = '\0';
    if (o > UINT32_MAX)
        return perr(p, "string too long");
    n->u.str = out;
    n->len = (uint32_t)o;
    return TABLLM_OK;
}

static tabllm_status parse_number(parser *p, tj_node *n)
{
    const char *s = p->s;
    size_t i = p->i, start = i;
    bool is_int = true;
    if (i < p->len && s[i] == '-')
        i++;
    if (i < p->len && s[i] == '0') {
        i++;
    } else if (i < p->len && s[i] >= '1' && s[i] <= '9') {
        while (i < p->len && s[i] >= '0' && s[i] <= '9')
            i++;
    } else {
        return perr(p, "invalid number");
    }
    if (i < p->len && s[i] == '.') {
        is_int = false;
        i++;
        if (i >= p->len || s[i] < '0' || s[i] > '9') {
            p->i = i;
            return perr(p, "invalid number: digits expected after '.'");
        }
        while (i < p->len && s[i] >= '0' && s[i] <= '9')
            i++;
    }
    if (i < p->len && (s[i] == 'e' || s[i] == 'E')) {
        is_int = false;
        i++;
        if (i < p->len && (s[i] == '+' || s[i] == '-'))
            i++;
        if (i >= p->len || s[i] < '0' || s[i] > '9') {
            p->i = i;
            return perr(p, "invalid number: digits expected in the exponent");
        }
        while (i < p->len && s[i] >= '0' && s[i] <= '9')
            i++;
    }
    char buf[128];
    size_t k = i - start;
    if (k >= sizeof buf)
        return perr(p, "number too long (%zu characters)", k);
    memcpy(buf, s + start, k);
    buf[k] = '\0';
    n->type = TJ_NUMBER;
    if (is_int && k <= 18) {
        /* Token ids: no need for strtod's arbitrary precision. */
        int64_t v = 0;
        size_t d = buf[0] == '-' ? 1 : 0;
        for (; d < k; d++)
            v = v * 10 + (buf[d] - '0');
        if (buf[0] == '-')
            v = -v;
        n->is_int = 1;
        n->u.num.integer = v;
        n->u.num.real = (double)v;
    } else {
        n->u.num.real = strtod(buf, NULL);
        if (is_int) {
            char *endp;
            errno = 0;
            long long v = strtoll(buf, &endp, 10);
            if (errno == 0) {
                n->is_int = 1;
                n->u.num.integer = v;
            }
        }
    }
    p->i = i;
    return TABLLM_OK;
}

static tabllm_status parse_value(parser *p, int depth);

/* Moves the children stack[base..] into the document and fills the container. */
static tabllm_status close_container(parser *p, size_t base, size_t container)
{
    tj_doc *d = p->doc;
    size_t count = p->n_stack - base;
    size_t need;
    if (!tl_size_add(d->n_nodes, count, &need))
        return p->status = tl_error_oom("JSON nodes");
    if (need > d->n_nodes && need > p->cap_nodes) {
        if (tl_grow_array((void **)&d->nodes, &p->cap_nodes, need, sizeof(tj_node),
                          "JSON nodes") != TABLLM_OK)
            return p->status = TABLLM_ERR_OUT_OF_MEMORY;
    }
    tj_node *c = &p->stack[container];
    c->u.first = d->n_nodes;
    if (count)
        memcpy(d->nodes + d->n_nodes, p->stack + base, count * sizeof(tj_node));
    d->n_nodes += count;
    p->n_stack = base;
    return TABLLM_OK;
}

static tabllm_status parse_container(parser *p, int depth, bool object)
{
    if (depth >= TJ_MAX_DEPTH)
        return perr(p, "nesting deeper than %d", TJ_MAX_DEPTH);
    tj_node *n = push(p);
    if (n == NULL)
        return p->status;
    n->type = object ? TJ_OBJECT : TJ_ARRAY;
    size_t self = p->n_stack - 1, base = p->n_stack;
    char close = object ? '}' : ']';
    p->i++;
    skip_ws(p);
    size_t count = 0;
    if (p->i < p->len && p->s[p->i] == close) {
        p->i++;
    } else {
        for (;;) {
            skip_ws(p);
            if (object) {
                if (p->i >= p->len || p->s[p->i] != '"')
                    return perr(p, "expected a string key");
                tj_node *k = push(p);
                if (k == NULL || parse_string(p, k) != TABLLM_OK)
                    return p->status ? p->status : TABLLM_ERR_OUT_OF_MEMORY;
                skip_ws(p);
                if (p->i >= p->len || p->s[p->i] != ':')
                    return perr(p, "expected ':' after an object key");
                p->i++;
            }
            if (parse_value(p, depth + 1) != TABLLM_OK)
                return p->status;
            if (++count > UINT32_MAX)
                return perr(p, "container too large");
            skip_ws(p);
            if (p->i >= p->len)
                return perr(p, "unexpected end of input, expected ',' or '%c'", close);
            char c = p->s[p->i++];
            if (c == ',')
                continue;
            if (c == close)
                break;
            p->i--;
            return perr(p, "expected ',' or '%c'", close);
        }
    }
    p->stack[self].len = (uint32_t)count;
    return close_container(p, base, self);
}

static bool literal(parser *p, const char *word)
{
    size_t k = strlen(word);
    if (p->len - p->i < k || memcmp(p->s + p->i, word, k) != 0)
        return false;
    p->i += k;
    return true;
}

static tabllm_status parse_value(parser *p, int depth)
{
    skip_ws(p);
    if (p->i >= p->len)
        return perr(p, "unexpected end of input, expected a value");
    char c = p->s[p->i];
    if (c == '{' || c == '[')
        return parse_container(p, depth, c == '{');
    tj_node *n = push(p);
    if (n == NULL)
        return p->status;
    if (c == '"')
        return parse_string(p, n);
    if (c == '-' || (c >= '0' && c <= '9'))
        return parse_number(p, n);
    if (literal(p, "true")) {
        n->type = TJ_TRUE;
        return TABLLM_OK;
    }
    if (literal(p, "false")) {
        n->type = TJ_FALSE;
        return TABLLM_OK;
    }
    if (literal(p, "null")) {
        n->type = TJ_NULL;
        return TABLLM_OK;
    }
    return perr(p, "unexpected character '%c'", c >= 0x20 && c < 0x7f ? c : '?');
}

tabllm_status tj_parse(const char *name, const char *text, size_t len, tj_doc *doc)
{
    memset(doc, 0, sizeof *doc);
    doc->name = name;
    doc->text = text;
    doc->text_len = len;
    parser p = {.doc = doc, .s = text, .len = len};
    /* A rough first guess: one node per 12 bytes of text. */
    p.cap_nodes = len / 12 + 16;
    if (tl_alloc_array((void **)&doc->nodes, p.cap_nodes, sizeof(tj_node), "JSON nodes") !=
        TABLLM_OK)
        return TABLLM_ERR_OUT_OF_MEMORY;
    doc->n_nodes = 1; /* the root goes in slot 0 */
    p.cap_stack = 64;
    if (tl_alloc_array((void **)&p.stack, p.cap_stack, sizeof(tj_node), "JSON stack") !=
        TABLLM_OK) {
        tj_free(doc);
        return TABLLM_ERR_OUT_OF_MEMORY;
    }
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        p.i = 3; /* a byte-order mark, as some editors write */
    tabllm_status st = parse_value(&p, 0);
    if (st == TABLLM_OK) {
        skip_ws(&p);
        if (p.i != len)
            st = perr(&p, "unexpected text after the JSON value");
    }
    if (st == TABLLM_OK)
        doc->nodes[0] = p.stack[0];
    tl_free(p.stack);
    if (st != TABLLM_OK)
        tj_free(doc);
    return st;
}

void tj_free(tj_doc *doc)
{
    tl_free(doc->nodes);
    doc->nodes = NULL;
    doc->n_nodes = 0;
    tl_arena_free(&doc->strings);
}

bool tj_str_eq(const tj_node *n, const char *s)
{
    size_t k = strlen(s);
    return n->type == TJ_STRING && n->len == k && memcmp(n->u.str, s, k) == 0;
}

const tj_node *tj_get(const tj_doc *d, const tj_node *obj, const char *key)
{
    if (obj == NULL || obj->type != TJ_OBJECT)
        return NULL;
    const tj_node *found = NULL;
    for (size_t i = 0; i < obj->len; i++)
        if (tj_str_eq(tj_key(d, obj, i), key))
            found = tj_val(d, obj, i);
    return found;
}

const char *tj_type_name(const tj_node *n)
{
    switch (n ? n->type : TJ_NULL) {
    case TJ_FALSE:
    case TJ_TRUE: return "a boolean";
    case TJ_NUMBER: return "a number";
    case TJ_STRING: return "a string";
    case TJ_ARRAY: return "an array";
    case TJ_OBJECT: return "an object";
    default: return "null";
    }
}

tabllm_status tj_req(const tj_doc *d, const tj_node *obj, const char *key, tj_type type,
                     const char *path, const tj_node **out)
{
    const tj_node *v = tj_get(d, obj, key);
    static const char *names[] = {"null", "a boolean", "a boolean", "a number",
                                  "a string", "an array", "an object"};
    if (v == NULL)
        return tj_error(d, obj, "%s: required field \"%s\" is missing", path, key);
    if (v->type != type && !(type == TJ_TRUE && v->type == TJ_FALSE))
        return tj_error(d, v, "%s.%s: expected %s, got %s", path, key, names[type],
                        tj_type_name(v));
    *out = v;
    return TABLLM_OK;
}

tabllm_status tj_opt_bool(const tj_doc *d, const tj_node *obj, const char *key, const char *path,
                          bool *out)
{
    const tj_node *v = tj_get(d, obj, key);
    if (v == NULL || v->type == TJ_NULL)
        return TABLLM_OK;
    if (v->type != TJ_TRUE && v->type != TJ_FALSE)
        return tj_error(d, v, "%s.%s: expected a boolean, got %s", path, key, tj_type_name(v));
    *out = v->type == TJ_TRUE;
    return TABLLM_OK;
}

tabllm_status tj_opt_uint(const tj_doc *d, const tj_node *obj, const char *key, const char *path,
                          uint64_t max, uint64_t *out)
{
    const tj_node *v = tj_get(d, obj, key);
    if (v == NULL || v->type == TJ_NULL)
        return TABLLM_OK;
    if (v->type != TJ_NUMBER || !v->is_int || v->u.num.integer < 0 ||
        (uint64_t)v->u.num.integer > max)
        return tj_error(d, v, "%s.%s: expected an integer in [0, %llu]", path, key,
                        (unsigned long long)max);
    *out = (uint64_t)v->u.num.integer;
    return TABLLM_OK;
}

tabllm_status tj_opt_str(const tj_doc *d, const tj_node *obj, const char *key, const char *path,
                         const tj_node **out)
{
    const tj_node *v = tj_get(d, obj, key);
    *out = NULL;
    if (v == NULL || v->type == TJ_NULL)
        return TABLLM_OK;
    if (v->type != TJ_STRING)
        return tj_error(d, v, "%s.%s: expected a string, got %s", path, key, tj_type_name(v));
    *out = v;
    return TABLLM_OK;
}
