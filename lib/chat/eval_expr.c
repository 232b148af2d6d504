/* Expressions: operators with JavaScript's semantics (loose ==, number
 * arithmetic, string concatenation of String(value)), member access and
 * slices, calls with star and double-star arguments, literals: Interpreter.evaluate*() of
 * @huggingface/jinja's runtime.ts. */
#include <math.h>
#include <string.h>

#include "base/alloc.h"
#include "chat/eval.h"
#include "chat/jsstr.h"

/* ---- operators ----------------------------------------------------------- */

static const char *op_name(tl_jop op)
{
    static const char *names[] = {
        "?",  "or", "and", "not", "in", "not in", "==", "!=", "<",  ">", "<=",
        ">=", "+",  "-",   "~",   "*",  "/",      "//", "%",  "**", "-", "+",
    };
    return (size_t)op < sizeof names / sizeof names[0] ? names[op] : "?";
}

static int concat(tl_jrender *r, const tl_jnode *n, const tl_jv *a, const tl_jv *b, tl_jv *out)
{
    tl_buf buf = tl_jr_buf(r);
    if (tl_jv_raw_string(r, n, a, &buf) != JR_OK || tl_jv_raw_string(r, n, b, &buf) != JR_OK) {
        tl_buf_free(&buf);
        return JR_ERR;
    }
    return tl_jv_from_buf(r, n, &buf, out);
}

static bool contains(const tl_jv *hay, const tl_jv *needle)
{
    if (needle->u.s.len == 0)
        return true;
    if (needle->u.s.len > hay->u.s.len)
        return false;
    return memmem(hay->u.s.p, hay->u.s.len, needle->u.s.p, needle->u.s.len) != NULL;
}

static int arithmetic(const tl_jnode *n, const tl_jv *l, const tl_jv *rt, tl_jv *out, bool *handled)
{
    double a = l->u.n, b = rt->u.n;
    bool is_float = l->kind == JV_FLOAT || rt->kind == JV_FLOAT;
    tl_jv_kind k = is_float ? JV_FLOAT : JV_INT;
    *handled = true;
    switch (n->op) {
    case OP_ADD:
        *out = tl_jv_num(k, a + b);
        break;
    case OP_SUB:
        *out = tl_jv_num(k, a - b);
        break;
    case OP_MUL:
        *out = tl_jv_num(k, a * b);
        break;
    case OP_DIV:
        *out = tl_jv_num(JV_FLOAT, a / b);
        break;
    case OP_FLOORDIV:
        *out = tl_jv_num(k, floor(a / b));
        break;
    case OP_MOD:
        *out = tl_jv_num(k, fmod(a, b));
        break;
    case OP_LT:
        *out = tl_jv_bool(a < b);
        break;
    case OP_GT:
        *out = tl_jv_bool(a > b);
        break;
    case OP_GE:
        *out = tl_jv_bool(a >= b);
        break;
    case OP_LE:
        *out = tl_jv_bool(a <= b);
        break;
    default:
        *handled = false;
        break;
    }
    return JR_OK;
}

static double numeric_like(const tl_jv *v)
{
    return v->kind == JV_BOOL ? (v->u.b ? 1 : 0) : v->u.n;
}

static bool is_numeric_like(const tl_jv *v)
{
    return v->kind == JV_INT || v->kind == JV_FLOAT || v->kind == JV_BOOL;
}

static int power(tl_jrender *r, const tl_jnode *n, const tl_jv *l, const tl_jv *rt, tl_jv *out)
{
    double a = numeric_like(l), b = numeric_like(rt);
    if (a == 0 && b < 0)
        return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT,
                          "0.0 cannot be raised to a negative power");
    double res;
    if (isnan(b) || (fabs(a) == 1 && isinf(b)))
        res = NAN; /* JavaScript's ** differs from C's pow() here */
    else
        res = pow(a, b);
    if (!isfinite(res))
        return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT,
                          "exponentiation result is not a finite real number");
    bool is_float = l->kind == JV_FLOAT || rt->kind == JV_FLOAT || b < 0;
    *out = tl_jv_num(is_float ? JV_FLOAT : JV_INT, res);
    return JR_OK;
}

static int binary(tl_jrender *r, const tl_jnode *n, tl_jscope *sc, tl_jv *out)
{
    tl_jv l, rt;
    if (tl_jev_expr(r, n->a, sc, &l) != JR_OK)
        return JR_ERR;
    if (n->op == OP_AND) {
        if (!tl_jv_truthy(&l)) {
            *out = l;
            return JR_OK;
        }
        return tl_jev_expr(r, n->b, sc, out);
    }
    if (n->op == OP_OR) {
        if (tl_jv_truthy(&l)) {
            *out = l;
            return JR_OK;
        }
        return tl_jev_expr(r, n->b, sc, out);
    }
    if (tl_jev_expr(r, n->b, sc, &rt) != JR_OK)
        return JR_ERR;
    if (n->op == OP_EQ || n->op == OP_NE) {
        bool eq;
        if (tl_jv_loose_equal(r, n, &l, &rt, &eq) != JR_OK)
            return JR_ERR;
        *out = tl_jv_bool(n->op == OP_EQ ? eq : !eq);
        return JR_OK;
    }
    bool is_in = n->op == OP_IN || n->op == OP_NOT_IN;
    if (l.kind == JV_UNDEF || rt.kind == JV_UNDEF) {
        if (rt.kind == JV_UNDEF && is_in) {
            /* anything in undefined is false, not in undefined true */
            *out = tl_jv_bool(n->op == OP_NOT_IN);
            return JR_OK;
        }
        return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT,
                          "cannot apply '%s' to an undefined value", op_name((tl_jop)n->op));
    }
    if (l.kind == JV_NULL || rt.kind == JV_NULL)
        return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT, "cannot apply '%s' to none",
                          op_name((tl_jop)n->op));
    if (n->op == OP_CONCAT)
        return concat(r, n, &l, &rt, out);
    if (n->op == OP_POW && is_numeric_like(&l) && is_numeric_like(&rt))
        return power(r, n, &l, &rt, out);
    if (tl_jv_is_number(&l) && tl_jv_is_number(&rt)) {
        bool handled;
        arithmetic(n, &l, &rt, out, &handled);
        if (handled)
            return JR_OK;
    } else if (l.kind == JV_ARRAY && rt.kind == JV_ARRAY) {
        if (n->op == OP_ADD) {
            size_t total;
            if (!tl_size_add(l.u.a->n, rt.u.a->n, &total) ||
                tl_jv_make_array(r, n, total, out) != JR_OK)
                return tl_jr_fail(r, n, TABLLM_ERR_LIMIT_EXCEEDED, "list too long");
            memcpy(out->u.a->v, l.u.a->v, l.u.a->n * sizeof(tl_jv));
            memcpy(out->u.a->v + l.u.a->n, rt.u.a->v, rt.u.a->n * sizeof(tl_jv));
            return JR_OK;
        }
    } else if (rt.kind == JV_ARRAY && is_in) {
        bool member = false;
        for (size_t i = 0; i < rt.u.a->n && !member; i++)
            member = tl_jv_strict_equal(&rt.u.a->v[i], &l);
        *out = tl_jv_bool(n->op == OP_IN ? member : !member);
        return JR_OK;
    }
    if ((l.kind == JV_STR || rt.kind == JV_STR) && n->op == OP_ADD)
        return concat(r, n, &l, &rt, out);
    if (l.kind == JV_STR && rt.kind == JV_STR && is_in) {
        bool has = contains(&rt, &l);
        *out = tl_jv_bool(n->op == OP_IN ? has : !has);
        return JR_OK;
    }
    if (l.kind == JV_STR && rt.kind == JV_OBJECT && is_in) {
        bool has = tl_jmap_get(rt.u.m, l.u.s.p, l.u.s.len) != NULL;
        *out = tl_jv_bool(n->op == OP_IN ? has : !has);
        return JR_OK;
    }
    return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT, "cannot apply '%s' to a %s and a %s",
                      op_name((tl_jop)n->op), tl_jv_type_name(&l), tl_jv_type_name(&rt));
}

static int unary(tl_jrender *r, const tl_jnode *n, tl_jscope *sc, tl_jv *out)
{
    tl_jv v;
    if (tl_jev_expr(r, n->a, sc, &v) != JR_OK)
        return JR_ERR;
    if (n->op == OP_NOT) {
        *out = tl_jv_bool(!tl_jv_truthy(&v));
        return JR_OK;
    }
    if (!is_numeric_like(&v))
        return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT, "cannot apply unary '%s' to a %s",
                          op_name((tl_jop)n->op), tl_jv_type_name(&v));
    double x = numeric_like(&v) * (n->op == OP_NEG ? -1 : 1);
    *out = tl_jv_num(v.kind == JV_FLOAT ? JV_FLOAT : JV_INT, x);
    return JR_OK;
}

/* ---- member access and slices ---------------------------------------------- */

/* ToIntegerOrInfinity, then Array.prototype.at()'s index. */
static bool at_index(double idx, size_t len, size_t *out)
{
    double k = isnan(idx) ? 0 : trunc(idx);
    if (k < 0)
        k += (double)len;
    if (k < 0 || k >= (double)len)
        return false;
    *out = (size_t)k;
    return true;
}

/* utils.ts slice(): Python slicing as the reference implements it. */
static int slice_indices(tl_jrender *r, const tl_jnode *n, size_t len, const tl_jv *vstart,
                         const tl_jv *vstop, const tl_jv *vstep, size_t **idx, size_t *count)
{
    double L = (double)len;
    double step = vstep->kind == JV_UNDEF ? 1 : vstep->u.n;
    double dir = isnan(step) ? NAN : step > 0 ? 1 : step < 0 ? -1 : 0;
    double start, stop;
    if (dir >= 0) {
        start = vstart->kind == JV_UNDEF ? 0 : vstart->u.n;
        start = start < 0 ? fmax(L + start, 0) : fmin(start, L);
        stop = vstop->kind == JV_UNDEF ? L : vstop->u.n;
        stop = stop < 0 ? fmax(L + stop, 0) : fmin(stop, L);
    } else {
        start = vstart->kind == JV_UNDEF ? L - 1 : vstart->u.n;
        start = start < 0 ? fmax(L + start, -1) : fmin(start, L - 1);
        stop = vstop->kind == JV_UNDEF ? -1 : vstop->u.n;
        stop = stop < -1 ? fmax(L + stop, -1) : fmin(stop, L - 1);
    }
    *count = 0;
    *idx = NULL;
    if (!(dir * start < dir * stop))
        return JR_OK;
    double span = fabs(stop - start) / fabs(step);
    size_t max = span > L + 1 ? len + 1 : (size_t)ceil(span) + 1;
    size_t *v = tl_jr_alloc(r, n, max * sizeof(size_t));
    if (v == NULL)
        return JR_ERR;
    size_t k = 0;
    for (double i = start; dir * i < dir * stop && k < max; i += step) {
        /* non-integer positions read undefined in JavaScript; integers only here */
        v[k++] = i >= 0 && i < L && i == trunc(i) ? (size_t)i : SIZE_MAX;
    }
    *idx = v;
    *count = k;
    return JR_OK;
}

static int slice(tl_jrender *r, const tl_jnode *n, const tl_jv *obj, const tl_jnode *sl,
                 tl_jscope *sc, tl_jv *out)
{
    if (obj->kind != JV_ARRAY && obj->kind != JV_STR)
        return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT, "cannot slice a %s",
                          tl_jv_type_name(obj));
    tl_jv parts[3];
    const tl_jnode *nodes[3] = {sl->a, sl->b, sl->c};
    static const char *what[3] = {"start", "stop", "step"};
    for (int i = 0; i < 3; i++) {
        parts[i] = tl_jv_undef();
        if (nodes[i] && tl_jev_expr(r, nodes[i], sc, &parts[i]) != JR_OK)
            return JR_ERR;
        if (parts[i].kind != JV_INT && parts[i].kind != JV_UNDEF)
            return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT,
                              "slice %s must be an integer, not a %s", what[i],
                              tl_jv_type_name(&parts[i]));
    }
    if (obj->kind == JV_ARRAY) {
        size_t *idx, count;
        if (slice_indices(r, n, obj->u.a->n, &parts[0], &parts[1], &parts[2], &idx, &count) !=
                JR_OK ||
            tl_jv_make_array(r, n, count, out) != JR_OK)
            return JR_ERR;
        for (size_t i = 0; i < count; i++)
            out->u.a->v[i] = idx[i] == SIZE_MAX ? tl_jv_undef() : obj->u.a->v[idx[i]];
        return JR_OK;
    }
    /* strings slice by code point (Array.from(string)) */
    size_t ncp = 0;
    for (size_t i = 0; i < obj->u.s.len; i++)
        ncp += ((unsigned char)obj->u.s.p[i] & 0xc0) != 0x80;
    size_t *starts = tl_jr_alloc(r, n, (ncp + 1) * sizeof(size_t));
    if (starts == NULL)
        return JR_ERR;
    for (size_t i = 0, k = 0; i < obj->u.s.len; i++)
        if (((unsigned char)obj->u.s.p[i] & 0xc0) != 0x80)
            starts[k++] = i;
    starts[ncp] = obj->u.s.len;
    size_t *idx, count;
    if (slice_indices(r, n, ncp, &parts[0], &parts[1], &parts[2], &idx, &count) != JR_OK)
        return JR_ERR;
    tl_buf b = tl_jr_buf(r);
    for (size_t i = 0; i < count; i++)
        if (idx[i] != SIZE_MAX) /* undefined joins as "" */
            tl_buf_append(&b, obj->u.s.p + starts[idx[i]], starts[idx[i] + 1] - starts[idx[i]]);
    return tl_jv_from_buf(r, n, &b, out);
}

static int member(tl_jrender *r, const tl_jnode *n, tl_jscope *sc, tl_jv *out)
{
    tl_jv obj, prop;
    if (tl_jev_expr(r, n->a, sc, &obj) != JR_OK)
        return JR_ERR;
    if (n->flag && n->b->kind == N_SLICE)
        return slice(r, n, &obj, n->b, sc, out);
    if (n->flag) {
        if (tl_jev_expr(r, n->b, sc, &prop) != JR_OK)
            return JR_ERR;
    } else if (n->b->kind == N_INT) {
        prop = tl_jv_num(JV_INT, n->b->num);
    } else {
        prop = tl_jv_str_ref(n->b->str, n->b->len);
    }
    *out = tl_jv_undef();
    if (obj.kind == JV_OBJECT || obj.kind == JV_NS) {
        if (prop.kind != JV_STR)
            return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT, "a %s cannot be indexed by a %s",
                              tl_jv_type_name(&obj), tl_jv_type_name(&prop));
        tl_jv *v = tl_jmap_get(obj.u.m, prop.u.s.p, prop.u.s.len);
        if (v != NULL) {
            *out = *v;
            return JR_OK;
        }
        int rc = JR_OK;
        if (obj.kind == JV_OBJECT)
            tl_jb_member(r, &obj, prop.u.s.p, prop.u.s.len, out, &rc);
        return rc;
    }
    if (obj.kind == JV_ARRAY || obj.kind == JV_STR) {
        if (prop.kind == JV_INT) {
            size_t len =
                obj.kind == JV_ARRAY ? obj.u.a->n : tl_js_utf16_len(obj.u.s.p, obj.u.s.len);
            size_t i;
            if (!at_index(prop.u.n, len, &i))
                return JR_OK;
            if (obj.kind == JV_ARRAY) {
                *out = obj.u.a->v[i];
                return JR_OK;
            }
            size_t off, cplen;
            bool half;
            tl_js_utf16_at(obj.u.s.p, obj.u.s.len, i, &off, &cplen, &half);
            /* half of a surrogate pair prints as U+FFFD */
            if (half)
                *out = tl_jv_str_ref("\xef\xbf\xbd", 3);
            else
                *out = tl_jv_str_ref(obj.u.s.p + off, cplen);
            return JR_OK;
        }
        if (prop.kind == JV_STR) {
            int rc = JR_OK;
            tl_jb_member(r, &obj, prop.u.s.p, prop.u.s.len, out, &rc);
            return rc;
        }
        return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT, "a %s cannot be indexed by a %s",
                          tl_jv_type_name(&obj), tl_jv_type_name(&prop));
    }
    if (prop.kind != JV_STR)
        return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT, "a %s cannot be indexed by a %s",
                          tl_jv_type_name(&obj), tl_jv_type_name(&prop));
    return JR_OK; /* other values have no members: undefined */
}

/* ---- calls ---------------------------------------------------------------- */

int tl_jev_arguments(tl_jrender *r, const tl_jnode *call, tl_jnode *const *list, size_t n,
                     tl_jscope *sc, tl_jargs *pos, tl_jv *kwargs)
{
    (void)call;
    pos->v = NULL;
    pos->n = 0;
    *kwargs = tl_jv_undef();
    for (size_t i = 0; i < n; i++) {
        const tl_jnode *a = list[i];
        tl_jv v;
        if (a->kind == N_KWARG || a->kind == N_KWSPREAD)
            continue;
        if (tl_jev_expr(r, a->kind == N_SPREAD ? a->a : a, sc, &v) != JR_OK)
            return JR_ERR;
        if (a->kind != N_SPREAD) {
            if (tl_jargs_push(r, a, pos, v) != JR_OK)
                return JR_ERR;
            continue;
        }
        if (v.kind != JV_ARRAY)
            return tl_jr_fail(r, a, TABLLM_ERR_INVALID_ARGUMENT, "cannot unpack a %s with '*'",
                              tl_jv_type_name(&v));
        for (size_t k = 0; k < v.u.a->n; k++)
            if (tl_jargs_push(r, a, pos, v.u.a->v[k]) != JR_OK)
                return JR_ERR;
    }
    for (size_t i = 0; i < n; i++) {
        const tl_jnode *a = list[i];
        if (a->kind != N_KWARG && a->kind != N_KWSPREAD)
            continue;
        if (kwargs->kind == JV_UNDEF) {
            if (tl_jv_make_object(r, a, JV_OBJECT, kwargs) != JR_OK)
                return JR_ERR;
            kwargs->flags = JV_KWARGS;
        }
        tl_jv v;
        if (tl_jev_expr(r, a->kind == N_KWARG ? a->b : a->a, sc, &v) != JR_OK)
            return JR_ERR;
        if (a->kind == N_KWARG) {
            if (tl_jmap_get(kwargs->u.m, a->str, a->len) != NULL)
                return tl_jr_fail(r, a, TABLLM_ERR_INVALID_ARGUMENT,
                                  "got multiple values for keyword argument '%.*s'", (int)a->len,
                                  a->str);
            if (tl_jmap_set(r, a, kwargs->u.m, a->str, a->len, v) != JR_OK)
                return JR_ERR;
            continue;
        }
        if (v.kind != JV_OBJECT)
            return tl_jr_fail(r, a, TABLLM_ERR_INVALID_ARGUMENT,
                              "the argument after ** must be a dict, not a %s",
                              tl_jv_type_name(&v));
        for (size_t k = 0; k < v.u.m->n; k++) {
            if (tl_jmap_get(kwargs->u.m, v.u.m->keys[k], v.u.m->klen[k]) != NULL)
                return tl_jr_fail(r, a, TABLLM_ERR_INVALID_ARGUMENT,
                                  "got multiple values for keyword argument '%.*s'",
                                  (int)v.u.m->klen[k], v.u.m->keys[k]);
            if (tl_jmap_set(r, a, kwargs->u.m, v.u.m->keys[k], v.u.m->klen[k], v.u.m->vals[k]) !=
                JR_OK)
                return JR_ERR;
        }
    }
    return JR_OK;
}

static int call(tl_jrender *r, const tl_jnode *n, tl_jscope *sc, tl_jv *out)
{
    tl_jargs args;
    tl_jv kwargs, fn;
    if (tl_jev_arguments(r, n, n->list, n->n_list, sc, &args, &kwargs) != JR_OK)
        return JR_ERR;
    if (kwargs.kind != JV_UNDEF && kwargs.u.m->n > 0 && tl_jargs_push(r, n, &args, kwargs) != JR_OK)
        return JR_ERR;
    if (tl_jev_expr(r, n->a, sc, &fn) != JR_OK)
        return JR_ERR;
    if (fn.kind != JV_FUNC)
        return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT,
                          "cannot call a %s: it is not a function", tl_jv_type_name(&fn));
    return tl_jb_call(r, n, fn.u.f, &args, sc, out);
}

/* ---- expressions ------------------------------------------------------------ */

static int literal_list(tl_jrender *r, const tl_jnode *n, tl_jscope *sc, tl_jv *out)
{
    if (tl_jv_make_array(r, n, n->n_list, out) != JR_OK)
        return JR_ERR;
    if (n->kind == N_TUPLE)
        out->flags = JV_TUPLE;
    for (size_t i = 0; i < n->n_list; i++)
        if (tl_jev_expr(r, n->list[i], sc, &out->u.a->v[i]) != JR_OK)
            return JR_ERR;
    return JR_OK;
}

static int literal_object(tl_jrender *r, const tl_jnode *n, tl_jscope *sc, tl_jv *out)
{
    if (tl_jv_make_object(r, n, JV_OBJECT, out) != JR_OK)
        return JR_ERR;
    for (size_t i = 0; i + 1 < n->n_list; i += 2) {
        tl_jv k, v;
        if (tl_jev_expr(r, n->list[i], sc, &k) != JR_OK)
            return JR_ERR;
        if (k.kind != JV_STR)
            return tl_jr_fail(r, n->list[i], TABLLM_ERR_INVALID_ARGUMENT,
                              "dict keys must be strings, not a %s", tl_jv_type_name(&k));
        if (tl_jev_expr(r, n->list[i + 1], sc, &v) != JR_OK ||
            tl_jmap_set(r, n, out->u.m, k.u.s.p, k.u.s.len, v) != JR_OK)
            return JR_ERR;
    }
    return JR_OK;
}

static int expr(tl_jrender *r, const tl_jnode *n, tl_jscope *sc, tl_jv *out)
{
    switch (n->kind) {
    case N_INT:
        *out = tl_jv_num(JV_INT, n->num);
        return JR_OK;
    case N_FLOAT:
        *out = tl_jv_num(JV_FLOAT, n->num);
        return JR_OK;
    case N_STRING:
        *out = tl_jv_str_ref(n->str, n->len);
        return JR_OK;
    case N_ARRAY:
    case N_TUPLE:
        return literal_list(r, n, sc, out);
    case N_OBJECT:
        return literal_object(r, n, sc, out);
    case N_IDENT: {
        tl_jv *v = tl_jscope_lookup(sc, n->str, n->len);
        *out = v ? *v : tl_jv_undef();
        return JR_OK;
    }
    case N_MEMBER:
        return member(r, n, sc, out);
    case N_CALL:
        return call(r, n, sc, out);
    case N_UNARY:
        return unary(r, n, sc, out);
    case N_BINARY:
        return binary(r, n, sc, out);
    case N_FILTER: {
        tl_jv operand;
        if (tl_jev_expr(r, n->a, sc, &operand) != JR_OK)
            return JR_ERR;
        return tl_jf_apply(r, n->b, &operand, sc, out);
    }
    case N_TEST: {
        tl_jv operand;
        bool res;
        if (tl_jev_expr(r, n->a, sc, &operand) != JR_OK ||
            tl_jt_run(r, n, n->str, n->len, &operand, NULL, &res) != JR_OK)
            return JR_ERR;
        *out = tl_jv_bool(n->flag ? !res : res);
        return JR_OK;
    }
    case N_SELECT: {
        tl_jv cond;
        if (tl_jev_expr(r, n->b, sc, &cond) != JR_OK)
            return JR_ERR;
        if (!tl_jv_truthy(&cond)) {
            *out = tl_jv_undef();
            return JR_OK;
        }
        return tl_jev_expr(r, n->a, sc, out);
    }
    case N_TERNARY: {
        tl_jv cond;
        if (tl_jev_expr(r, n->a, sc, &cond) != JR_OK)
            return JR_ERR;
        return tl_jev_expr(r, tl_jv_truthy(&cond) ? n->b : n->c, sc, out);
    }
    default:
        return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT,
                          "this expression cannot be evaluated here");
    }
}

int tl_jev_expr(tl_jrender *r, const tl_jnode *n, tl_jscope *sc, tl_jv *out)
{
    if (tl_jr_enter(r, n) != JR_OK)
        return JR_ERR;
    int rc = expr(r, n, sc, out);
    r->depth--;
    return rc;
}
