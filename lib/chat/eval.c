/* Statements: Interpreter.evaluate*() of @huggingface/jinja's runtime.ts for
 * blocks, if, for, set, macros and call blocks, and the render entry point.
 * Output is written straight into a buffer instead of being concatenated per
 * block; where the reference drops a partial result (an iteration ended by
 * break or continue) the buffer is cut back to match. */
#include <math.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "chat/eval.h"
#include "chat/jsstr.h"

int tl_jr_enter(tl_jrender *r, const tl_jnode *n)
{
    if (++r->depth > r->caps.max_depth)
        return tl_jr_fail(r, n, TABLLM_ERR_LIMIT_EXCEEDED,
                          "evaluation nests deeper than the limit of %zu levels",
                          r->caps.max_depth);
    return JR_OK;
}

int tl_jr_count_iterations(tl_jrender *r, const tl_jnode *n, uint64_t k)
{
    if (k > r->caps.max_loop_iterations || r->iterations > r->caps.max_loop_iterations - k)
        return tl_jr_fail(r, n, TABLLM_ERR_LIMIT_EXCEEDED,
                          "loops run more than the limit of %llu iterations",
                          (unsigned long long)r->caps.max_loop_iterations);
    r->iterations += k;
    return JR_OK;
}

tl_jscope *tl_jscope_new(tl_jrender *r, const tl_jnode *n, tl_jscope *parent)
{
    tl_jscope *s = tl_jr_alloc(r, n, sizeof *s);
    if (s != NULL) {
        memset(s, 0, sizeof *s);
        s->parent = parent;
    }
    return s;
}

int tl_jargs_push(tl_jrender *r, const tl_jnode *n, tl_jargs *a, tl_jv v)
{
    tl_jv *nv = tl_jr_alloc(r, n, (a->n + 1) * sizeof(tl_jv));
    if (nv == NULL)
        return JR_ERR;
    if (a->n)
        memcpy(nv, a->v, a->n * sizeof(tl_jv));
    nv[a->n++] = v;
    a->v = nv;
    return JR_OK;
}

static int set_var(tl_jrender *r, const tl_jnode *n, tl_jscope *sc, const char *name, size_t len,
                   tl_jv v)
{
    return tl_jmap_set(r, n, &sc->vars, name, len, v);
}

/* ---- statements ---------------------------------------------------------- */

static int assign(tl_jrender *r, const tl_jnode *n, tl_jscope *sc, tl_jv rhs)
{
    const tl_jnode *lhs = n->a;
    if (lhs->kind == N_IDENT)
        return set_var(r, lhs, sc, lhs->str, lhs->len, rhs);
    if (lhs->kind == N_TUPLE) {
        if (rhs.kind != JV_ARRAY)
            return tl_jr_fail(r, lhs, TABLLM_ERR_INVALID_ARGUMENT, "cannot unpack a %s in set",
                              tl_jv_type_name(&rhs));
        if (rhs.u.a->n != lhs->n_list)
            return tl_jr_fail(r, lhs, TABLLM_ERR_INVALID_ARGUMENT, "too %s items to unpack in set",
                              lhs->n_list > rhs.u.a->n ? "few" : "many");
        for (size_t i = 0; i < lhs->n_list; i++) {
            const tl_jnode *e = lhs->list[i];
            if (e->kind != N_IDENT)
                return tl_jr_fail(r, e, TABLLM_ERR_INVALID_ARGUMENT,
                                  "cannot unpack into this in set");
            if (set_var(r, e, sc, e->str, e->len, rhs.u.a->v[i]) != JR_OK)
                return JR_ERR;
        }
        return JR_OK;
    }
    if (lhs->kind == N_MEMBER) {
        tl_jv obj;
        if (tl_jev_expr(r, lhs->a, sc, &obj) != JR_OK)
            return JR_ERR;
        if (obj.kind != JV_NS)
            return tl_jr_fail(r, lhs, TABLLM_ERR_INVALID_ARGUMENT,
                              "cannot assign an attribute of a %s (only namespaces)",
                              tl_jv_type_name(&obj));
        if (lhs->b->kind != N_IDENT)
            return tl_jr_fail(r, lhs, TABLLM_ERR_INVALID_ARGUMENT,
                              "cannot assign to a member that is not a name");
        return tl_jmap_set(r, lhs, obj.u.m, lhs->b->str, lhs->b->len, rhs);
    }
    return tl_jr_fail(r, lhs, TABLLM_ERR_INVALID_ARGUMENT, "cannot assign to this expression");
}

int tl_jev_block_to_string(tl_jrender *r, const tl_jnode *at, tl_jnode *const *body, size_t n_body,
                           tl_jscope *sc, tl_jv *out)
{
    tl_buf b = tl_jr_buf(r);
    int rc = tl_jev_block(r, body, n_body, sc, &b);
    if (rc != JR_OK) {
        tl_buf_free(&b);
        return rc;
    }
    return tl_jv_from_buf(r, at, &b, out);
}

static int set_statement(tl_jrender *r, const tl_jnode *n, tl_jscope *sc)
{
    tl_jv rhs;
    int rc = n->b ? tl_jev_expr(r, n->b, sc, &rhs)
                  : tl_jev_block_to_string(r, n, n->body, n->n_body, sc, &rhs);
    if (rc != JR_OK)
        return rc;
    return assign(r, n, sc, rhs);
}

static int bind_loop_var(tl_jrender *r, const tl_jnode *var, tl_jscope *sc, const tl_jv *cur)
{
    if (var->kind == N_IDENT)
        return set_var(r, var, sc, var->str, var->len, *cur);
    for (size_t j = 0; j < var->n_list; j++) {
        const tl_jnode *e = var->list[j];
        if (e->kind != N_IDENT)
            return tl_jr_fail(r, e, TABLLM_ERR_INVALID_ARGUMENT,
                              "cannot unpack into this in a loop");
        if (set_var(r, e, sc, e->str, e->len, cur->u.a->v[j]) != JR_OK)
            return JR_ERR;
    }
    return JR_OK;
}

static int make_loop(tl_jrender *r, const tl_jnode *n, const tl_jv *items, size_t i, size_t len,
                     tl_jv *out)
{
    /* One dict per iteration, as the reference makes it; the key arrays are
     * shared by all of them (a dict copies them before it ever grows), so
     * an iteration costs a few hundred bytes. */
    static const char *keys[] = {"index", "index0", "revindex", "revindex0", "first",
                                 "last",  "length", "previtem", "nextitem"};
    static size_t klen[] = {5, 6, 8, 9, 5, 4, 6, 8, 8};
    enum { N_KEYS = sizeof keys / sizeof keys[0] };
    if (tl_jv_make_object(r, n, JV_OBJECT, out) != JR_OK)
        return JR_ERR;
    tl_jv *vals = tl_jr_alloc(r, n, N_KEYS * sizeof(tl_jv));
    if (vals == NULL)
        return JR_ERR;
    vals[0] = tl_jv_num(JV_INT, (double)(i + 1));
    vals[1] = tl_jv_num(JV_INT, (double)i);
    vals[2] = tl_jv_num(JV_INT, (double)(len - i));
    vals[3] = tl_jv_num(JV_INT, (double)(len - i - 1));
    vals[4] = tl_jv_bool(i == 0);
    vals[5] = tl_jv_bool(i == len - 1);
    vals[6] = tl_jv_num(JV_INT, (double)len);
    vals[7] = i > 0 ? items[i - 1] : tl_jv_undef();
    vals[8] = i + 1 < len ? items[i + 1] : tl_jv_undef();
    tl_jmap *m = out->u.m;
    m->keys = keys;
    m->klen = klen;
    m->vals = vals;
    m->n = m->cap = N_KEYS;
    return JR_OK;
}

static int for_statement(tl_jrender *r, const tl_jnode *n, tl_jscope *sc, tl_buf *out)
{
    tl_jscope *scope = tl_jscope_new(r, n, sc);
    if (scope == NULL)
        return JR_ERR;
    const tl_jnode *test = NULL;
    tl_jv iterable;
    if (n->b->kind == N_SELECT) {
        test = n->b->b;
        if (tl_jev_expr(r, n->b->a, scope, &iterable) != JR_OK)
            return JR_ERR;
    } else if (tl_jev_expr(r, n->b, scope, &iterable) != JR_OK) {
        return JR_ERR;
    }
    const tl_jv *src;
    size_t count;
    if (iterable.kind == JV_ARRAY) {
        src = iterable.u.a->v;
        count = iterable.u.a->n;
    } else if (iterable.kind == JV_OBJECT) {
        tl_jv keys;
        if (tl_jv_make_array(r, n, iterable.u.m->n, &keys) != JR_OK)
            return JR_ERR;
        for (size_t i = 0; i < iterable.u.m->n; i++)
            keys.u.a->v[i] = tl_jv_str_ref(iterable.u.m->keys[i], iterable.u.m->klen[i]);
        src = keys.u.a->v;
        count = keys.u.a->n;
    } else {
        return tl_jr_fail(r, n->b, TABLLM_ERR_INVALID_ARGUMENT, "cannot loop over a %s",
                          tl_jv_type_name(&iterable));
    }
    tl_jv *items = tl_jr_alloc(r, n, (count ? count : 1) * sizeof(tl_jv));
    if (items == NULL)
        return JR_ERR;
    size_t n_items = 0;
    for (size_t i = 0; i < count; i++) {
        const tl_jv *cur = &src[i];
        if (tl_jr_count_iterations(r, n, 1) != JR_OK)
            return JR_ERR;
        if (n->a->kind == N_TUPLE) {
            if (cur->kind != JV_ARRAY || (cur->flags & JV_TUPLE))
                return tl_jr_fail(r, n->a, TABLLM_ERR_INVALID_ARGUMENT,
                                  "cannot unpack a %s in a loop", tl_jv_type_name(cur));
            if (cur->u.a->n != n->a->n_list)
                return tl_jr_fail(r, n->a, TABLLM_ERR_INVALID_ARGUMENT, "too %s items to unpack",
                                  n->a->n_list > cur->u.a->n ? "few" : "many");
        }
        if (test) {
            tl_jscope *ls = tl_jscope_new(r, n, scope);
            tl_jv ok;
            if (ls == NULL || bind_loop_var(r, n->a, ls, cur) != JR_OK ||
                tl_jev_expr(r, test, ls, &ok) != JR_OK)
                return JR_ERR;
            if (!tl_jv_truthy(&ok))
                continue;
        }
        items[n_items++] = *cur;
    }
    bool no_iteration = true;
    for (size_t i = 0; i < n_items; i++) {
        tl_jv loop;
        if (make_loop(r, n, items, i, n_items, &loop) != JR_OK ||
            set_var(r, n, scope, "loop", 4, loop) != JR_OK ||
            bind_loop_var(r, n->a, scope, &items[i]) != JR_OK)
            return JR_ERR;
        size_t mark = out->len;
        int rc = tl_jev_block(r, n->body, n->n_body, scope, out);
        if (rc == JR_CONTINUE || rc == JR_BREAK) {
            /* the reference drops this iteration's output up to the break */
            if (out->status == TABLLM_OK)
                tl_buf_truncate(out, mark);
            if (rc == JR_BREAK)
                break;
            continue;
        }
        if (rc != JR_OK)
            return rc;
        no_iteration = false;
    }
    if (no_iteration)
        return tl_jev_block(r, n->alt, n->n_alt, scope, out);
    return JR_OK;
}

static int call_block(tl_jrender *r, const tl_jnode *n, tl_jscope *sc, tl_jv *out)
{
    tl_jfunc *caller = tl_jr_alloc(r, n, sizeof *caller);
    if (caller == NULL)
        return JR_ERR;
    memset(caller, 0, sizeof *caller);
    caller->kind = JF_CALLER;
    caller->name = "caller";
    caller->node = n;
    caller->scope = sc;
    tl_jargs args;
    tl_jv kwargs, fn;
    const tl_jnode *c = n->a;
    if (tl_jev_arguments(r, c, c->list, c->n_list, sc, &args, &kwargs) != JR_OK)
        return JR_ERR;
    if (kwargs.kind == JV_UNDEF) {
        if (tl_jv_make_object(r, n, JV_OBJECT, &kwargs) != JR_OK)
            return JR_ERR;
        kwargs.flags = JV_KWARGS;
    }
    if (tl_jargs_push(r, n, &args, kwargs) != JR_OK || tl_jev_expr(r, c->a, sc, &fn) != JR_OK)
        return JR_ERR;
    if (fn.kind != JV_FUNC)
        return tl_jr_fail(r, c, TABLLM_ERR_INVALID_ARGUMENT,
                          "cannot call a %s: it is not a function", tl_jv_type_name(&fn));
    tl_jscope *env = tl_jscope_new(r, n, sc);
    tl_jv cv = {JV_FUNC, 0, {0}};
    cv.u.f = caller;
    if (env == NULL || set_var(r, n, env, "caller", 6, cv) != JR_OK)
        return JR_ERR;
    return tl_jb_call(r, c, fn.u.f, &args, env, out);
}

static int emit(tl_jrender *r, const tl_jnode *n, const tl_jv *v, tl_buf *out)
{
    if (v->kind == JV_NULL || v->kind == JV_UNDEF)
        return JR_OK;
    return tl_jv_print(r, n, v, out);
}

static int statement(tl_jrender *r, const tl_jnode *n, tl_jscope *sc, tl_buf *out)
{
    tl_jv v;
    switch (n->kind) {
    case N_TEXT:
        tl_buf_append(out, n->str, n->len);
        return tl_jr_buf_check(r, n, out);
    case N_COMMENT:
        return JR_OK;
    case N_IF:
        if (tl_jev_expr(r, n->a, sc, &v) != JR_OK)
            return JR_ERR;
        return tl_jv_truthy(&v) ? tl_jev_block(r, n->body, n->n_body, sc, out)
                                : tl_jev_block(r, n->alt, n->n_alt, sc, out);
    case N_FOR:
        return for_statement(r, n, sc, out);
    case N_BREAK:
    case N_CONTINUE:
        r->signal_pos = n->pos;
        return n->kind == N_BREAK ? JR_BREAK : JR_CONTINUE;
    case N_SET:
        return set_statement(r, n, sc);
    case N_MACRO: {
        tl_jfunc *f = tl_jr_alloc(r, n, sizeof *f);
        if (f == NULL)
            return JR_ERR;
        memset(f, 0, sizeof *f);
        f->kind = JF_MACRO;
        f->name = n->str;
        f->node = n;
        v.kind = JV_FUNC;
        v.flags = 0;
        v.u.f = f;
        return set_var(r, n, sc, n->str, n->len, v);
    }
    case N_CALL_BLOCK: {
        int rc = call_block(r, n, sc, &v);
        return rc != JR_OK ? rc : emit(r, n, &v, out);
    }
    case N_FILTER_BLOCK: {
        tl_jv body;
        int rc = tl_jev_block_to_string(r, n, n->body, n->n_body, sc, &body);
        if (rc != JR_OK)
            return rc;
        if (tl_jf_apply(r, n->a, &body, sc, &v) != JR_OK)
            return JR_ERR;
        return emit(r, n, &v, out);
    }
    default: {
        int rc = tl_jev_expr(r, n, sc, &v);
        return rc != JR_OK ? rc : emit(r, n, &v, out);
    }
    }
}

int tl_jev_block(tl_jrender *r, tl_jnode *const *body, size_t n_body, tl_jscope *sc, tl_buf *out)
{
    for (size_t i = 0; i < n_body; i++) {
        if (tl_jr_enter(r, body[i]) != JR_OK)
            return JR_ERR;
        int rc = statement(r, body[i], sc, out);
        r->depth--;
        if (rc != JR_OK)
            return rc;
    }
    return JR_OK;
}

/* ---- entry ------------------------------------------------------------------ */

tabllm_status tl_jinja_render(const tl_jinja_template *t, const json_t *context,
                              const tl_jinja_caps *caps, int64_t now, char **out, size_t *out_len)
{
    *out = NULL;
    if (out_len)
        *out_len = 0;
    tl_jrender r;
    memset(&r, 0, sizeof r);
    r.t = t;
    if (caps)
        r.caps = *caps;
    else
        tl_jinja_caps_default(&r.caps);
    r.now = now;
    tl_jscope *global = tl_jscope_new(&r, NULL, NULL);
    int rc = global ? tl_jb_define_globals(&r, global) : JR_ERR;
    if (rc == JR_OK && context != NULL) {
        const char *key;
        json_t *val;
        json_object_foreach((json_t *)context, key, val)
        {
            size_t klen = strlen(key);
            if (tl_jmap_get(&global->vars, key, klen) != NULL) {
                /* Environment.set() refuses to redeclare: "Variable already declared" */
                r.st = tl_error(TABLLM_ERR_INVALID_ARGUMENT,
                                "chat template: the variable '%s' is built in and cannot be passed "
                                "in the context",
                                key);
                rc = JR_ERR;
                break;
            }
            tl_jv v;
            if ((rc = tl_jv_from_json(&r, val, &v, 0)) != JR_OK ||
                (rc = tl_jmap_set(&r, NULL, &global->vars, key, klen, v)) != JR_OK)
                break;
        }
    }
    tl_buf b = tl_jr_buf(&r);
    if (rc == JR_OK)
        rc = tl_jev_block(&r, t->body, t->n_body, global, &b);
    if (rc == JR_BREAK || rc == JR_CONTINUE) {
        r.st = tl_jinja_error_at(t->src, t->src_len, r.signal_pos, TABLLM_ERR_INVALID_ARGUMENT,
                                 "'%s' outside of a loop", rc == JR_BREAK ? "break" : "continue");
        rc = JR_ERR;
    }
    if (rc == JR_OK)
        rc = tl_jr_buf_check(&r, NULL, &b);
    tabllm_status st = r.st;
    if (rc == JR_OK && st == TABLLM_OK) {
        size_t len;
        *out = tl_buf_detach(&b, &len);
        if (*out == NULL)
            st = tl_buf_status(&b) != TABLLM_OK ? tl_buf_status(&b)
                                                : tl_error_oom("chat template output");
        else if (out_len)
            *out_len = len;
    } else if (st == TABLLM_OK) {
        st = tl_error(TABLLM_ERR_INTERNAL, "chat template: rendering failed without a message");
    }
    tl_buf_free(&b);
    tl_arena_free(&r.arena);
    return st;
}
