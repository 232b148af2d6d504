/* The parser's internal interface: statements (parse.c), expressions
 * (parse_expr.c) and the macro-argument analysis (parse_scan.c) share it. */
#ifndef TL_CHAT_PARSE_H
#define TL_CHAT_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "chat/jinja.h"
#include "chat/lexer.h"

typedef struct tl_jparser {
    const tl_jtok *t;
    size_t n, cur;
    tl_arena *arena;
    const char *src;
    size_t src_len;
    size_t depth, max_depth;
    tabllm_status st; /* the first error; parsing stops there */
} tl_jparser;

/* A growable list of nodes, copied into the arena when complete. */
typedef struct tl_jp_nvec {
    tl_jnode **v;
    size_t n, cap;
} tl_jp_nvec;

/* Records an error at token i (the first one wins) and returns NULL. */
tl_jnode *tl_jp_fail(tl_jparser *p, size_t i, tabllm_status status, const char *fmt, ...)
    TL_PRINTF(4, 5);
/* What token i is, for messages: "'%}'", "'foo'", "the end of the template". */
const char *tl_jp_describe(const tl_jparser *p, size_t i, char *buf, size_t size);
tl_jnode *tl_jp_new_node(tl_jparser *p, tl_jnode_kind kind, size_t at);
bool tl_jp_push(tl_jparser *p, tl_jp_nvec *v, tl_jnode *n);
/* Moves the list into the arena and frees the vector. */
bool tl_jp_finish(tl_jparser *p, tl_jp_nvec *v, tl_jnode ***out, size_t *n);

bool tl_jp_is(const tl_jparser *p, tl_jtok_kind k);
bool tl_jp_is_name(const tl_jtok *t, const char *name);
bool tl_jp_is_ident(const tl_jparser *p, const char *name);
bool tl_jp_is_ident2(const tl_jparser *p, const char *a, const char *b);
bool tl_jp_expect(tl_jparser *p, tl_jtok_kind k, const char *what);
/* One level deeper; false (with the error set) past the depth limit. */
bool tl_jp_enter(tl_jparser *p);

/* parse_expr.c */
tl_jnode *tl_jp_expression(tl_jparser *p);
/* e1, e2, ... as a tuple, or a single expression (primaries only for `for`) */
tl_jnode *tl_jp_expression_sequence(tl_jparser *p, bool primary);
tl_jnode *tl_jp_primary(tl_jparser *p);
tl_jnode *tl_jp_call(tl_jparser *p, tl_jnode *callee);
tl_jnode *tl_jp_member(tl_jparser *p, tl_jnode *object);
/* (a, b=1, *c, **d): call arguments, or macro parameters when `params` */
bool tl_jp_args(tl_jparser *p, bool params, tl_jp_nvec *out);

/* parse_scan.c: sets TL_JMACRO_* on every macro and call block. */
void tl_jp_mark_macros(tl_jnode **v, size_t n, size_t depth);

#endif
