/* Global functions (namespace, raise_exception, range, strftime_now), macros,
 * and the methods of strings and dicts, as @huggingface/jinja defines them.
 * Note its string methods take no arguments where Python's do: strip('\n')
 * strips all white space there, and so it does here. */
#include <math.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "chat/eval.h"
#include "chat/jsstr.h"

int tl_jb_make_func(tl_jrender *r, const tl_jnode *n, tl_jfunc_kind kind, const char *name,
                    const tl_jv *self, tl_jv *out)
{
    tl_jfunc *f = tl_jr_alloc(r, n, sizeof *f);
    if (f == NULL)
        return JR_ERR;
    memset(f, 0, sizeof *f);
    f->kind = kind;
    f->name = name;
    if (self)
        f->self = *self;
    out->kind = JV_FUNC;
    out->flags = 0;
    out->u.f = f;
    return JR_OK;
}

static const char *const string_methods[] = {
    "upper",  "lower",      "strip",    "title", "capitalize", "rstrip",
    "lstrip", "startswith", "endswith", "split", "replace",    NULL,
};
static const char *const dict_methods[] = {"get", "items", "keys", "values", "dictsort", NULL};

static const char *find_name(const char *const *names, const char *s, size_t len)
{
    for (; *names; names++)
        if (name_is(s, len, *names))
            return *names;
    return NULL;
}

bool tl_jb_member(tl_jrender *r, const tl_jv *self, const char *name, size_t len, tl_jv *out,
                  int *rc)
{
    *rc = JR_OK;
    if ((self->kind == JV_STR || self->kind == JV_ARRAY) && name_is(name, len, "length")) {
        size_t n =
            self->kind == JV_STR ? tl_js_utf16_len(self->u.s.p, self->u.s.len) : self->u.a->n;
        *out = tl_jv_num(JV_INT, (double)n);
        return true;
    }
    const char *m = NULL;
    if (self->kind == JV_STR && (m = find_name(string_methods, name, len)) != NULL) {
        *rc = tl_jb_make_func(r, NULL, JF_STR_METHOD, m, self, out);
        return true;
    }
    if (self->kind == JV_OBJECT && (m = find_name(dict_methods, name, len)) != NULL) {
        *rc = tl_jb_make_func(r, NULL, JF_DICT_METHOD, m, self, out);
        return true;
    }
    return false;
}

/* ---- string methods --------------------------------------------------------- */

static int affix_test(tl_jrender *r, const tl_jnode *n, const tl_jv *self, const tl_jargs *a,
                      bool start, tl_jv *out)
{
    const char *name = start ? "startswith" : "endswith";
    if (a->n == 0)
        return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT, "%s() needs an argument", name);
    const tl_jv *p = &a->v[0];
    const tl_jv *items = p;
    size_t count = 1;
    if (p->kind == JV_ARRAY) {
        items = p->u.a->v;
        count = p->u.a->n;
    } else if (p->kind != JV_STR) {
        return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT,
                          "%s() needs a string or a tuple of strings, not a %s", name,
                          tl_jv_type_name(p));
    }
    for (size_t i = 0; i < count; i++) {
        const tl_jv *s = &items[i];
        if (s->kind != JV_STR)
            return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT, "%s() tuple items must be strings",
                              name);
        size_t L = self->u.s.len, k = s->u.s.len;
        if (k <= L && memcmp(self->u.s.p + (start ? 0 : L - k), s->u.s.p, k) == 0) {
            *out = tl_jv_bool(true);
            return JR_OK;
        }
    }
    *out = tl_jv_bool(false);
    return JR_OK;
}

static int push_piece(tl_jrender *r, const tl_jnode *n, tl_jv **v, size_t *count, size_t *cap,
                      const char *p, size_t len)
{
    if (*count == *cap) {
        size_t nc = *cap ? *cap * 2 : 8;
        tl_jv *nv = tl_jr_alloc(r, n, nc * sizeof(tl_jv));
        if (nv == NULL)
            return JR_ERR;
        if (*count)
            memcpy(nv, *v, *count * sizeof(tl_jv));
        *v = nv;
        *cap = nc;
    }
    (*v)[(*count)++] = tl_jv_str_ref(p, len);
    return JR_OK;
}

static int finish_list(tl_jrender *r, const tl_jnode *n, tl_jv *v, size_t count, tl_jv *out)
{
    if (tl_jv_make_array(r, n, count, out) != JR_OK)
        return JR_ERR;
    if (count)
        memcpy(out->u.a->v, v, count * sizeof(tl_jv));
    return JR_OK;
}

/* Python's str.split as the reference writes it in JavaScript. */
static int split(tl_jrender *r, const tl_jnode *n, const tl_jv *self, const tl_jargs *a, tl_jv *out)
{
    const tl_jv *sep = a->n > 0 ? &a->v[0] : NULL;
    if (sep && sep->kind != JV_STR && sep->kind != JV_NULL)
        return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT,
                          "split(): sep must be a string or none");
    double maxsplit = -1;
    if (a->n > 1) {
        if (a->v[1].kind != JV_INT)
            return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT,
                              "split(): maxsplit must be an integer");
        maxsplit = a->v[1].u.n;
    }
    tl_jv *v = NULL;
    size_t count = 0, cap = 0;
    const char *s = self->u.s.p;
    size_t len = self->u.s.len;
    if (sep == NULL || sep->kind == JV_NULL) {
        size_t off = tl_js_trim(s, &len, true, false);
        s += off;
        size_t i = 0;
        while (i < len) {
            size_t start = i, k;
            while (i < len && tl_js_space_at(s + i, len - i) == 0) {
                uint32_t cp;
                i += tl_js_decode(s + i, len - i, &cp);
            }
            if (maxsplit != -1 && (double)count >= maxsplit)
                return push_piece(r, n, &v, &count, &cap, s + start, len - start) != JR_OK
                           ? JR_ERR
                           : finish_list(r, n, v, count, out);
            if (push_piece(r, n, &v, &count, &cap, s + start, i - start) != JR_OK)
                return JR_ERR;
            while (i < len && (k = tl_js_space_at(s + i, len - i)) > 0)
                i += k;
        }
        return finish_list(r, n, v, count, out);
    }
    if (sep->u.s.len == 0)
        return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT, "split(): empty separator");
    const char *p = s, *end = s + len;
    for (;;) {
        const char *hit = (size_t)(end - p) >= sep->u.s.len
                              ? memmem(p, (size_t)(end - p), sep->u.s.p, sep->u.s.len)
                              : NULL;
        if (hit == NULL)
            break;
        if (push_piece(r, n, &v, &count, &cap, p, (size_t)(hit - p)) != JR_OK)
            return JR_ERR;
        p = hit + sep->u.s.len;
    }
    if (push_piece(r, n, &v, &count, &cap, p, (size_t)(end - p)) != JR_OK)
        return JR_ERR;
    if (maxsplit != -1 && (double)count > maxsplit) {
        /* result.push(result.splice(maxsplit).join(sep)) */
        double k = trunc(maxsplit);
        size_t at = k < 0 ? (size_t)fmax((double)count + k, 0) : (size_t)fmin(k, (double)count);
        tl_buf b = tl_jr_buf(r);
        for (size_t i = at; i < count; i++) {
            if (i > at)
                tl_buf_append(&b, sep->u.s.p, sep->u.s.len);
            tl_buf_append(&b, v[i].u.s.p, v[i].u.s.len);
        }
        tl_jv joined;
        if (tl_jv_from_buf(r, n, &b, &joined) != JR_OK)
            return JR_ERR;
        count = at;
        if (push_piece(r, n, &v, &count, &cap, joined.u.s.p, joined.u.s.len) != JR_OK)
            return JR_ERR;
    }
    return finish_list(r, n, v, count, out);
}

/* utils.ts replace(): Python's str.replace; an empty `old` matches at every
 * code point boundary. */
static int replace(tl_jrender *r, const tl_jnode *n, const tl_jv *self, const tl_jargs *a,
                   tl_jv *out)
{
    if (a->n < 2)
        return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT, "replace() needs two arguments");
    const tl_jv *old = &a->v[0], *rep = &a->v[1];
    if (old->kind != JV_STR || rep->kind != JV_STR)
        return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT, "replace() arguments must be strings");
    tl_jv count = tl_jv_null();
    if (a->n > 2) {
        const tl_jv *c = &a->v[2];
        if (c->kind == JV_OBJECT && (c->flags & JV_KWARGS)) {
            tl_jv *k = tl_jmap_get(c->u.m, "count", 5);
            count = k ? *k : tl_jv_null();
        } else {
            count = *c;
        }
    }
    if (count.kind != JV_INT && count.kind != JV_NULL)
        return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT,
                          "replace(): count must be an integer or none");
    if (count.kind == JV_INT && count.u.n == 0) {
        *out = *self;
        return JR_OK;
    }
    double remaining = count.kind == JV_NULL || count.u.n < 0 ? INFINITY : count.u.n;
    tl_buf b = tl_jr_buf(r);
    const char *s = self->u.s.p;
    size_t len = self->u.s.len, i = 0;
    if (old->u.s.len == 0) {
        for (;;) {
            if (remaining > 0) {
                tl_buf_append(&b, rep->u.s.p, rep->u.s.len);
                remaining--;
            }
            if (i >= len)
                break;
            uint32_t cp;
            size_t k = tl_js_decode(s + i, len - i, &cp);
            tl_buf_append(&b, s + i, k);
            i += k;
            if (b.status != TABLLM_OK)
                break;
        }
        return tl_jv_from_buf(r, n, &b, out);
    }
    while (i < len) {
        const char *hit =
            len - i >= old->u.s.len ? memmem(s + i, len - i, old->u.s.p, old->u.s.len) : NULL;
        if (hit == NULL || remaining <= 0)
            break;
        size_t at = (size_t)(hit - s);
        tl_buf_append(&b, s + i, at - i);
        tl_buf_append(&b, rep->u.s.p, rep->u.s.len);
        remaining--;
        i = at + old->u.s.len;
        if (b.status != TABLLM_OK)
            break;
    }
    tl_buf_append(&b, s + i, len - i);
    return tl_jv_from_buf(r, n, &b, out);
}

int tl_jb_string_method(tl_jrender *r, const tl_jnode *n, const tl_jv *self, const char *name,
                        const tl_jargs *args, tl_jv *out)
{
    const char *s = self->u.s.p;
    size_t len = self->u.s.len;
    if (!strcmp(name, "strip") || !strcmp(name, "lstrip") || !strcmp(name, "rstrip")) {
        size_t off = tl_js_trim(s, &len, name[0] != 'r', name[0] != 'l');
        *out = tl_jv_str_ref(s + off, len);
        return JR_OK;
    }
    if (!strcmp(name, "startswith") || !strcmp(name, "endswith"))
        return affix_test(r, n, self, args, name[0] == 's', out);
    if (!strcmp(name, "split"))
        return split(r, n, self, args, out);
    if (!strcmp(name, "replace"))
        return replace(r, n, self, args, out);
    tl_buf b = tl_jr_buf(r);
    if (!strcmp(name, "upper")) {
        tl_js_to_upper(s, len, &b);
    } else if (!strcmp(name, "lower")) {
        tl_js_to_lower(s, len, &b);
    } else if (!strcmp(name, "title")) {
        /* value.replace(/\b\w/g, c => c.toUpperCase()): ASCII word characters */
        for (size_t i = 0; i < len; i++) {
            char c = s[i];
            bool boundary = i == 0 || !tl_js_is_word((unsigned char)s[i - 1]);
            if (boundary && c >= 'a' && c <= 'z')
                c = (char)(c - 32);
            tl_buf_putc(&b, c);
        }
    } else if (!strcmp(name, "capitalize")) {
        /* charAt(0).toUpperCase() + slice(1): the first UTF-16 unit only */
        if (len > 0) {
            uint32_t cp;
            size_t k = tl_js_decode(s, len, &cp);
            if (cp < 0x10000)
                tl_js_to_upper(s, k, &b);
            else
                tl_buf_append(&b, s, k);
            tl_buf_append(&b, s + k, len - k);
        }
    } else {
        tl_buf_free(&b);
        return tl_jr_fail(r, n, TABLLM_ERR_UNSUPPORTED, "the string method '%s' is not supported",
                          name);
    }
    return tl_jv_from_buf(r, n, &b, out);
}

/* ---- dict methods ------------------------------------------------------------- */

int tl_jb_dict_items(tl_jrender *r, const tl_jnode *n, const tl_jmap *m, tl_jv *out)
{
    if (tl_jv_make_array(r, n, m->n, out) != JR_OK)
        return JR_ERR;
    for (size_t i = 0; i < m->n; i++) {
        tl_jv pair;
        if (tl_jv_make_array(r, n, 2, &pair) != JR_OK)
            return JR_ERR;
        pair.u.a->v[0] = tl_jv_str_ref(m->keys[i], m->klen[i]);
        pair.u.a->v[1] = m->vals[i];
        out->u.a->v[i] = pair;
    }
    return JR_OK;
}

typedef struct dictsort_ctx {
    bool case_sensitive, by_value, reverse;
} dictsort_ctx;

static int dictsort_cmp(tl_jrender *r, const tl_jnode *n, const tl_jv *a, const tl_jv *b, void *ctx,
                        int *cmp)
{
    const dictsort_ctx *c = ctx;
    size_t i = c->by_value ? 1 : 0;
    if (tl_jv_compare(r, n, &a->u.a->v[i], &b->u.a->v[i], c->case_sensitive, cmp) != JR_OK)
        return JR_ERR;
    if (c->reverse)
        *cmp = -*cmp;
    return JR_OK;
}

static int dictsort(tl_jrender *r, const tl_jnode *n, const tl_jmap *m, const tl_jargs *a,
                    tl_jv *out)
{
    tl_jv pos[3];
    size_t npos = 0;
    const tl_jmap *kw = NULL;
    for (size_t i = 0; i < a->n; i++) {
        if (a->v[i].kind == JV_OBJECT && (a->v[i].flags & JV_KWARGS))
            kw = a->v[i].u.m;
        else if (npos < 3)
            pos[npos++] = a->v[i];
    }
    const tl_jv *cs = npos > 0 ? &pos[0] : kw ? tl_jmap_get(kw, "case_sensitive", 14) : NULL;
    const tl_jv *by = npos > 1 ? &pos[1] : kw ? tl_jmap_get(kw, "by", 2) : NULL;
    const tl_jv *rev = npos > 2 ? &pos[2] : kw ? tl_jmap_get(kw, "reverse", 7) : NULL;
    dictsort_ctx ctx = {false, false, false};
    if ((cs && cs->kind != JV_BOOL) || (rev && rev->kind != JV_BOOL))
        return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT,
                          "dictsort: case_sensitive and reverse must be booleans");
    if (by && !(by->kind == JV_STR && (name_is(by->u.s.p, by->u.s.len, "key") ||
                                       name_is(by->u.s.p, by->u.s.len, "value"))))
        return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT,
                          "dictsort: by must be 'key' or 'value'");
    ctx.case_sensitive = cs && cs->u.b;
    ctx.reverse = rev && rev->u.b;
    ctx.by_value = by && by->u.s.len == 5;
    if (tl_jb_dict_items(r, n, m, out) != JR_OK)
        return JR_ERR;
    return tl_jv_sort(r, n, out->u.a->v, out->u.a->n, dictsort_cmp, &ctx);
}

int tl_jb_dict_method(tl_jrender *r, const tl_jnode *n, const tl_jv *self, const char *name,
                      const tl_jargs *args, tl_jv *out)
{
    const tl_jmap *m = self->u.m;
    if (!strcmp(name, "get")) {
        if (args->n == 0 || args->v[0].kind != JV_STR)
            return tl_jr_fail(r, n, TABLLM_ERR_INVALID_ARGUMENT, "get(): the key must be a string");
        tl_jv *v = tl_jmap_get(m, args->v[0].u.s.p, args->v[0].u.s.len);
        *out = v ? *v : args->n > 1 ? args->v[1] : tl_jv_null();
        return JR_OK;
    }
    if (!strcmp(name, "items"))
        return tl_jb_dict_items(r, n, m, out);
    if (!strcmp(name, "keys") || !strcmp(name, "values")) {
        if (tl_jv_make_array(r, n, m->n, out) != JR_OK)
            return JR_ERR;
        for (size_t i = 0; i < m->n; i++)
            out->u.a->v[i] = name[0] == 'k' ? tl_jv_str_ref(m->keys[i], m->klen[i]) : m->vals[i];
        return JR_OK;
    }
    return dictsort(r, n, m, args, out);
}
