/* How values become text: RuntimeValue.toString(), String(value) and
 * toJSON() of the reference, each with its JavaScript formatting of numbers
 * ("1e+21", "2.0" for a float, "2" once it is inside JSON). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "chat/jsstr.h"
#include "chat/value.h"

static void put_number(tl_buf *out, double v)
{
    char buf[40];
    tl_buf_append(out, buf, tl_js_number_to_string(v, buf));
}

/* Array.prototype.toString() of a list of runtime values: each element's
 * toString(), joined by ",". */
static int array_to_string(tl_jrender *r, const tl_jnode *n, const tl_jarr *a, tl_buf *out)
{
    for (size_t i = 0; i < a->n; i++) {
        if (i)
            tl_buf_putc(out, ',');
        if (tl_jv_print(r, n, &a->v[i], out) != JR_OK)
            return JR_ERR;
    }
    return tl_jr_buf_check(r, n, out);
}

int tl_jv_print(tl_jrender *r, const tl_jnode *n, const tl_jv *v, tl_buf *out)
{
    char buf[40];
    switch (v->kind) {
    case JV_UNDEF:
        tl_buf_puts(out, "undefined");
        break;
    case JV_NULL:
        tl_buf_puts(out, "null");
        break;
    case JV_BOOL:
        tl_buf_puts(out, v->u.b ? "true" : "false");
        break;
    case JV_INT:
        put_number(out, v->u.n);
        break;
    case JV_FLOAT:
        tl_buf_append(out, buf, tl_js_float_to_string(v->u.n, buf));
        break;
    case JV_STR:
        tl_buf_append(out, v->u.s.p, v->u.s.len);
        break;
    case JV_FUNC:
        return tl_jr_fail(r, n, TABLLM_ERR_UNSUPPORTED,
                          "printing a function (the reference prints its JavaScript source)");
    default: {
        tl_jjson_opts o = {false, 0, false, ", ", ": ", 2, 2, false};
        return tl_jv_to_json(r, n, v, &o, 0, out);
    }
    }
    return tl_jr_buf_check(r, n, out);
}

int tl_jv_raw_string(tl_jrender *r, const tl_jnode *n, const tl_jv *v, tl_buf *out)
{
    switch (v->kind) {
    case JV_FLOAT:
        put_number(out, v->u.n); /* the raw number: 2.0 is "2" here */
        return tl_jr_buf_check(r, n, out);
    case JV_ARRAY:
        return array_to_string(r, n, v->u.a, out);
    case JV_OBJECT:
    case JV_NS:
        tl_buf_puts(out, "[object Map]");
        return tl_jr_buf_check(r, n, out);
    default:
        return tl_jv_print(r, n, v, out);
    }
}

int tl_jv_join(tl_jrender *r, const tl_jnode *n, const tl_jv *items, size_t count, const char *sep,
               size_t sep_len, tl_buf *out)
{
    for (size_t i = 0; i < count; i++) {
        if (i)
            tl_buf_append(out, sep, sep_len);
        /* Array.prototype.join prints null and undefined as nothing */
        if (items[i].kind == JV_NULL || items[i].kind == JV_UNDEF)
            continue;
        if (tl_jv_raw_string(r, n, &items[i], out) != JR_OK)
            return JR_ERR;
        if (out->status != TABLLM_OK)
            break;
    }
    return tl_jr_buf_check(r, n, out);
}

static const char hex_digits[] = "0123456789abcdef";

static void put_u_escape(tl_buf *out, uint32_t unit)
{
    char e[6] = {'\\',
                 'u',
                 hex_digits[(unit >> 12) & 15],
                 hex_digits[(unit >> 8) & 15],
                 hex_digits[(unit >> 4) & 15],
                 hex_digits[unit & 15]};
    tl_buf_append(out, e, 6);
}

void tl_jv_json_quote(const char *s, size_t len, bool ensure_ascii, tl_buf *out)
{
    tl_buf_putc(out, '"');
    size_t run = 0; /* start of bytes copied verbatim */
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        if (c < 0x80) {
            switch (c) {
            case '"':
                esc = "\\\"";
                break;
            case '\\':
                esc = "\\\\";
                break;
            case '\b':
                esc = "\\b";
                break;
            case '\f':
                esc = "\\f";
                break;
            case '\n':
                esc = "\\n";
                break;
            case '\r':
                esc = "\\r";
                break;
            case '\t':
                esc = "\\t";
                break;
            default:
                break;
            }
            if (esc == NULL && c >= 0x20 && !(ensure_ascii && c == 0x7f)) {
                i++;
                continue;
            }
            tl_buf_append(out, s + run, i - run);
            if (esc)
                tl_buf_puts(out, esc);
            else
                put_u_escape(out, c);
            i++;
            run = i;
            continue;
        }
        uint32_t cp;
        size_t k = tl_js_decode(s + i, len - i, &cp);
        if (ensure_ascii) {
            tl_buf_append(out, s + run, i - run);
            if (cp >= 0x10000) {
                put_u_escape(out, 0xd800 + ((cp - 0x10000) >> 10));
                put_u_escape(out, 0xdc00 + ((cp - 0x10000) & 0x3ff));
            } else {
                put_u_escape(out, cp);
            }
            i += k;
            run = i;
        } else {
            i += k;
        }
    }
    tl_buf_append(out, s + run, len - run);
    tl_buf_putc(out, '"');
}

static void put_padding(tl_buf *out, size_t spaces, size_t depth)
{
    tl_buf_putc(out, '\n');
    size_t total;
    if (!tl_size_mul(spaces, depth, &total)) {
        total = SIZE_MAX; /* latches the output limit below */
    }
    while (total > 0 && out->status == TABLLM_OK) {
        static const char blanks[64] =
            "                                                               ";
        size_t k = total < 63 ? total : 63;
        tl_buf_append(out, blanks, k);
        total -= k;
    }
}

int tl_jv_to_json(tl_jrender *r, const tl_jnode *n, const tl_jv *v, const tl_jjson_opts *o,
                  size_t depth, tl_buf *out)
{
    if (depth > r->caps.max_depth)
        return tl_jr_fail(r, n, TABLLM_ERR_LIMIT_EXCEEDED,
                          "a value nests deeper than the limit of %zu levels", r->caps.max_depth);
    switch (v->kind) {
    case JV_NULL:
        tl_buf_puts(out, "null");
        break;
    case JV_UNDEF:
        tl_buf_puts(out, o->undefined_as_null ? "null" : "undefined");
        break;
    case JV_BOOL:
        tl_buf_puts(out, v->u.b ? "true" : "false");
        break;
    case JV_INT:
    case JV_FLOAT:
        if (isfinite(v->u.n))
            put_number(out, v->u.n);
        else
            tl_buf_puts(out, "null");
        break;
    case JV_STR:
        tl_jv_json_quote(v->u.s.p, v->u.s.len, o->ensure_ascii, out);
        break;
    case JV_FUNC:
        return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT,
                          "a function cannot be converted to JSON");
    default: {
        if ((v->kind == JV_ARRAY && (v->flags & JV_TUPLE)) ||
            (v->kind == JV_OBJECT && (v->flags & JV_KWARGS)))
            return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT,
                              "a %s cannot be converted to JSON (the reference refuses it)",
                              tl_jv_type_name(v));
        if (o->indent_set && (o->indent < 0 || o->indent > (double)r->caps.max_output_bytes))
            return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT, "tojson: invalid indent %g",
                              o->indent);
        size_t spaces = o->indent_set && o->indent != 0 ? (size_t)o->indent : 0;
        bool indent = spaces > 0;
        if (v->kind == JV_ARRAY) {
            const tl_jarr *a = v->u.a;
            tl_buf_putc(out, '[');
            for (size_t i = 0; i < a->n; i++) {
                if (i)
                    tl_buf_append(out, o->item_sep, o->item_sep_len);
                if (indent)
                    put_padding(out, spaces, depth + 1);
                if (tl_jv_to_json(r, n, &a->v[i], o, depth + 1, out) != JR_OK)
                    return JR_ERR;
                if (out->status != TABLLM_OK)
                    break;
            }
            if (indent && a->n > 0)
                put_padding(out, spaces, depth);
            tl_buf_putc(out, ']');
        } else {
            const tl_jmap *m = v->u.m;
            tl_buf_putc(out, '{');
            for (size_t i = 0; i < m->n; i++) {
                if (i)
                    tl_buf_append(out, o->item_sep, o->item_sep_len);
                if (indent)
                    put_padding(out, spaces, depth + 1);
                tl_jv_json_quote(m->keys[i], m->klen[i], o->ensure_ascii, out);
                tl_buf_append(out, o->key_sep, o->key_sep_len);
                if (tl_jv_to_json(r, n, &m->vals[i], o, depth + 1, out) != JR_OK)
                    return JR_ERR;
                if (out->status != TABLLM_OK)
                    break;
            }
            if (indent && m->n > 0)
                put_padding(out, spaces, depth);
            tl_buf_putc(out, '}');
        }
        break;
    }
    }
    return tl_jr_buf_check(r, n, out);
}
