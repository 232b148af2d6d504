/* Which macros read `kwargs` or `varargs` before declaring them: only those
 * accept extra arguments (findAccessedSpecialMacroArguments of the
 * reference, which follows Jinja's own AST visit order). */
#include <string.h>

#include "chat/parse.h"

typedef struct special_scan {
    unsigned declared, accessed;
} special_scan;

static unsigned special_name(const char *s, size_t len)
{
    if (len == 6 && memcmp(s, "kwargs", 6) == 0)
        return TL_JMACRO_KWARGS;
    if (len == 7 && memcmp(s, "varargs", 7) == 0)
        return TL_JMACRO_VARARGS;
    return 0;
}

static void declare_target(special_scan *s, const tl_jnode *t)
{
    if (t == NULL)
        return;
    if (t->kind == N_IDENT)
        s->declared |= special_name(t->str, t->len);
    else if (t->kind == N_TUPLE)
        for (size_t i = 0; i < t->n_list; i++)
            declare_target(s, t->list[i]);
}

static void declare_params(special_scan *s, tl_jnode *const *params, size_t n)
{
    for (size_t i = 0; i < n; i++)
        s->declared |= special_name(params[i]->str, params[i]->len);
}

static void visit(special_scan *s, const tl_jnode *n, size_t depth);

static void visit_list(special_scan *s, tl_jnode *const *v, size_t n, size_t depth)
{
    for (size_t i = 0; i < n; i++)
        visit(s, v[i], depth);
}

static void visit_defaults(special_scan *s, tl_jnode *const *params, size_t n, size_t depth)
{
    for (size_t i = 0; i < n; i++)
        if (params[i]->kind == N_KWARG)
            visit(s, params[i]->b, depth);
}

static void visit_filter(special_scan *s, const tl_jnode *f, size_t depth)
{
    if (f && f->kind == N_CALL)
        visit_list(s, f->list, f->n_list, depth); /* a filter's name is syntax, not a load */
}

static void visit(special_scan *s, const tl_jnode *n, size_t depth)
{
    if (n == NULL || depth > 4096)
        return;
    depth++;
    switch (n->kind) {
    case N_FOR:
        declare_target(s, n->a);
        if (n->b && n->b->kind == N_SELECT) {
            visit(s, n->b->a, depth);
            visit_list(s, n->body, n->n_body, depth);
            visit_list(s, n->alt, n->n_alt, depth);
            visit(s, n->b->b, depth);
            return;
        }
        visit(s, n->b, depth);
        visit_list(s, n->body, n->n_body, depth);
        visit_list(s, n->alt, n->n_alt, depth);
        return;
    case N_SET:
        declare_target(s, n->a);
        visit(s, n->b, depth);
        visit_list(s, n->body, n->n_body, depth);
        return;
    case N_MACRO:
        declare_params(s, n->list, n->n_list);
        visit_defaults(s, n->list, n->n_list, depth);
        visit_list(s, n->body, n->n_body, depth);
        return;
    case N_CALL_BLOCK:
        visit(s, n->a, depth);
        declare_params(s, n->list, n->n_list);
        visit_defaults(s, n->list, n->n_list, depth);
        visit_list(s, n->body, n->n_body, depth);
        return;
    case N_FILTER_BLOCK:
        visit_list(s, n->body, n->n_body, depth);
        visit_filter(s, n->a, depth);
        return;
    case N_IDENT: {
        unsigned k = special_name(n->str, n->len);
        if (k && !(s->declared & k))
            s->accessed |= k;
        return;
    }
    case N_MEMBER:
        visit(s, n->a, depth);
        if (n->flag)
            visit(s, n->b, depth);
        return;
    case N_FILTER:
        visit(s, n->a, depth);
        visit_filter(s, n->b, depth);
        return;
    case N_TEST:
        visit(s, n->a, depth);
        return;
    case N_SELECT:
        visit(s, n->b, depth);
        visit(s, n->a, depth);
        return;
    case N_KWARG:
        visit(s, n->b, depth);
        return;
    default:
        visit(s, n->a, depth);
        visit(s, n->b, depth);
        visit(s, n->c, depth);
        visit_list(s, n->list, n->n_list, depth);
        visit_list(s, n->body, n->n_body, depth);
        visit_list(s, n->alt, n->n_alt, depth);
        return;
    }
}

static void mark_macros(tl_jnode *n, size_t depth);

void tl_jp_mark_macros(tl_jnode **v, size_t n, size_t depth)
{
    for (size_t i = 0; i < n; i++)
        mark_macros(v[i], depth);
}

/* Every macro and call block gets its TL_JMACRO_* flags. */
static void mark_macros(tl_jnode *n, size_t depth)
{
    if (n == NULL || depth > 4096)
        return;
    if (n->kind == N_MACRO || n->kind == N_CALL_BLOCK) {
        special_scan s = {0, 0};
        declare_params(&s, n->list, n->n_list);
        visit_list(&s, n->body, n->n_body, 0);
        n->special = (uint8_t)s.accessed;
    }
    mark_macros(n->a, depth + 1);
    mark_macros(n->b, depth + 1);
    mark_macros(n->c, depth + 1);
    tl_jp_mark_macros(n->list, n->n_list, depth + 1);
    tl_jp_mark_macros(n->body, n->n_body, depth + 1);
    tl_jp_mark_macros(n->alt, n->n_alt, depth + 1);
}
