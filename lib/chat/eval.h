/* The evaluator's internal interface, shared by eval.c (statements and
 * operators), filters.c (filters and tests) and builtins.c (functions and
 * methods). It follows @huggingface/jinja's runtime.ts node for node. */
#ifndef TL_CHAT_EVAL_H
#define TL_CHAT_EVAL_H

#include "chat/value.h"

/* A call's evaluated arguments: positional values, then (when any keyword
 * argument was given) a JV_OBJECT with JV_KWARGS holding them, exactly as the
 * reference passes them to functions. */
typedef struct jargs {
    tl_jv *v;
    size_t n;
} jargs;

int ev_expr(jrender *r, const tl_jnode *n, tl_jscope *sc, tl_jv *out);
int ev_block(jrender *r, tl_jnode *const *body, size_t n_body, tl_jscope *sc, tl_buf *out);
/* Renders a block into a new string value (set blocks, macros, filter blocks). */
int ev_block_to_string(jrender *r, const tl_jnode *at, tl_jnode *const *body, size_t n_body,
                       tl_jscope *sc, tl_jv *out);
/* evaluateArguments(): positional values (spreads expanded) and keyword
 * values, the latter as a JV_KWARGS dict (left JV_UNDEF when there are none). */
int ev_arguments(jrender *r, const tl_jnode *call, tl_jnode *const *list, size_t n, tl_jscope *sc,
                 jargs *pos, tl_jv *kwargs);
/* Appends a kwargs dict to an argument list. */
int jargs_push(jrender *r, const tl_jnode *n, jargs *a, tl_jv v);
tl_jscope *jscope_new(jrender *r, const tl_jnode *n, tl_jscope *parent);
/* Counts loop iterations (and range() items) against the cap. */
int jr_count_iterations(jrender *r, const tl_jnode *n, uint64_t k);

/* filters.c */
int jf_apply(jrender *r, const tl_jnode *filter, const tl_jv *operand, tl_jscope *sc, tl_jv *out);
/* Looks a test up; false when there is no test of that name. `arg` is the
 * second operand (selectattr's value), or NULL. */
bool jt_lookup(const char *name, size_t len);
int jt_run(jrender *r, const tl_jnode *n, const char *name, size_t len, const tl_jv *v,
           const tl_jv *arg, bool *result);
/* compareRuntimeValues() */
int jv_compare(jrender *r, const tl_jnode *n, const tl_jv *a, const tl_jv *b, bool case_sensitive,
               int *cmp);
/* A stable sort (the reference's Array.prototype.sort is stable). */
typedef int (*jcmp_fn)(jrender *r, const tl_jnode *n, const tl_jv *a, const tl_jv *b, void *ctx,
                       int *cmp);
int jv_sort(jrender *r, const tl_jnode *n, tl_jv *v, size_t count, jcmp_fn cmp, void *ctx);

/* builtins.c */
/* A string's or dict's builtin member (method or `length`); false if none. */
bool jb_member(jrender *r, const tl_jv *self, const char *name, size_t len, tl_jv *out, int *rc);
int jb_call(jrender *r, const tl_jnode *n, const tl_jfunc *f, jargs *args, tl_jscope *caller,
            tl_jv *out);
int jb_define_globals(jrender *r, tl_jscope *global);
/* String methods, also used by filters. */
int jb_string_method(jrender *r, const tl_jnode *n, const tl_jv *self, const char *name,
                     const jargs *args, tl_jv *out);
int jb_dict_items(jrender *r, const tl_jnode *n, const tl_jmap *m, tl_jv *out);
int jb_dict_method(jrender *r, const tl_jnode *n, const tl_jv *self, const char *name,
                   const jargs *args, tl_jv *out);

static inline bool name_is(const char *s, size_t len, const char *lit)
{
    size_t k = 0;
    while (lit[k] && k < len && s[k] == lit[k])
        k++;
    return k == len && lit[k] == '\0';
}

#endif
