#include "chat/value.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "chat/jsstr.h"

int tl_jr_fail(tl_jrender *r, const tl_jnode *n, tabllm_status status, const char *fmt, ...)
{
    if (r->st != TABLLM_OK)
        return JR_ERR;
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    size_t pos = n ? n->pos : r->t->src_len;
    r->st = tl_jinja_error_at(r->t->src, r->t->src_len, pos, status, "%s", msg);
    return JR_ERR;
}

void *tl_jr_alloc(tl_jrender *r, const tl_jnode *n, size_t size)
{
    if (r->arena.total > r->caps.max_memory_bytes ||
        size > r->caps.max_memory_bytes - r->arena.total) {
        tl_jr_fail(r, n, TABLLM_ERR_LIMIT_EXCEEDED,
                   "rendering needs more than the memory limit of %zu bytes",
                   r->caps.max_memory_bytes);
        return NULL;
    }
    void *p = tl_arena_alloc(&r->arena, size ? size : 1);
    if (p == NULL) {
        if (r->st == TABLLM_OK)
            r->st = tl_error_oom("chat template values");
        return NULL;
    }
    return p;
}

int tl_jv_make_str(tl_jrender *r, const tl_jnode *n, const char *p, size_t len, tl_jv *out)
{
    if (len > r->caps.max_output_bytes)
        return tl_jr_fail(r, n, TABLLM_ERR_LIMIT_EXCEEDED,
                          "a string of %zu bytes exceeds the output limit of %zu bytes", len,
                          r->caps.max_output_bytes);
    char *s = tl_jr_alloc(r, n, len + 1);
    if (s == NULL)
        return JR_ERR;
    if (len)
        memcpy(s, p, len);
    s[len] = '\0';
    *out = tl_jv_str_ref(s, len);
    return JR_OK;
}

tl_buf tl_jr_buf(const tl_jrender *r)
{
    tl_buf b = TL_BUF_INIT;
    b.limit = r->caps.max_output_bytes;
    return b;
}

int tl_jr_buf_check(tl_jrender *r, const tl_jnode *n, tl_buf *b)
{
    if (b->status == TABLLM_OK)
        return JR_OK;
    if (r->st != TABLLM_OK)
        return JR_ERR;
    if (b->status == TABLLM_ERR_LIMIT_EXCEEDED)
        return tl_jr_fail(r, n, TABLLM_ERR_LIMIT_EXCEEDED,
                          "the text would exceed the output limit of %zu bytes",
                          r->caps.max_output_bytes);
    r->st = b->status; /* out of memory, message already set */
    return JR_ERR;
}

int tl_jv_from_buf(tl_jrender *r, const tl_jnode *n, tl_buf *b, tl_jv *out)
{
    int rc = tl_jr_buf_check(r, n, b);
    if (rc == JR_OK)
        rc = tl_jv_make_str(r, n, b->data ? b->data : "", b->len, out);
    tl_buf_free(b);
    return rc;
}

int tl_jv_make_array(tl_jrender *r, const tl_jnode *n, size_t count, tl_jv *out)
{
    size_t bytes;
    if (!tl_size_mul(count, sizeof(tl_jv), &bytes) || !tl_size_add(bytes, sizeof(tl_jarr), &bytes))
        return tl_jr_fail(r, n, TABLLM_ERR_LIMIT_EXCEEDED, "a list of %zu items is too large",
                          count);
    tl_jarr *a = tl_jr_alloc(r, n, bytes);
    if (a == NULL)
        return JR_ERR;
    a->n = count;
    a->v = (tl_jv *)(a + 1);
    for (size_t i = 0; i < count; i++)
        a->v[i] = tl_jv_undef();
    out->kind = JV_ARRAY;
    out->flags = 0;
    out->u.a = a;
    return JR_OK;
}

int tl_jv_make_object(tl_jrender *r, const tl_jnode *n, uint8_t kind, tl_jv *out)
{
    tl_jmap *m = tl_jr_alloc(r, n, sizeof *m);
    if (m == NULL)
        return JR_ERR;
    memset(m, 0, sizeof *m);
    out->kind = kind;
    out->flags = 0;
    out->u.m = m;
    return JR_OK;
}

/* ---- dicts --------------------------------------------------------------- */

static uint32_t hash_key(const char *s, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

static bool key_eq(const tl_jmap *m, size_t i, const char *key, size_t len)
{
    return m->klen[i] == len && memcmp(m->keys[i], key, len) == 0;
}

static size_t find(const tl_jmap *m, const char *key, size_t len)
{
    if (m->index == NULL) {
        for (size_t i = 0; i < m->n; i++)
            if (key_eq(m, i, key, len))
                return i;
        return SIZE_MAX;
    }
    size_t mask = m->index_cap - 1;
    for (size_t h = hash_key(key, len) & mask;; h = (h + 1) & mask) {
        uint32_t e = m->index[h];
        if (e == 0)
            return SIZE_MAX;
        if (key_eq(m, e - 1, key, len))
            return e - 1;
    }
}

tl_jv *tl_jmap_get(const tl_jmap *m, const char *key, size_t len)
{
    size_t i = find(m, key, len);
    return i == SIZE_MAX ? NULL : &m->vals[i];
}

static int rebuild_index(tl_jrender *r, const tl_jnode *n, tl_jmap *m, size_t want)
{
    size_t cap = 16;
    while (cap < want * 2)
        cap *= 2;
    uint32_t *idx = tl_jr_alloc(r, n, cap * sizeof(uint32_t));
    if (idx == NULL)
        return JR_ERR;
    memset(idx, 0, cap * sizeof(uint32_t));
    for (size_t i = 0; i < m->n; i++) {
        size_t h = hash_key(m->keys[i], m->klen[i]) & (cap - 1);
        while (idx[h] != 0)
            h = (h + 1) & (cap - 1);
        idx[h] = (uint32_t)(i + 1);
    }
    m->index = idx;
    m->index_cap = cap;
    return JR_OK;
}

int tl_jmap_set(tl_jrender *r, const tl_jnode *n, tl_jmap *m, const char *key, size_t len, tl_jv v)
{
    size_t i = find(m, key, len);
    if (i != SIZE_MAX) {
        m->vals[i] = v;
        return JR_OK;
    }
    if (m->n >= UINT32_MAX - 1)
        return tl_jr_fail(r, n, TABLLM_ERR_LIMIT_EXCEEDED, "a dict has too many keys");
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 4;
        const char **keys = tl_jr_alloc(r, n, cap * sizeof *keys);
        size_t *klen = keys ? tl_jr_alloc(r, n, cap * sizeof *klen) : NULL;
        tl_jv *vals = klen ? tl_jr_alloc(r, n, cap * sizeof *vals) : NULL;
        if (vals == NULL)
            return JR_ERR;
        if (m->n) {
            memcpy(keys, m->keys, m->n * sizeof *keys);
            memcpy(klen, m->klen, m->n * sizeof *klen);
            memcpy(vals, m->vals, m->n * sizeof *vals);
        }
        m->keys = keys;
        m->klen = klen;
        m->vals = vals;
        m->cap = cap;
    }
    m->keys[m->n] = key;
    m->klen[m->n] = len;
    m->vals[m->n] = v;
    m->n++;
    if (m->n > 16 && (m->index == NULL || m->n * 2 > m->index_cap))
        return rebuild_index(r, n, m, m->n);
    if (m->index != NULL) {
        size_t mask = m->index_cap - 1;
        size_t h = hash_key(key, len) & mask;
        while (m->index[h] != 0)
            h = (h + 1) & mask;
        m->index[h] = (uint32_t)m->n;
    }
    return JR_OK;
}

tl_jv *tl_jscope_lookup(tl_jscope *s, const char *name, size_t len)
{
    for (; s != NULL; s = s->parent) {
        tl_jv *v = tl_jmap_get(&s->vars, name, len);
        if (v != NULL)
            return v;
    }
    return NULL;
}

/* ---- predicates ---------------------------------------------------------- */

bool tl_jv_truthy(const tl_jv *v)
{
    switch (v->kind) {
    case JV_UNDEF:
    case JV_NULL:
        return false;
    case JV_BOOL:
        return v->u.b;
    case JV_INT:
    case JV_FLOAT:
        return v->u.n != 0 && !isnan(v->u.n);
    case JV_STR:
        return v->u.s.len > 0;
    case JV_ARRAY:
        return v->u.a->n > 0;
    case JV_OBJECT:
        return v->u.m->n > 0;
    default: /* a namespace is a JS Map object: always true, as the reference has it */
        return true;
    }
}

const char *tl_jv_type_name(const tl_jv *v)
{
    switch (v->kind) {
    case JV_UNDEF:
        return "undefined";
    case JV_NULL:
        return "none";
    case JV_BOOL:
        return "boolean";
    case JV_INT:
        return "integer";
    case JV_FLOAT:
        return "float";
    case JV_STR:
        return "string";
    case JV_ARRAY:
        return (v->flags & JV_TUPLE) ? "tuple" : "list";
    case JV_OBJECT:
        return (v->flags & JV_KWARGS) ? "keyword arguments" : "dict";
    case JV_NS:
        return "namespace";
    default:
        return "function";
    }
}

/* ---- equality --------------------------------------------------------------- */

/* JavaScript's types of the underlying values */
enum { T_UNDEF, T_NULL, T_BOOL, T_NUM, T_STR, T_OBJ };

static int js_type(const tl_jv *v)
{
    switch (v->kind) {
    case JV_UNDEF:
        return T_UNDEF;
    case JV_NULL:
        return T_NULL;
    case JV_BOOL:
        return T_BOOL;
    case JV_INT:
    case JV_FLOAT:
        return T_NUM;
    case JV_STR:
        return T_STR;
    default:
        return T_OBJ;
    }
}

static const void *identity(const tl_jv *v)
{
    switch (v->kind) {
    case JV_ARRAY:
        return v->u.a;
    case JV_OBJECT:
    case JV_NS:
        return v->u.m;
    default:
        return v->u.f;
    }
}

bool tl_jv_strict_equal(const tl_jv *a, const tl_jv *b)
{
    int ta = js_type(a), tb = js_type(b);
    if (ta != tb)
        return false;
    switch (ta) {
    case T_UNDEF:
    case T_NULL:
        return true;
    case T_BOOL:
        return a->u.b == b->u.b;
    case T_NUM:
        return a->u.n == b->u.n;
    case T_STR:
        return a->u.s.len == b->u.s.len && memcmp(a->u.s.p, b->u.s.p, a->u.s.len) == 0;
    default:
        return identity(a) == identity(b);
    }
}

bool tl_jv_same_value_zero(const tl_jv *a, const tl_jv *b)
{
    if (js_type(a) == T_NUM && js_type(b) == T_NUM && isnan(a->u.n) && isnan(b->u.n))
        return true;
    return tl_jv_strict_equal(a, b);
}

/* ToPrimitive of a list, dict, namespace or function: its string. */
static int to_primitive(tl_jrender *r, const tl_jnode *n, const tl_jv *v, tl_buf *b)
{
    if (v->kind == JV_FUNC) {
        tl_buf_puts(b, "function"); /* the reference would compare its source text */
        return JR_OK;
    }
    return tl_jv_raw_string(r, n, v, b);
}

int tl_jv_loose_equal(tl_jrender *r, const tl_jnode *n, const tl_jv *a, const tl_jv *b, bool *eq)
{
    int ta = js_type(a), tb = js_type(b);
    *eq = false;
    if (ta == tb) {
        *eq = tl_jv_strict_equal(a, b);
        return JR_OK;
    }
    if ((ta == T_NULL && tb == T_UNDEF) || (ta == T_UNDEF && tb == T_NULL)) {
        *eq = true;
        return JR_OK;
    }
    if (ta == T_NULL || ta == T_UNDEF || tb == T_NULL || tb == T_UNDEF)
        return JR_OK;
    if (ta == T_NUM && tb == T_STR) {
        *eq = a->u.n == tl_js_string_to_number(b->u.s.p, b->u.s.len);
        return JR_OK;
    }
    if (ta == T_STR && tb == T_NUM) {
        *eq = b->u.n == tl_js_string_to_number(a->u.s.p, a->u.s.len);
        return JR_OK;
    }
    if (ta == T_BOOL) {
        tl_jv num = tl_jv_num(JV_INT, a->u.b ? 1 : 0);
        return tl_jv_loose_equal(r, n, &num, b, eq);
    }
    if (tb == T_BOOL) {
        tl_jv num = tl_jv_num(JV_INT, b->u.b ? 1 : 0);
        return tl_jv_loose_equal(r, n, a, &num, eq);
    }
    /* an object against a number or a string: compare its string form */
    const tl_jv *obj = ta == T_OBJ ? a : b, *prim = ta == T_OBJ ? b : a;
    tl_buf s = tl_jr_buf(r);
    int rc = to_primitive(r, n, obj, &s);
    if (rc == JR_OK) {
        tl_jv sv = tl_jv_str_ref(s.data ? s.data : "", s.len);
        rc = tl_jv_loose_equal(r, n, &sv, prim, eq);
    }
    tl_buf_free(&s);
    return rc;
}

/* ---- from JSON ------------------------------------------------------------- */

/* Whether a key is an array index ("0".."4294967294" in canonical form):
 * JavaScript objects list those first, in numeric order. */
static bool array_index_key(const char *k, size_t len, uint32_t *value)
{
    if (len == 0 || len > 10 || (len > 1 && k[0] == '0'))
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (k[i] < '0' || k[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(k[i] - '0');
    }
    if (v >= 4294967295u)
        return false;
    *value = (uint32_t)v;
    return true;
}

typedef struct index_key {
    uint32_t iv;
    const char *key;
    json_t *val;
} index_key;

static int cmp_index_key(const void *a, const void *b)
{
    uint32_t x = ((const index_key *)a)->iv, y = ((const index_key *)b)->iv;
    return x < y ? -1 : x > y;
}

int tl_jv_from_json(tl_jrender *r, const json_t *j, tl_jv *out, size_t depth)
{
    if (depth > 4096)
        return tl_jr_fail(r, NULL, TABLLM_ERR_LIMIT_EXCEEDED, "the context nests too deeply");
    switch (json_typeof(j)) {
    case JSON_NULL:
        *out = tl_jv_null();
        return JR_OK;
    case JSON_TRUE:
        *out = tl_jv_bool(true);
        return JR_OK;
    case JSON_FALSE:
        *out = tl_jv_bool(false);
        return JR_OK;
    case JSON_INTEGER:
        *out = tl_jv_num(JV_INT, (double)json_integer_value(j));
        return JR_OK;
    case JSON_REAL: {
        double d = json_real_value(j);
        *out = tl_jv_num(isfinite(d) && d == trunc(d) ? JV_INT : JV_FLOAT, d);
        return JR_OK;
    }
    case JSON_STRING:
        /* context strings outlive the render: no copy */
        *out = tl_jv_str_ref(json_string_value(j), json_string_length(j));
        return JR_OK;
    case JSON_ARRAY: {
        size_t n = json_array_size(j);
        if (tl_jv_make_array(r, NULL, n, out) != JR_OK)
            return JR_ERR;
        for (size_t i = 0; i < n; i++)
            if (tl_jv_from_json(r, json_array_get(j, i), &out->u.a->v[i], depth + 1) != JR_OK)
                return JR_ERR;
        return JR_OK;
    }
    default: {
        if (tl_jv_make_object(r, NULL, JV_OBJECT, out) != JR_OK)
            return JR_ERR;
        const char *key;
        json_t *val;
        /* integer-like keys first, in numeric order (JavaScript's property order) */
        size_t n_index = 0;
        json_object_foreach((json_t *)j, key, val)
        {
            uint32_t iv;
            if (array_index_key(key, strlen(key), &iv))
                n_index++;
        }
        if (n_index > 0) {
            index_key *ik = tl_malloc(n_index * sizeof *ik);
            if (ik == NULL) {
                r->st = tl_error_oom("chat template context");
                return JR_ERR;
            }
            size_t k = 0;
            json_object_foreach((json_t *)j, key, val)
            {
                uint32_t iv;
                if (array_index_key(key, strlen(key), &iv)) {
                    ik[k].iv = iv;
                    ik[k].key = key;
                    ik[k++].val = val;
                }
            }
            qsort(ik, n_index, sizeof *ik, cmp_index_key);
            for (k = 0; k < n_index; k++) {
                tl_jv v;
                if (tl_jv_from_json(r, ik[k].val, &v, depth + 1) != JR_OK ||
                    tl_jmap_set(r, NULL, out->u.m, ik[k].key, strlen(ik[k].key), v) != JR_OK) {
                    tl_free(ik);
                    return JR_ERR;
                }
            }
            tl_free(ik);
        }
        json_object_foreach((json_t *)j, key, val)
        {
            uint32_t iv;
            if (array_index_key(key, strlen(key), &iv))
                continue;
            tl_jv v;
            if (tl_jv_from_json(r, val, &v, depth + 1) != JR_OK ||
                tl_jmap_set(r, NULL, out->u.m, key, strlen(key), v) != JR_OK)
                return JR_ERR;
        }
        return JR_OK;
    }
    }
}
