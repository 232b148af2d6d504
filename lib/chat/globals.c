/* The global functions (namespace, raise_exception, range, strftime_now),
 * macros and call blocks with their argument binding (bindMacroArguments of
 * the reference), and the dispatch of every call. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "chat/eval.h"
#include "chat/jsstr.h"

/* ---- global functions --------------------------------------------------------- */

static int namespace_fn(tl_jrender *r, const tl_jnode *n, const tl_jargs *a, tl_jv *out)
{
    size_t npos = a->n;
    const tl_jv *kw = NULL;
    if (npos > 0 && a->v[npos - 1].kind == JV_OBJECT && (a->v[npos - 1].flags & JV_KWARGS))
        kw = &a->v[--npos];
    if (npos > 1)
        return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT,
                          "namespace() takes at most 1 argument, got %zu", npos);
    if (tl_jv_make_object(r, n, JV_NS, out) != JR_OK)
        return JR_ERR;
    if (npos == 1) {
        const tl_jv *src = &a->v[0];
        if (src->kind == JV_OBJECT) {
            for (size_t i = 0; i < src->u.m->n; i++)
                if (tl_jmap_set(r, n, out->u.m, src->u.m->keys[i], src->u.m->klen[i],
                                src->u.m->vals[i]) != JR_OK)
                    return JR_ERR;
        } else if (src->kind == JV_ARRAY) {
            for (size_t i = 0; i < src->u.a->n; i++) {
                const tl_jv *pair = &src->u.a->v[i];
                tl_jv key, val;
                if (pair->kind == JV_ARRAY && pair->u.a->n == 2) {
                    key = pair->u.a->v[0];
                    val = pair->u.a->v[1];
                } else if (pair->kind == JV_STR) {
                    /* a two-character string is a (key, value) pair */
                    uint32_t cp;
                    size_t k = pair->u.s.len ? tl_js_decode(pair->u.s.p, pair->u.s.len, &cp) : 0;
                    size_t k2 = k < pair->u.s.len
                                    ? tl_js_decode(pair->u.s.p + k, pair->u.s.len - k, &cp)
                                    : 0;
                    if (k == 0 || k2 == 0 || k + k2 != pair->u.s.len)
                        return tl_jr_fail(
                            r, n, TABLLM_ERR_INVALID_ARGUMENT,
                            "namespace() expects a dict or a list of (key, value) pairs");
                    key = tl_jv_str_ref(pair->u.s.p, k);
                    val = tl_jv_str_ref(pair->u.s.p + k, k2);
                } else {
                    return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT,
                                      "namespace() expects a dict or a list of (key, value) pairs");
                }
                if (key.kind != JV_STR)
                    return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT,
                                      "namespace() keys must be strings");
                if (tl_jmap_set(r, n, out->u.m, key.u.s.p, key.u.s.len, val) != JR_OK)
                    return JR_ERR;
            }
        } else {
            return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT,
                              "namespace(): a %s is not iterable", tl_jv_type_name(src));
        }
    }
    if (kw)
        for (size_t i = 0; i < kw->u.m->n; i++)
            if (tl_jmap_set(r, n, out->u.m, kw->u.m->keys[i], kw->u.m->klen[i], kw->u.m->vals[i]) !=
                JR_OK)
                return JR_ERR;
    return JR_OK;
}

static int raise_fn(tl_jrender *r, const tl_jnode *n, const tl_jargs *a)
{
    tl_buf b = tl_jr_buf(r);
    if (a->n > 0 && a->v[0].kind != JV_UNDEF && tl_jv_raw_string(r, n, &a->v[0], &b) != JR_OK) {
        tl_buf_free(&b);
        return JR_ERR;
    }
    tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT, "raise_exception: %.*s",
               (int)(b.len > 600 ? 600 : b.len), b.data ? b.data : "");
    tl_buf_free(&b);
    return JR_ERR;
}

static int range_fn(tl_jrender *r, const tl_jnode *n, const tl_jargs *a, tl_jv *out)
{
    double x[3] = {0, 0, 1};
    if (a->n == 0 || a->n > 3)
        return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT, "range() takes 1 to 3 numbers");
    for (size_t i = 0; i < a->n; i++) {
        const tl_jv *v = &a->v[i];
        if (v->kind != JV_INT && v->kind != JV_FLOAT && v->kind != JV_BOOL)
            return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT,
                              "range() arguments must be numbers, not a %s", tl_jv_type_name(v));
        x[i] = v->kind == JV_BOOL ? (v->u.b ? 1 : 0) : v->u.n;
    }
    double start = a->n == 1 ? 0 : x[0], stop = a->n == 1 ? x[0] : x[1], step = x[2];
    if (step == 0)
        return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT, "range() step must not be zero");
    double span = (stop - start) / step;
    size_t count = 0;
    if (span > 0) {
        if (span > (double)r->caps.max_loop_iterations)
            return tl_jr_count_iterations(r, n, r->caps.max_loop_iterations + 1);
        count = (size_t)ceil(span);
    }
    if (tl_jr_count_iterations(r, n, count) != JR_OK ||
        tl_jv_make_array(r, n, count + 1, out) != JR_OK)
        return JR_ERR;
    size_t k = 0;
    /* the same floating-point steps as the reference's loop */
    for (double i = start; (step > 0 ? i < stop : i > stop) && k <= count; i += step)
        out->u.a->v[k++] = tl_jv_num(i == trunc(i) && isfinite(i) ? JV_INT : JV_FLOAT, i);
    out->u.a->n = k;
    return JR_OK;
}

static int strftime_fn(tl_jrender *r, const tl_jnode *n, const tl_jargs *a, tl_jv *out)
{
    if (a->n == 0 || a->v[0].kind != JV_STR)
        return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT,
                          "strftime_now() needs a format string");
    static const char *const months[] = {"January",   "February", "March",    "April",
                                         "May",       "June",     "July",     "August",
                                         "September", "October",  "November", "December"};
    time_t t = (time_t)r->now;
    struct tm tm;
    if (localtime_r(&t, &tm) == NULL)
        return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT, "strftime_now(): invalid time");
    const char *f = a->v[0].u.s.p;
    size_t len = a->v[0].u.s.len;
    tl_buf b = tl_jr_buf(r);
    for (size_t i = 0; i < len; i++) {
        if (f[i] != '%' || i + 1 >= len || !strchr("YmdbBHM%", f[i + 1]) || f[i + 1] == '\0') {
            tl_buf_putc(&b, f[i]);
            continue;
        }
        char c = f[++i];
        switch (c) {
        case 'Y':
            tl_buf_printf(&b, "%d", tm.tm_year + 1900);
            break;
        case 'm':
            tl_buf_printf(&b, "%02d", tm.tm_mon + 1);
            break;
        case 'd':
            tl_buf_printf(&b, "%02d", tm.tm_mday);
            break;
        case 'b':
            tl_buf_append(&b, months[tm.tm_mon], 3);
            break;
        case 'B':
            tl_buf_puts(&b, months[tm.tm_mon]);
            break;
        case 'H':
            tl_buf_printf(&b, "%02d", tm.tm_hour);
            break;
        case 'M':
            tl_buf_printf(&b, "%02d", tm.tm_min);
            break;
        default:
            tl_buf_putc(&b, '%');
            break;
        }
    }
    return tl_jv_from_buf(r, n, &b, out);
}

/* ---- macros --------------------------------------------------------------------- */

static int bind_arguments(tl_jrender *r, const tl_jnode *n, const char *display,
                          tl_jnode *const *params, size_t n_params, unsigned special,
                          const tl_jargs *args, tl_jscope *scope)
{
    size_t npos = args->n;
    const tl_jmap *kw = NULL;
    if (npos > 0 && args->v[npos - 1].kind == JV_OBJECT && (args->v[npos - 1].flags & JV_KWARGS))
        kw = args->v[--npos].u.m;
    bool *used = kw && kw->n ? tl_jr_alloc(r, n, kw->n * sizeof(bool)) : NULL;
    if (kw && kw->n && used == NULL)
        return JR_ERR;
    if (used)
        memset(used, 0, kw->n * sizeof(bool));
    for (size_t i = 0; i < n_params; i++) {
        const tl_jnode *p = params[i];
        tl_jv v = tl_jv_undef();
        bool have = i < npos;
        if (have) {
            v = args->v[i];
        } else if (kw) {
            for (size_t k = 0; k < kw->n; k++)
                if (!used[k] && kw->klen[k] == p->len && memcmp(kw->keys[k], p->str, p->len) == 0) {
                    v = kw->vals[k];
                    used[k] = true;
                    have = true;
                    break;
                }
        }
        if (tl_jmap_set(r, p, &scope->vars, p->str, p->len, v) != JR_OK)
            return JR_ERR;
    }
    size_t unused = 0, first_unused = 0;
    for (size_t k = 0; kw && k < kw->n; k++)
        if (!used[k] && unused++ == 0)
            first_unused = k;
    if (special & TL_JMACRO_KWARGS) {
        tl_jv obj;
        if (tl_jv_make_object(r, n, JV_OBJECT, &obj) != JR_OK)
            return JR_ERR;
        for (size_t k = 0; kw && k < kw->n; k++)
            if (!used[k] &&
                tl_jmap_set(r, n, obj.u.m, kw->keys[k], kw->klen[k], kw->vals[k]) != JR_OK)
                return JR_ERR;
        if (tl_jmap_set(r, n, &scope->vars, "kwargs", 6, obj) != JR_OK)
            return JR_ERR;
    } else if (unused > 0) {
        return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT,
                          "macro %s takes no keyword argument '%.*s'", display,
                          (int)kw->klen[first_unused], kw->keys[first_unused]);
    }
    if (special & TL_JMACRO_VARARGS) {
        tl_jv rest;
        size_t extra = npos > n_params ? npos - n_params : 0;
        if (tl_jv_make_array(r, n, extra, &rest) != JR_OK)
            return JR_ERR;
        for (size_t i = 0; i < extra; i++)
            rest.u.a->v[i] = args->v[n_params + i];
        if (tl_jmap_set(r, n, &scope->vars, "varargs", 7, rest) != JR_OK)
            return JR_ERR;
    } else if (npos > n_params) {
        return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT,
                          "macro %s takes not more than %zu argument(s)", display, n_params);
    }
    /* defaults last, in the macro's scope, for parameters that got nothing */
    for (size_t i = 0; i < n_params; i++) {
        const tl_jnode *p = params[i];
        if (p->kind != N_KWARG || i < npos)
            continue;
        bool passed = false;
        for (size_t k = 0; kw && k < kw->n && !passed; k++)
            passed = kw->klen[k] == p->len && memcmp(kw->keys[k], p->str, p->len) == 0;
        if (passed)
            continue;
        tl_jv v;
        if (tl_jev_expr(r, p->b, scope, &v) != JR_OK ||
            tl_jmap_set(r, p, &scope->vars, p->str, p->len, v) != JR_OK)
            return JR_ERR;
    }
    return JR_OK;
}

int tl_jb_call(tl_jrender *r, const tl_jnode *n, const tl_jfunc *f, tl_jargs *args,
               tl_jscope *caller, tl_jv *out)
{
    switch (f->kind) {
    case JF_NAMESPACE:
        return namespace_fn(r, n, args, out);
    case JF_RAISE:
        return raise_fn(r, n, args);
    case JF_RANGE:
        return range_fn(r, n, args, out);
    case JF_STRFTIME:
        return strftime_fn(r, n, args, out);
    case JF_STR_METHOD:
        return tl_jb_string_method(r, n, &f->self, f->name, args, out);
    case JF_DICT_METHOD:
        return tl_jb_dict_method(r, n, &f->self, f->name, args, out);
    case JF_MACRO:
    case JF_CALLER: {
        const tl_jnode *m = f->node;
        tl_jscope *scope = tl_jscope_new(r, n, f->kind == JF_MACRO ? caller : f->scope);
        if (scope == NULL)
            return JR_ERR;
        char display[80];
        if (f->kind == JF_MACRO)
            snprintf(display, sizeof display, "'%.*s'", (int)(m->len > 60 ? 60 : m->len), m->str);
        else
            snprintf(display, sizeof display, "None");
        if (bind_arguments(r, n, display, m->list, m->n_list, m->special, args, scope) != JR_OK)
            return JR_ERR;
        return tl_jev_block_to_string(r, n, m->body, m->n_body, scope, out);
    }
    }
    return tl_jr_fail(r, n, TABLLM_ERR_INTERNAL, "unknown function kind");
}

int tl_jb_define_globals(tl_jrender *r, tl_jscope *global)
{
    static const struct {
        const char *name;
        tl_jfunc_kind kind;
    } fns[] = {
        {"namespace", JF_NAMESPACE},
        {"raise_exception", JF_RAISE},
        {"range", JF_RANGE},
        {"strftime_now", JF_STRFTIME},
    };
    static const struct {
        const char *name;
        int value; /* 1 true, 0 false, -1 none */
    } consts[] = {
        {"false", 0}, {"true", 1}, {"none", -1}, {"False", 0}, {"True", 1}, {"None", -1},
    };
    for (size_t i = 0; i < sizeof consts / sizeof consts[0]; i++) {
        tl_jv v = consts[i].value < 0 ? tl_jv_null() : tl_jv_bool(consts[i].value == 1);
        if (tl_jmap_set(r, NULL, &global->vars, consts[i].name, strlen(consts[i].name), v) != JR_OK)
            return JR_ERR;
    }
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
        tl_jv v;
        if (tl_jb_make_func(r, NULL, fns[i].kind, fns[i].name, NULL, &v) != JR_OK ||
            tl_jmap_set(r, NULL, &global->vars, fns[i].name, strlen(fns[i].name), v) != JR_OK)
            return JR_ERR;
    }
    return JR_OK;
}
