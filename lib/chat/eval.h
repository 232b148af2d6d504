/* The evaluator's internal interface, shared by eval.c (statements and
 * operators), filters.c (filters and tests) and builtins.c (functions and
 * methods). It follows @huggingface/jinja's runtime.ts node for node. */
#ifndef TL_CHAT_EVAL_H
#define TL_CHAT_EVAL_H

#include "chat/value.h"

/* A call's evaluated arguments: positional values, then (when any keyword
 * argument was given) a JV_OBJECT with JV_KWARGS holding them, exactly as the
 * reference passes them to functions. */
typedef struct tl_jargs {
    tl_jv *v;
    size_t n;
} tl_jargs;

int tl_jev_expr(tl_jrender *r, const tl_jnode *n, tl_jscope *sc, tl_jv *out);
int tl_jev_block(tl_jrender *r, tl_jnode *const *body, size_t n_body, tl_jscope *sc, tl_buf *out);
/* Renders a block into a new string value (set blocks, macros, filter blocks). */
int tl_jev_block_to_string(tl_jrender *r, const tl_jnode *at, tl_jnode *const *body, size_t n_body,
                           tl_jscope *sc, tl_jv *out);
/* evaluateArguments(): positional values (spreads expanded) and keyword
 * values, the latter as a JV_KWARGS dict (left JV_UNDEF when there are none). */
int tl_jev_arguments(tl_jrender *r, const tl_jnode *call, tl_jnode *const *list, size_t n,
                     tl_jscope *sc, tl_jargs *pos, tl_jv *kwargs);
/* Appends a kwargs dict to an argument list. */
int tl_jargs_push(tl_jrender *r, const tl_jnode *n, tl_jargs *a, tl_jv v);
tl_jscope *tl_jscope_new(tl_jrender *r, const tl_jnode *n, tl_jscope *parent);
/* Counts loop iterations (and range() items) against the cap. */
int tl_jr_count_iterations(tl_jrender *r, const tl_jnode *n, uint64_t k);
/* One level deeper into evaluation; JR_ERR past the depth limit (the caller
 * decrements r->depth on success). */
int tl_jr_enter(tl_jrender *r, const tl_jnode *n);

/* filters.c */
int tl_jf_apply(tl_jrender *r, const tl_jnode *filter, const tl_jv *operand, tl_jscope *sc,
                tl_jv *out);
/* Looks a test up; false when there is no test of that name. `arg` is the
 * second operand (selectattr's value), or NULL. */
bool tl_jt_lookup(const char *name, size_t len);
int tl_jt_run(tl_jrender *r, const tl_jnode *n, const char *name, size_t len, const tl_jv *v,
              const tl_jv *arg, bool *result);
/* compareRuntimeValues() */
int tl_jv_compare(tl_jrender *r, const tl_jnode *n, const tl_jv *a, const tl_jv *b,
                  bool case_sensitive, int *cmp);
/* getAttributeValue(): "a.b.0" through dicts, namespaces and lists. */
tl_jv tl_jf_attribute_path(const tl_jv *item, const char *path, size_t len);
typedef struct tl_jsort_ctx {
    bool reverse, case_sensitive;
    const char *attr; /* sort by this attribute path, or NULL */
    size_t attr_len;
} tl_jsort_ctx;
/* A sorted copy of a list, as the sort filter makes it. */
int tl_jf_sorted_copy(tl_jrender *r, const tl_jnode *n, const tl_jarr *a, tl_jsort_ctx *ctx,
                      tl_jv *out);
/* A stable sort (the reference's Array.prototype.sort is stable). */
typedef int (*tl_jcmp_fn)(tl_jrender *r, const tl_jnode *n, const tl_jv *a, const tl_jv *b,
                          void *ctx, int *cmp);
int tl_jv_sort(tl_jrender *r, const tl_jnode *n, tl_jv *v, size_t count, tl_jcmp_fn cmp, void *ctx);

/* builtins.c and globals.c */
int tl_jb_make_func(tl_jrender *r, const tl_jnode *n, tl_jfunc_kind kind, const char *name,
                    const tl_jv *self, tl_jv *out);
/* A string's or dict's builtin member (method or `length`); false if none. */
bool tl_jb_member(tl_jrender *r, const tl_jv *self, const char *name, size_t len, tl_jv *out,
                  int *rc);
int tl_jb_call(tl_jrender *r, const tl_jnode *n, const tl_jfunc *f, tl_jargs *args,
               tl_jscope *caller, tl_jv *out);
int tl_jb_define_globals(tl_jrender *r, tl_jscope *global);
/* String methods, also used by filters. */
int tl_jb_string_method(tl_jrender *r, const tl_jnode *n, const tl_jv *self, const char *name,
                        const tl_jargs *args, tl_jv *out);
int tl_jb_dict_items(tl_jrender *r, const tl_jnode *n, const tl_jmap *m, tl_jv *out);
int tl_jb_dict_method(tl_jrender *r, const tl_jnode *n, const tl_jv *self, const char *name,
                      const tl_jargs *args, tl_jv *out);

static inline bool name_is(const char *s, size_t len, const char *lit)
{
    size_t k = 0;
    while (lit[k] && k < len && s[k] == lit[k])
        k++;
    return k == len && lit[k] == '\0';
}

#endif
