/* Filters and tests: Interpreter.applyFilter() and Environment.TESTS of
 * @huggingface/jinja. Which filter exists depends on the operand's type there
 * (`length` on a string, a list or a dict, but not on none); the same holds
 * here, with the same outcomes. */
#include <math.h>
#include <string.h>

#include "base/alloc.h"
#include "chat/eval.h"
#include "chat/jsstr.h"

/* Every filter name the reference implements for some type: others are
 * reported as unsupported rather than misapplied. */
static bool known_filter(const char *s, size_t len)
{
    static const char *const names[] = {
        "safe",       "tojson", "list",    "first", "last",   "length", "reverse",    "sort",
        "join",       "string", "unique",  "upper", "lower",  "title",  "capitalize", "trim",
        "indent",     "int",    "float",   "abs",   "items",  "bool",   "default",    "selectattr",
        "rejectattr", "map",    "replace", "keys",  "values", "get",    "dictsort",   NULL,
    };
    for (const char *const *n = names; *n; n++)
        if (name_is(s, len, *n))
            return true;
    return false;
}

static int filter_error(tl_jrender *r, const tl_jnode *n, const char *name, size_t len,
                        const tl_jv *operand)
{
    if (!known_filter(name, len))
        return tl_jr_fail(r, n, TABLLM_ERR_UNSUPPORTED, "the filter '%.*s' is not supported",
                          (int)len, name);
    return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT,
                      "the filter '%.*s' cannot be applied to a %s", (int)len, name,
                      tl_jv_type_name(operand));
}

/* ---- filters without arguments ----------------------------------------------- */

static int to_json_default(tl_jrender *r, const tl_jnode *n, const tl_jv *v, bool undef_as_null,
                           tl_jv *out)
{
    tl_jjson_opts o = {false, 0, false, ", ", ": ", 2, 2, undef_as_null};
    tl_buf b = tl_jr_buf(r);
    if (tl_jv_to_json(r, n, v, &o, 0, &b) != JR_OK) {
        tl_buf_free(&b);
        return JR_ERR;
    }
    return tl_jv_from_buf(r, n, &b, out);
}

/* A hash of what SameValueZero compares: the type and the string, number or
 * identity. */
static uint64_t value_hash(const tl_jv *v)
{
    uint64_t h = 1469598103934665603ull ^ (uint64_t)(v->kind == JV_FLOAT ? JV_INT : v->kind);
    const unsigned char *p;
    size_t len;
    double d;
    switch (v->kind) {
    case JV_STR:
        p = (const unsigned char *)v->u.s.p;
        len = v->u.s.len;
        break;
    case JV_INT:
    case JV_FLOAT:
        d = v->u.n == 0 ? 0 : isnan(v->u.n) ? NAN : v->u.n;
        p = (const unsigned char *)&d;
        len = sizeof d;
        break;
    case JV_BOOL:
        p = (const unsigned char *)&v->u.b;
        len = sizeof v->u.b;
        break;
    case JV_UNDEF:
    case JV_NULL:
        len = 0;
        p = NULL;
        break;
    default:
        p = (const unsigned char *)&v->u.a; /* identity */
        len = sizeof(void *);
        break;
    }
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

static int unique(tl_jrender *r, const tl_jnode *n, const tl_jarr *a, tl_jv *out)
{
    if (tl_jv_make_array(r, n, a->n, out) != JR_OK)
        return JR_ERR;
    size_t cap = 16;
    while (cap < a->n * 2)
        cap *= 2;
    size_t *table = tl_jr_alloc(r, n, cap * sizeof(size_t));
    if (table == NULL)
        return JR_ERR;
    for (size_t i = 0; i < cap; i++)
        table[i] = SIZE_MAX;
    size_t k = 0;
    for (size_t i = 0; i < a->n; i++) {
        size_t h = (size_t)value_hash(&a->v[i]) & (cap - 1);
        bool seen = false;
        for (; table[h] != SIZE_MAX; h = (h + 1) & (cap - 1))
            if (tl_jv_same_value_zero(&out->u.a->v[table[h]], &a->v[i])) {
                seen = true;
                break;
            }
        if (seen)
            continue;
        table[h] = k;
        out->u.a->v[k++] = a->v[i];
    }
    out->u.a->n = k;
    return JR_OK;
}

static int indent_lines(tl_jrender *r, const tl_jnode *n, const tl_jv *s, const char *pad,
                        size_t pad_len, bool first, bool blank, tl_jv *out)
{
    tl_buf b = tl_jr_buf(r);
    const char *p = s->u.s.p, *end = p + s->u.s.len;
    for (size_t line = 0;; line++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end;
        bool skip = (!first && line == 0) || (!blank && e == p);
        if (!skip)
            tl_buf_append(&b, pad, pad_len);
        tl_buf_append(&b, p, (size_t)(e - p));
        if (nl == NULL)
            break;
        tl_buf_putc(&b, '\n');
        p = nl + 1;
    }
    return tl_jv_from_buf(r, n, &b, out);
}

static int string_filter(tl_jrender *r, const tl_jnode *n, const char *name, size_t len,
                         const tl_jv *v, tl_jv *out)
{
    tl_jargs none = {NULL, 0};
    if (name_is(name, len, "length") || name_is(name, len, "upper") ||
        name_is(name, len, "lower") || name_is(name, len, "title") ||
        name_is(name, len, "capitalize")) {
        if (name_is(name, len, "length")) {
            *out = tl_jv_num(JV_INT, (double)tl_js_utf16_len(v->u.s.p, v->u.s.len));
            return JR_OK;
        }
        char m[16];
        memcpy(m, name, len);
        m[len] = '\0';
        return tl_jb_string_method(r, n, v, m, &none, out);
    }
    if (name_is(name, len, "trim"))
        return tl_jb_string_method(r, n, v, "strip", &none, out);
    if (name_is(name, len, "indent"))
        return indent_lines(r, n, v, "    ", 4, false, false, out);
    if (name_is(name, len, "join") || name_is(name, len, "string")) {
        *out = *v;
        return JR_OK;
    }
    if (name_is(name, len, "int")) {
        double d = tl_js_parse_int(v->u.s.p, v->u.s.len);
        *out = tl_jv_num(JV_INT, isnan(d) ? 0 : d);
        return JR_OK;
    }
    if (name_is(name, len, "float")) {
        double d = tl_js_parse_float(v->u.s.p, v->u.s.len);
        *out = tl_jv_num(JV_FLOAT, isnan(d) ? 0 : d);
        return JR_OK;
    }
    return filter_error(r, n, name, len, v);
}

static int plain_filter(tl_jrender *r, const tl_jnode *f, const tl_jv *v, tl_jv *out)
{
    const char *name = f->str;
    size_t len = f->len;
    if (name_is(name, len, "safe")) {
        *out = *v;
        return JR_OK;
    }
    if (name_is(name, len, "tojson"))
        return to_json_default(r, f, v, true, out);
    switch (v->kind) {
    case JV_ARRAY: {
        const tl_jarr *a = v->u.a;
        if (name_is(name, len, "list")) {
            *out = *v;
        } else if (name_is(name, len, "first")) {
            *out = a->n ? a->v[0] : tl_jv_undef();
        } else if (name_is(name, len, "last")) {
            *out = a->n ? a->v[a->n - 1] : tl_jv_undef();
        } else if (name_is(name, len, "length")) {
            *out = tl_jv_num(JV_INT, (double)a->n);
        } else if (name_is(name, len, "reverse")) {
            if (tl_jv_make_array(r, f, a->n, out) != JR_OK)
                return JR_ERR;
            for (size_t i = 0; i < a->n; i++)
                out->u.a->v[i] = a->v[a->n - 1 - i];
        } else if (name_is(name, len, "sort")) {
            tl_jsort_ctx ctx = {false, false, NULL, 0};
            return tl_jf_sorted_copy(r, f, a, &ctx, out);
        } else if (name_is(name, len, "join")) {
            tl_buf b = tl_jr_buf(r);
            if (tl_jv_join(r, f, a->v, a->n, "", 0, &b) != JR_OK) {
                tl_buf_free(&b);
                return JR_ERR;
            }
            return tl_jv_from_buf(r, f, &b, out);
        } else if (name_is(name, len, "string")) {
            return to_json_default(r, f, v, false, out);
        } else if (name_is(name, len, "unique")) {
            return unique(r, f, a, out);
        } else {
            return filter_error(r, f, name, len, v);
        }
        return JR_OK;
    }
    case JV_STR:
        return string_filter(r, f, name, len, v, out);
    case JV_INT:
    case JV_FLOAT:
        if (name_is(name, len, "abs")) {
            *out = tl_jv_num((tl_jv_kind)v->kind, fabs(v->u.n));
        } else if (name_is(name, len, "int")) {
            *out = tl_jv_num(JV_INT, floor(v->u.n));
        } else if (name_is(name, len, "float")) {
            *out = tl_jv_num(JV_FLOAT, v->u.n);
        } else if (name_is(name, len, "string")) {
            tl_buf b = tl_jr_buf(r);
            if (tl_jv_print(r, f, v, &b) != JR_OK) {
                tl_buf_free(&b);
                return JR_ERR;
            }
            return tl_jv_from_buf(r, f, &b, out);
        } else {
            return filter_error(r, f, name, len, v);
        }
        return JR_OK;
    case JV_OBJECT:
        if (name_is(name, len, "items"))
            return tl_jb_dict_items(r, f, v->u.m, out);
        if (name_is(name, len, "length")) {
            *out = tl_jv_num(JV_INT, (double)v->u.m->n);
            return JR_OK;
        }
        if (name_is(name, len, "get") || name_is(name, len, "keys") ||
            name_is(name, len, "values") || name_is(name, len, "dictsort")) {
            tl_jargs none = {NULL, 0};
            char m[16];
            memcpy(m, name, len);
            m[len] = '\0';
            return tl_jb_dict_method(r, f, v, m, &none, out);
        }
        return filter_error(r, f, name, len, v);
    case JV_BOOL:
        if (name_is(name, len, "bool"))
            *out = *v;
        else if (name_is(name, len, "int"))
            *out = tl_jv_num(JV_INT, v->u.b ? 1 : 0);
        else if (name_is(name, len, "float"))
            *out = tl_jv_num(JV_FLOAT, v->u.b ? 1 : 0);
        else if (name_is(name, len, "string"))
            *out = tl_jv_str_ref(v->u.b ? "true" : "false", v->u.b ? 4 : 5);
        else
            return filter_error(r, f, name, len, v);
        return JR_OK;
    default:
        return filter_error(r, f, name, len, v);
    }
}

/* ---- filters with arguments ------------------------------------------------------ */

/* args[i] ?? kwargs[name] ?? NULL */
static const tl_jv *arg_or_kw(const tl_jargs *a, size_t i, const tl_jv *kw, const char *name)
{
    if (i < a->n)
        return &a->v[i];
    if (kw->kind != JV_UNDEF)
        return tl_jmap_get(kw->u.m, name, strlen(name));
    return NULL;
}

/* JavaScript truthiness of the underlying value: every object is true. */
static bool raw_truthy(const tl_jv *v)
{
    if (v->kind == JV_ARRAY || v->kind == JV_OBJECT || v->kind == JV_NS || v->kind == JV_FUNC)
        return true;
    return tl_jv_truthy(v);
}

static int bool_arg(tl_jrender *r, const tl_jnode *n, const tl_jv *v, const char *what, bool def,
                    bool *out)
{
    if (v == NULL) {
        *out = def;
        return JR_OK;
    }
    if (v->kind != JV_BOOL)
        return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT, "%s must be a boolean, not a %s", what,
                          tl_jv_type_name(v));
    *out = v->u.b;
    return JR_OK;
}

static int tojson_call(tl_jrender *r, const tl_jnode *n, const tl_jv *v, const tl_jv *kw,
                       tl_jv *out)
{
    tl_jargs none = {NULL, 0};
    tl_jjson_opts o = {false, 0, false, ", ", ": ", 2, 2, true};
    const tl_jv *indent = arg_or_kw(&none, 0, kw, "indent");
    if (indent && indent->kind != JV_NULL) {
        if (indent->kind != JV_INT)
            return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT,
                              "tojson: indent must be an integer");
        o.indent_set = true;
        o.indent = isnan(indent->u.n) ? 0 : trunc(indent->u.n);
    }
    bool sort_keys = false;
    if (bool_arg(r, n, arg_or_kw(&none, 0, kw, "ensure_ascii"), "tojson: ensure_ascii", false,
                 &o.ensure_ascii) != JR_OK ||
        bool_arg(r, n, arg_or_kw(&none, 0, kw, "sort_keys"), "tojson: sort_keys", false,
                 &sort_keys) != JR_OK)
        return JR_ERR;
    if (sort_keys)
        return tl_jr_fail(
            r, n, TABLLM_ERR_UNSUPPORTED,
            "tojson(sort_keys=true) is not supported (the reference sorts by locale)");
    const tl_jv *sep = arg_or_kw(&none, 0, kw, "separators");
    if (sep && sep->kind != JV_NULL) {
        if (sep->kind != JV_ARRAY || sep->u.a->n != 2 || sep->u.a->v[0].kind != JV_STR ||
            sep->u.a->v[1].kind != JV_STR)
            return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT,
                              "tojson: separators must be a pair of strings");
        o.item_sep = sep->u.a->v[0].u.s.p;
        o.item_sep_len = sep->u.a->v[0].u.s.len;
        o.key_sep = sep->u.a->v[1].u.s.p;
        o.key_sep_len = sep->u.a->v[1].u.s.len;
    } else if (o.indent_set && o.indent != 0) {
        o.item_sep = ",";
        o.item_sep_len = 1;
    }
    tl_buf b = tl_jr_buf(r);
    if (tl_jv_to_json(r, n, v, &o, 0, &b) != JR_OK) {
        tl_buf_free(&b);
        return JR_ERR;
    }
    return tl_jv_from_buf(r, n, &b, out);
}

static int join_call(tl_jrender *r, const tl_jnode *n, const tl_jv *v, const tl_jargs *a,
                     const tl_jv *kw, tl_jv *out)
{
    if (v->kind != JV_STR && v->kind != JV_ARRAY)
        return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT,
                          "the filter 'join' cannot be applied to a %s", tl_jv_type_name(v));
    const tl_jv *sep = arg_or_kw(a, 0, kw, "separator");
    if (sep && sep->kind != JV_STR)
        return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT,
                          "join: the separator must be a string");
    const char *s = sep ? sep->u.s.p : "";
    size_t slen = sep ? sep->u.s.len : 0;
    tl_buf b = tl_jr_buf(r);
    if (v->kind == JV_ARRAY) {
        if (tl_jv_join(r, n, v->u.a->v, v->u.a->n, s, slen, &b) != JR_OK) {
            tl_buf_free(&b);
            return JR_ERR;
        }
    } else {
        for (size_t i = 0; i < v->u.s.len;) {
            uint32_t cp;
            size_t k = tl_js_decode(v->u.s.p + i, v->u.s.len - i, &cp);
            if (i)
                tl_buf_append(&b, s, slen);
            tl_buf_append(&b, v->u.s.p + i, k);
            i += k;
        }
    }
    return tl_jv_from_buf(r, n, &b, out);
}

static int select_call(tl_jrender *r, const tl_jnode *f, const tl_jv *v, bool select, tl_jscope *sc,
                       tl_jv *out)
{
    const tl_jarr *a = v->u.a;
    for (size_t i = 0; i < a->n; i++)
        if (a->v[i].kind != JV_OBJECT && a->v[i].kind != JV_NS)
            return tl_jr_fail(r, f, TABLLM_ERR_INVALID_ARGUMENT,
                              "%s can only filter a list of dicts",
                              select ? "selectattr" : "rejectattr");
    for (size_t i = 0; i < f->n_list; i++)
        if (f->list[i]->kind != N_STRING)
            return tl_jr_fail(r, f->list[i], TABLLM_ERR_INVALID_ARGUMENT,
                              "the arguments of %s must be string literals",
                              select ? "selectattr" : "rejectattr");
    if (f->n_list == 0)
        return tl_jr_fail(r, f, TABLLM_ERR_INVALID_ARGUMENT, "%s needs an attribute name",
                          select ? "selectattr" : "rejectattr");
    (void)sc;
    const tl_jnode *attr = f->list[0];
    const tl_jnode *test = f->n_list > 1 ? f->list[1] : NULL;
    tl_jv value = f->n_list > 2 ? tl_jv_str_ref(f->list[2]->str, f->list[2]->len) : tl_jv_undef();
    if (test && !tl_jt_lookup(test->str, test->len))
        return tl_jr_fail(r, test, TABLLM_ERR_UNSUPPORTED, "the test '%.*s' is not supported",
                          (int)test->len, test->str);
    if (tl_jv_make_array(r, f, a->n, out) != JR_OK)
        return JR_ERR;
    size_t k = 0;
    for (size_t i = 0; i < a->n; i++) {
        tl_jv *field = tl_jmap_get(a->v[i].u.m, attr->str, attr->len);
        bool res = false;
        if (field != NULL) {
            if (test == NULL)
                res = tl_jv_truthy(field);
            else if (tl_jt_run(r, test, test->str, test->len, field, f->n_list > 2 ? &value : NULL,
                               &res) != JR_OK)
                return JR_ERR;
        }
        if (res == select)
            out->u.a->v[k++] = a->v[i];
    }
    out->u.a->n = k;
    return JR_OK;
}

static int map_call(tl_jrender *r, const tl_jnode *n, const tl_jv *v, const tl_jv *kw, tl_jv *out)
{
    const tl_jv *attr = kw->kind != JV_UNDEF ? tl_jmap_get(kw->u.m, "attribute", 9) : NULL;
    if (attr == NULL)
        return tl_jr_fail(r, n, TABLLM_ERR_UNSUPPORTED,
                          "map() is supported only with attribute=... (as in the reference)");
    if (attr->kind != JV_STR)
        return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT, "map: attribute must be a string");
    const tl_jv *def = tl_jmap_get(kw->u.m, "default", 7);
    const tl_jarr *a = v->u.a;
    if (tl_jv_make_array(r, n, a->n, out) != JR_OK)
        return JR_ERR;
    for (size_t i = 0; i < a->n; i++) {
        if (a->v[i].kind != JV_OBJECT && a->v[i].kind != JV_NS)
            return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT, "map: the items must be dicts");
        tl_jv x = tl_jf_attribute_path(&a->v[i], attr->u.s.p, attr->u.s.len);
        out->u.a->v[i] = x.kind == JV_UNDEF && def ? *def : x;
    }
    return JR_OK;
}

static int sort_call(tl_jrender *r, const tl_jnode *n, const tl_jv *v, const tl_jargs *a,
                     const tl_jv *kw, tl_jv *out)
{
    tl_jsort_ctx ctx = {false, false, NULL, 0};
    if (bool_arg(r, n, arg_or_kw(a, 0, kw, "reverse"), "sort: reverse", false, &ctx.reverse) !=
            JR_OK ||
        bool_arg(r, n, arg_or_kw(a, 1, kw, "case_sensitive"), "sort: case_sensitive", false,
                 &ctx.case_sensitive) != JR_OK)
        return JR_ERR;
    const tl_jv *attr = arg_or_kw(a, 2, kw, "attribute");
    char num[40];
    if (attr && attr->kind == JV_STR) {
        ctx.attr = attr->u.s.p;
        ctx.attr_len = attr->u.s.len;
    } else if (attr && attr->kind == JV_INT) {
        ctx.attr_len = tl_js_number_to_string(attr->u.n, num);
        ctx.attr = num;
    } else if (attr && attr->kind != JV_NULL) {
        return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT,
                          "sort: attribute must be a string, an integer or none");
    }
    return tl_jf_sorted_copy(r, n, v->u.a, &ctx, out);
}

static int indent_call(tl_jrender *r, const tl_jnode *n, const tl_jv *v, const tl_jargs *a,
                       const tl_jv *kw, tl_jv *out)
{
    const tl_jv *width = arg_or_kw(a, 0, kw, "width");
    const tl_jv *first = arg_or_kw(a, 1, kw, "first");
    const tl_jv *blank = arg_or_kw(a, 2, kw, "blank");
    double w = 4;
    if (width) {
        if (width->kind != JV_INT)
            return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT,
                              "indent: width must be an integer");
        w = isnan(width->u.n) ? 0 : trunc(width->u.n);
    }
    if (w < 0 || w > (double)r->caps.max_output_bytes)
        return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT, "indent: invalid width");
    size_t pad_len = (size_t)w;
    char *pad = tl_jr_alloc(r, n, pad_len + 1);
    if (pad == NULL)
        return JR_ERR;
    memset(pad, ' ', pad_len);
    return indent_lines(r, n, v, pad, pad_len, first && raw_truthy(first),
                        blank && raw_truthy(blank), out);
}

static int call_filter(tl_jrender *r, const tl_jnode *f, const tl_jv *v, tl_jscope *sc, tl_jv *out)
{
    const tl_jnode *callee = f->a;
    if (callee->kind != N_IDENT)
        return tl_jr_fail(r, f, TABLLM_ERR_UNSUPPORTED,
                          "a filter must be a name or a call of a name");
    const char *name = callee->str;
    size_t len = callee->len;
    tl_jargs a;
    tl_jv kw;
    if (name_is(name, len, "selectattr") || name_is(name, len, "rejectattr")) {
        if (v->kind != JV_ARRAY)
            return filter_error(r, f, name, len, v);
        return select_call(r, f, v, name[0] == 's', sc, out);
    }
    if (tl_jev_arguments(r, f, f->list, f->n_list, sc, &a, &kw) != JR_OK)
        return JR_ERR;
    if (name_is(name, len, "tojson"))
        return tojson_call(r, f, v, &kw, out);
    if (name_is(name, len, "join"))
        return join_call(r, f, v, &a, &kw, out);
    if (name_is(name, len, "int") || name_is(name, len, "float")) {
        bool is_int = name[0] == 'i';
        const tl_jv *def = arg_or_kw(&a, 0, &kw, "default");
        tl_jv zero = tl_jv_num(is_int ? JV_INT : JV_FLOAT, 0);
        if (v->kind == JV_STR) {
            double d = is_int ? tl_js_parse_int(v->u.s.p, v->u.s.len)
                              : tl_js_parse_float(v->u.s.p, v->u.s.len);
            *out = isnan(d) ? (def ? *def : zero) : tl_jv_num(is_int ? JV_INT : JV_FLOAT, d);
        } else if (tl_jv_is_number(v)) {
            *out = *v;
        } else if (v->kind == JV_BOOL) {
            *out = tl_jv_num(is_int ? JV_INT : JV_FLOAT, v->u.b ? 1 : 0);
        } else {
            return filter_error(r, f, name, len, v);
        }
        return JR_OK;
    }
    if (name_is(name, len, "default")) {
        const tl_jv *def = a.n > 0 ? &a.v[0] : NULL;
        bool boolean = false;
        if (bool_arg(r, f, arg_or_kw(&a, 1, &kw, "boolean"), "default: boolean", false, &boolean) !=
            JR_OK)
            return JR_ERR;
        if (v->kind == JV_UNDEF || (boolean && !tl_jv_truthy(v)))
            *out = def ? *def : tl_jv_str_ref("", 0);
        else
            *out = *v;
        return JR_OK;
    }
    if (v->kind == JV_ARRAY) {
        if (name_is(name, len, "sort"))
            return sort_call(r, f, v, &a, &kw, out);
        if (name_is(name, len, "map"))
            return map_call(r, f, v, &kw, out);
        return filter_error(r, f, name, len, v);
    }
    if (v->kind == JV_STR) {
        if (name_is(name, len, "indent"))
            return indent_call(r, f, v, &a, &kw, out);
        if (name_is(name, len, "replace")) {
            if (kw.kind == JV_UNDEF) {
                if (tl_jv_make_object(r, f, JV_OBJECT, &kw) != JR_OK)
                    return JR_ERR;
                kw.flags = JV_KWARGS;
            }
            if (tl_jargs_push(r, f, &a, kw) != JR_OK)
                return JR_ERR;
            return tl_jb_string_method(r, f, v, "replace", &a, out);
        }
        return filter_error(r, f, name, len, v);
    }
    if (v->kind == JV_OBJECT) {
        static const char *const methods[] = {"get", "items", "keys", "values", "dictsort", NULL};
        for (const char *const *m = methods; *m; m++) {
            if (!name_is(name, len, *m))
                continue;
            if (kw.kind != JV_UNDEF && kw.u.m->n > 0 && tl_jargs_push(r, f, &a, kw) != JR_OK)
                return JR_ERR;
            return tl_jb_dict_method(r, f, v, *m, &a, out);
        }
    }
    return filter_error(r, f, name, len, v);
}

int tl_jf_apply(tl_jrender *r, const tl_jnode *filter, const tl_jv *operand, tl_jscope *sc,
                tl_jv *out)
{
    if (filter->kind == N_IDENT)
        return plain_filter(r, filter, operand, out);
    if (filter->kind == N_CALL)
        return call_filter(r, filter, operand, sc, out);
    return tl_jr_fail(r, filter, TABLLM_ERR_UNSUPPORTED,
                      "a filter must be a name or a call of a name");
}
