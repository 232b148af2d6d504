/* Comparison and sorting (compareRuntimeValues of the reference: numbers
 * with numbers, strings with strings, case-insensitively by default; a stable
 * sort as JavaScript's), attribute paths ("meta.score"), and the tests of
 * `is` (Environment.TESTS). */
#include <math.h>
#include <string.h>

#include "chat/eval.h"
#include "chat/jsstr.h"

/* ---- comparison and sorting ------------------------------------------------ */

static bool numeric_like(const tl_jv *v)
{
    return v->kind == JV_INT || v->kind == JV_FLOAT || v->kind == JV_BOOL;
}

static double num_of(const tl_jv *v)
{
    return v->kind == JV_BOOL ? (v->u.b ? 1 : 0) : v->u.n;
}

/* the reference compares value.type strings: a tuple is not a list there */
static int type_code(const tl_jv *v)
{
    return v->kind * 4 + (v->flags & (JV_TUPLE | JV_KWARGS));
}

int tl_jv_compare(tl_jrender *r, const tl_jnode *n, const tl_jv *a, const tl_jv *b,
                  bool case_sensitive, int *cmp)
{
    *cmp = 0;
    if (a->kind == JV_NULL && b->kind == JV_NULL)
        return JR_OK;
    if (a->kind == JV_NULL || b->kind == JV_NULL || (a->kind == JV_UNDEF) != (b->kind == JV_UNDEF))
        return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT, "cannot compare a %s with a %s",
                          tl_jv_type_name(a), tl_jv_type_name(b));
    if (a->kind == JV_UNDEF)
        return JR_OK;
    if (numeric_like(a) && numeric_like(b)) {
        double x = num_of(a), y = num_of(b);
        *cmp = x < y ? -1 : x > y ? 1 : 0;
        return JR_OK;
    }
    if (type_code(a) != type_code(b))
        return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT, "cannot compare a %s with a %s",
                          tl_jv_type_name(a), tl_jv_type_name(b));
    if (a->kind != JV_STR)
        return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT, "cannot compare values of type %s",
                          tl_jv_type_name(a));
    if (case_sensitive) {
        *cmp = tl_js_compare(a->u.s.p, a->u.s.len, b->u.s.p, b->u.s.len);
        return JR_OK;
    }
    tl_buf la = tl_jr_buf(r), lb = tl_jr_buf(r);
    tl_js_to_lower(a->u.s.p, a->u.s.len, &la);
    tl_js_to_lower(b->u.s.p, b->u.s.len, &lb);
    int rc = tl_jr_buf_check(r, n, &la);
    if (rc == JR_OK)
        rc = tl_jr_buf_check(r, n, &lb);
    if (rc == JR_OK)
        *cmp = tl_js_compare(la.data ? la.data : "", la.len, lb.data ? lb.data : "", lb.len);
    tl_buf_free(&la);
    tl_buf_free(&lb);
    return rc;
}

int tl_jv_sort(tl_jrender *r, const tl_jnode *n, tl_jv *v, size_t count, tl_jcmp_fn cmp, void *ctx)
{
    if (count < 2)
        return JR_OK;
    tl_jv *tmp = tl_jr_alloc(r, n, count * sizeof(tl_jv));
    if (tmp == NULL)
        return JR_ERR;
    /* bottom-up merge sort: stable, O(n log n) comparisons */
    for (size_t width = 1; width < count; width *= 2) {
        for (size_t lo = 0; lo < count; lo += 2 * width) {
            size_t mid = lo + width < count ? lo + width : count;
            size_t hi = lo + 2 * width < count ? lo + 2 * width : count;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) {
                int c;
                if (cmp(r, n, &v[j], &v[i], ctx, &c) != JR_OK)
                    return JR_ERR;
                tmp[k++] = c < 0 ? v[j++] : v[i++];
            }
            while (i < mid)
                tmp[k++] = v[i++];
            while (j < hi)
                tmp[k++] = v[j++];
        }
        memcpy(v, tmp, count * sizeof(tl_jv));
        if (width > SIZE_MAX / 2)
            break;
    }
    return JR_OK;
}

/* getAttributeValue(): "a.b.0" through dicts, namespaces and lists. */
tl_jv tl_jf_attribute_path(const tl_jv *item, const char *path, size_t len)
{
    tl_jv v = *item;
    size_t start = 0;
    for (;;) {
        size_t end = start;
        while (end < len && path[end] != '.')
            end++;
        if (v.kind == JV_OBJECT || v.kind == JV_NS) {
            tl_jv *f = tl_jmap_get(v.u.m, path + start, end - start);
            v = f ? *f : tl_jv_undef();
        } else if (v.kind == JV_ARRAY) {
            double idx = tl_js_parse_int(path + start, end - start);
            if (isnan(idx) || idx < 0 || idx >= (double)v.u.a->n)
                return tl_jv_undef();
            v = v.u.a->v[(size_t)idx];
        } else {
            return tl_jv_undef();
        }
        if (end >= len)
            return v;
        start = end + 1;
    }
}

static int sort_cmp(tl_jrender *r, const tl_jnode *n, const tl_jv *a, const tl_jv *b, void *ctx,
                    int *cmp)
{
    const tl_jsort_ctx *s = ctx;
    tl_jv x = *a, y = *b;
    if (s->attr) {
        x = tl_jf_attribute_path(a, s->attr, s->attr_len);
        y = tl_jf_attribute_path(b, s->attr, s->attr_len);
    }
    if (tl_jv_compare(r, n, &x, &y, s->case_sensitive, cmp) != JR_OK)
        return JR_ERR;
    if (s->reverse)
        *cmp = -*cmp;
    return JR_OK;
}

int tl_jf_sorted_copy(tl_jrender *r, const tl_jnode *n, const tl_jarr *a, tl_jsort_ctx *ctx,
                      tl_jv *out)
{
    if (tl_jv_make_array(r, n, a->n, out) != JR_OK)
        return JR_ERR;
    memcpy(out->u.a->v, a->v, a->n * sizeof(tl_jv));
    return tl_jv_sort(r, n, out->u.a->v, a->n, sort_cmp, ctx);
}

/* ---- tests ------------------------------------------------------------------ */

static const char *const test_names[] = {
    "boolean", "callable", "odd",       "even",     "false",   "true",     "none",
    "string",  "number",   "integer",   "iterable", "mapping", "sequence", "lower",
    "upper",   "defined",  "undefined", "equalto",  "eq",      NULL,
};

bool tl_jt_lookup(const char *name, size_t len)
{
    for (const char *const *t = test_names; *t; t++)
        if (name_is(name, len, *t))
            return true;
    return false;
}

static int case_test(tl_jrender *r, const tl_jnode *n, const tl_jv *v, bool upper, bool *res)
{
    *res = false;
    if (v->kind != JV_STR)
        return JR_OK;
    tl_buf b = tl_jr_buf(r);
    if (upper)
        tl_js_to_upper(v->u.s.p, v->u.s.len, &b);
    else
        tl_js_to_lower(v->u.s.p, v->u.s.len, &b);
    int rc = tl_jr_buf_check(r, n, &b);
    if (rc == JR_OK)
        *res = b.len == v->u.s.len && (b.len == 0 || memcmp(b.data, v->u.s.p, b.len) == 0);
    tl_buf_free(&b);
    return rc;
}

int tl_jt_run(tl_jrender *r, const tl_jnode *n, const char *name, size_t len, const tl_jv *v,
              const tl_jv *arg, bool *res)
{
    uint8_t k = v->kind;
    *res = false;
    if (name_is(name, len, "boolean"))
        *res = k == JV_BOOL;
    else if (name_is(name, len, "callable"))
        *res = k == JV_FUNC;
    else if (name_is(name, len, "odd") || name_is(name, len, "even")) {
        if (k != JV_INT)
            return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT,
                              "the test '%.*s' needs an integer, not a %s", (int)len, name,
                              tl_jv_type_name(v));
        bool odd = fmod(v->u.n, 2) != 0;
        *res = name[0] == 'o' ? odd : !odd;
    } else if (name_is(name, len, "false"))
        *res = k == JV_BOOL && !v->u.b;
    else if (name_is(name, len, "true"))
        *res = k == JV_BOOL && v->u.b;
    else if (name_is(name, len, "none"))
        *res = k == JV_NULL;
    else if (name_is(name, len, "string"))
        *res = k == JV_STR;
    else if (name_is(name, len, "number"))
        *res = k == JV_INT || k == JV_FLOAT;
    else if (name_is(name, len, "integer"))
        *res = k == JV_INT;
    else if (name_is(name, len, "iterable"))
        *res = (k == JV_ARRAY && !(v->flags & JV_TUPLE)) || k == JV_STR;
    else if (name_is(name, len, "mapping"))
        *res = k == JV_OBJECT;
    else if (name_is(name, len, "sequence"))
        *res = k == JV_ARRAY || k == JV_OBJECT || k == JV_STR;
    else if (name_is(name, len, "lower"))
        return case_test(r, n, v, false, res);
    else if (name_is(name, len, "upper"))
        return case_test(r, n, v, true, res);
    else if (name_is(name, len, "defined"))
        *res = k != JV_UNDEF;
    else if (name_is(name, len, "undefined"))
        *res = k == JV_UNDEF;
    else if (name_is(name, len, "equalto") || name_is(name, len, "eq")) {
        if (arg == NULL)
            return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT,
                              "the test '%.*s' needs a value to compare with", (int)len, name);
        *res = tl_jv_strict_equal(v, arg);
    } else {
        return tl_jr_fail(r, n, TABLLM_ERR_UNSUPPORTED, "the test '%.*s' is not supported",
                          (int)len, name);
    }
    return JR_OK;
}
