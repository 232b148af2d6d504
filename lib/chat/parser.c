/* A port of @huggingface/jinja's parser.ts: recursive descent with the same
 * precedence ladder (which differs from Python Jinja's in places: `not`
 * binds looser than comparisons, tests bind tighter than `*`) and the same
 * acceptance of odd input, so that what it renders we render. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/utf8.h"
#include "chat/jinja.h"
#include "chat/lexer.h"

typedef struct parser {
    const tl_jtok *t;
    size_t n, cur;
    tl_arena *arena;
    const char *src;
    size_t src_len;
    size_t depth, max_depth;
    tabllm_status st;
} parser;

/* A growable list of nodes, copied into the arena when complete. */
typedef struct nvec {
    tl_jnode **v;
    size_t n, cap;
} nvec;

tabllm_status tl_jinja_error_at(const char *src, size_t src_len, size_t pos, tabllm_status status,
                                const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    size_t line, col;
    tl_jinja_line_col(src, src_len, pos, &line, &col);
    return tl_error(status, "chat template:%zu:%zu: %s", line, col, msg);
}

static size_t tok_pos(const parser *p, size_t i)
{
    return i < p->n ? p->t[i].pos : p->src_len;
}

static tl_jnode *fail(parser *p, size_t i, tabllm_status status, const char *fmt, ...)
    TL_PRINTF(4, 5);
static tl_jnode *fail(parser *p, size_t i, tabllm_status status, const char *fmt, ...)
{
    if (p->st != TABLLM_OK)
        return NULL;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    p->st = tl_jinja_error_at(p->src, p->src_len, tok_pos(p, i), status, "%s", msg);
    return NULL;
}

/* What the token at i is, for messages: "'%}'", "name 'foo'", "end of template". */
static const char *describe(const parser *p, size_t i, char *buf, size_t size)
{
    if (i >= p->n)
        return "the end of the template";
    const tl_jtok *t = &p->t[i];
    if (t->kind == TK_IDENT || t->kind == TK_NUMBER || t->kind == TK_COMPARISON ||
        t->kind == TK_ADDITIVE || t->kind == TK_MULTIPLICATIVE || t->kind == TK_UNARY)
        snprintf(buf, size, "'%.*s'", (int)(t->len > 40 ? 40 : t->len), t->s);
    else if (t->kind == TK_STRING)
        snprintf(buf, size, "a string");
    else if (t->kind == TK_TEXT)
        snprintf(buf, size, "template text");
    else
        snprintf(buf, size, "%s", tl_jtok_name(t->kind));
    return buf;
}

static tl_jnode *new_node(parser *p, tl_jnode_kind kind, size_t at)
{
    tl_jnode *n = tl_arena_alloc(p->arena, sizeof *n);
    if (n == NULL) {
        p->st = TABLLM_ERR_OUT_OF_MEMORY;
        return NULL;
    }
    memset(n, 0, sizeof *n);
    n->kind = (uint8_t)kind;
    n->pos = tok_pos(p, at);
    return n;
}

static bool nvec_push(parser *p, nvec *v, tl_jnode *n)
{
    if (n == NULL)
        return false;
    if (v->n == v->cap) {
        void *q = v->v;
        if (tl_grow_array(&q, &v->cap, v->n + 1, sizeof(tl_jnode *), "template syntax tree") !=
            TABLLM_OK) {
            p->st = TABLLM_ERR_OUT_OF_MEMORY;
            return false;
        }
        v->v = q;
    }
    v->v[v->n++] = n;
    return true;
}

/* Moves the list into the arena (and frees the vector). */
static bool nvec_finish(parser *p, nvec *v, tl_jnode ***out, size_t *n)
{
    *out = NULL;
    *n = v->n;
    if (v->n) {
        *out = tl_arena_alloc(p->arena, v->n * sizeof(tl_jnode *));
        if (*out == NULL) {
            p->st = TABLLM_ERR_OUT_OF_MEMORY;
            tl_free(v->v);
            v->v = NULL;
            v->n = v->cap = 0;
            return false;
        }
        memcpy(*out, v->v, v->n * sizeof(tl_jnode *));
    }
    tl_free(v->v);
    v->v = NULL;
    v->n = v->cap = 0;
    return p->st == TABLLM_OK;
}

static bool is(const parser *p, tl_jtok_kind k)
{
    return p->cur < p->n && p->t[p->cur].kind == k;
}

static bool tok_is_name(const tl_jtok *t, const char *name)
{
    return t->kind == TK_IDENT && t->len == strlen(name) && memcmp(t->s, name, t->len) == 0;
}

static bool is_ident(const parser *p, const char *name)
{
    return p->cur < p->n && tok_is_name(&p->t[p->cur], name);
}

static bool is_ident2(const parser *p, const char *a, const char *b)
{
    return p->cur + 1 < p->n && tok_is_name(&p->t[p->cur], a) && tok_is_name(&p->t[p->cur + 1], b);
}

/* {% NAME where NAME is one of names (NULL-terminated) */
static bool is_statement(const parser *p, const char *const *names)
{
    if (!(p->cur + 1 < p->n && p->t[p->cur].kind == TK_OPEN_STMT))
        return false;
    for (; *names; names++)
        if (tok_is_name(&p->t[p->cur + 1], *names))
            return true;
    return false;
}

static bool expect(parser *p, tl_jtok_kind k, const char *what)
{
    if (p->st != TABLLM_OK)
        return false;
    if (is(p, k)) {
        p->cur++;
        return true;
    }
    char buf[64];
    fail(p, p->cur, TABLLM_ERR_FORMAT, "expected %s, found %s", what,
         describe(p, p->cur, buf, sizeof buf));
    return false;
}

static bool expect_ident(parser *p, const char *name)
{
    if (p->st != TABLLM_OK)
        return false;
    if (is_ident(p, name)) {
        p->cur++;
        return true;
    }
    char buf[64];
    fail(p, p->cur, TABLLM_ERR_FORMAT, "expected '%s', found %s", name,
         describe(p, p->cur, buf, sizeof buf));
    return false;
}

static bool enter(parser *p)
{
    if (p->st != TABLLM_OK)
        return false;
    if (++p->depth > p->max_depth) {
        fail(p, p->cur, TABLLM_ERR_LIMIT_EXCEEDED,
             "the template nests deeper than the limit of %zu levels", p->max_depth);
        return false;
    }
    return true;
}

static tl_jnode *parse_any(parser *p);
static tl_jnode *parse_expression(parser *p);
static tl_jnode *parse_primary(parser *p);
static tl_jnode *parse_call(parser *p, tl_jnode *callee);
static tl_jnode *parse_member(parser *p, tl_jnode *object);
static bool parse_args(parser *p, bool params, nvec *out);

/* Statements until one of `names` ({% NAME) comes. */
static bool parse_block(parser *p, const char *const *names, nvec *body, const char *closing)
{
    while (p->st == TABLLM_OK && !is_statement(p, names)) {
        if (p->cur >= p->n) {
            fail(p, p->cur, TABLLM_ERR_FORMAT, "missing {%% %s %%}", closing);
            return false;
        }
        if (!nvec_push(p, body, parse_any(p)))
            return false;
    }
    return p->st == TABLLM_OK;
}

static tl_jnode *parse_expression_sequence(parser *p, bool primary)
{
    size_t at = p->cur;
    tl_jnode *first = primary ? parse_primary(p) : parse_expression(p);
    if (first == NULL || !is(p, TK_COMMA))
        return first;
    nvec items = {0};
    nvec_push(p, &items, first);
    while (p->st == TABLLM_OK) {
        p->cur++; /* , */
        if (!nvec_push(p, &items, primary ? parse_primary(p) : parse_expression(p)))
            break;
        if (!is(p, TK_COMMA))
            break;
    }
    tl_jnode *t = new_node(p, N_TUPLE, at);
    if (t == NULL || !nvec_finish(p, &items, &t->list, &t->n_list)) {
        tl_free(items.v);
        return NULL;
    }
    return t;
}

static tl_jnode *parse_set(parser *p, size_t at)
{
    tl_jnode *n = new_node(p, N_SET, at);
    if (n == NULL || (n->a = parse_expression_sequence(p, false)) == NULL)
        return NULL;
    if (is(p, TK_EQUALS)) {
        p->cur++;
        if ((n->b = parse_expression_sequence(p, false)) == NULL)
            return NULL;
    } else {
        static const char *const end[] = {"endset", NULL};
        nvec body = {0};
        if (!expect(p, TK_CLOSE_STMT, "'=' or '%}'") || !parse_block(p, end, &body, "endset") ||
            !nvec_finish(p, &body, &n->body, &n->n_body)) {
            tl_free(body.v);
            return NULL;
        }
        p->cur++; /* {% */
        if (!expect_ident(p, "endset"))
            return NULL;
    }
    return expect(p, TK_CLOSE_STMT, "'%}'") ? n : NULL;
}

static tl_jnode *parse_if(parser *p, size_t at)
{
    static const char *const stops[] = {"elif", "else", "endif", NULL};
    static const char *const endif[] = {"endif", NULL};
    if (!enter(p))
        return NULL;
    tl_jnode *n = new_node(p, N_IF, at);
    nvec body = {0}, alt = {0};
    if (n == NULL || (n->a = parse_expression(p)) == NULL || !expect(p, TK_CLOSE_STMT, "'%}'") ||
        !parse_block(p, stops, &body, "endif") || !nvec_finish(p, &body, &n->body, &n->n_body))
        goto fail;
    if (is_statement(p, (const char *const[]){"elif", NULL})) {
        size_t elif_at = p->cur + 1;
        p->cur += 2;
        if (!nvec_push(p, &alt, parse_if(p, elif_at)))
            goto fail;
    } else if (is_statement(p, (const char *const[]){"else", NULL})) {
        p->cur += 2;
        if (!expect(p, TK_CLOSE_STMT, "'%}'") || !parse_block(p, endif, &alt, "endif"))
            goto fail;
    }
    if (!nvec_finish(p, &alt, &n->alt, &n->n_alt))
        goto fail;
    p->depth--;
    return n;
fail:
    tl_free(body.v);
    tl_free(alt.v);
    return NULL;
}

static tl_jnode *parse_macro(parser *p, size_t at)
{
    static const char *const end[] = {"endmacro", NULL};
    tl_jnode *n = new_node(p, N_MACRO, at);
    if (n == NULL)
        return NULL;
    size_t name_at = p->cur;
    tl_jnode *name = parse_primary(p);
    if (name == NULL)
        return NULL;
    if (name->kind != N_IDENT)
        return fail(p, name_at, TABLLM_ERR_FORMAT, "expected a macro name after 'macro'");
    n->str = name->str;
    n->len = name->len;
    nvec params = {0}, body = {0};
    if (!parse_args(p, true, &params) || !nvec_finish(p, &params, &n->list, &n->n_list) ||
        !expect(p, TK_CLOSE_STMT, "'%}'") || !parse_block(p, end, &body, "endmacro") ||
        !nvec_finish(p, &body, &n->body, &n->n_body)) {
        tl_free(params.v);
        tl_free(body.v);
        return NULL;
    }
    return n;
}

static tl_jnode *parse_for(parser *p, size_t at)
{
    static const char *const stops[] = {"endfor", "else", NULL};
    static const char *const end[] = {"endfor", NULL};
    tl_jnode *n = new_node(p, N_FOR, at);
    if (n == NULL)
        return NULL;
    size_t var_at = p->cur;
    if ((n->a = parse_expression_sequence(p, true)) == NULL)
        return NULL;
    if (n->a->kind != N_IDENT && n->a->kind != N_TUPLE)
        return fail(p, var_at, TABLLM_ERR_FORMAT, "expected a name or names after 'for'");
    if (!is_ident(p, "in")) {
        char buf[64];
        return fail(p, p->cur, TABLLM_ERR_FORMAT, "expected 'in' after the loop variable, found %s",
                    describe(p, p->cur, buf, sizeof buf));
    }
    p->cur++;
    if ((n->b = parse_expression(p)) == NULL || !expect(p, TK_CLOSE_STMT, "'%}'"))
        return NULL;
    nvec body = {0}, alt = {0};
    if (!parse_block(p, stops, &body, "endfor") || !nvec_finish(p, &body, &n->body, &n->n_body))
        goto fail;
    if (is_statement(p, (const char *const[]){"else", NULL})) {
        p->cur += 2;
        if (!expect(p, TK_CLOSE_STMT, "'%}'") || !parse_block(p, end, &alt, "endfor"))
            goto fail;
    }
    if (!nvec_finish(p, &alt, &n->alt, &n->n_alt))
        goto fail;
    return n;
fail:
    tl_free(body.v);
    tl_free(alt.v);
    return NULL;
}

static tl_jnode *parse_call_block(parser *p, size_t at)
{
    static const char *const end[] = {"endcall", NULL};
    tl_jnode *n = new_node(p, N_CALL_BLOCK, at);
    if (n == NULL)
        return NULL;
    nvec params = {0}, args = {0}, body = {0};
    if (is(p, TK_LPAREN)) {
        n->flag = true; /* has caller parameters */
        if (!parse_args(p, true, &params) || !nvec_finish(p, &params, &n->list, &n->n_list))
            goto fail;
    }
    size_t callee_at = p->cur;
    tl_jnode *callee = parse_primary(p);
    if (callee == NULL)
        goto fail;
    if (callee->kind != N_IDENT) {
        fail(p, callee_at, TABLLM_ERR_FORMAT, "expected a macro name after 'call'");
        goto fail;
    }
    tl_jnode *call = new_node(p, N_CALL, callee_at);
    if (call == NULL)
        goto fail;
    call->a = callee;
    n->a = call;
    if (!parse_args(p, false, &args) || !nvec_finish(p, &args, &call->list, &call->n_list) ||
        !expect(p, TK_CLOSE_STMT, "'%}'") || !parse_block(p, end, &body, "endcall") ||
        !nvec_finish(p, &body, &n->body, &n->n_body))
        goto fail;
    p->cur++;
    if (!expect_ident(p, "endcall") || !expect(p, TK_CLOSE_STMT, "'%}'"))
        return NULL;
    return n;
fail:
    tl_free(params.v);
    tl_free(args.v);
    tl_free(body.v);
    return NULL;
}

static tl_jnode *parse_filter_block(parser *p, size_t at)
{
    static const char *const end[] = {"endfilter", NULL};
    tl_jnode *n = new_node(p, N_FILTER_BLOCK, at);
    if (n == NULL)
        return NULL;
    tl_jnode *f = parse_primary(p);
    if (f == NULL)
        return NULL;
    if (f->kind == N_IDENT && is(p, TK_LPAREN) && (f = parse_call(p, f)) == NULL)
        return NULL;
    n->a = f;
    nvec body = {0};
    if (!expect(p, TK_CLOSE_STMT, "'%}'") || !parse_block(p, end, &body, "endfilter") ||
        !nvec_finish(p, &body, &n->body, &n->n_body)) {
        tl_free(body.v);
        return NULL;
    }
    p->cur++;
    if (!expect_ident(p, "endfilter") || !expect(p, TK_CLOSE_STMT, "'%}'"))
        return NULL;
    return n;
}

/* Jinja statements the reference does not implement either: named, so the
 * message says what is missing rather than "syntax error". */
static bool known_unsupported(const tl_jtok *t)
{
    static const char *const names[] = {
        "raw", "include", "import", "from", "extends", "block", "with", "autoescape",
        "do", "trans", "pluralize", NULL,
    };
    for (const char *const *n = names; *n; n++)
        if (tok_is_name(t, *n))
            return true;
    return false;
}

static tl_jnode *parse_statement(parser *p)
{
    size_t open = p->cur;
    p->cur++; /* {% */
    if (!is(p, TK_IDENT)) {
        char buf[64];
        return fail(p, p->cur, TABLLM_ERR_FORMAT, "expected a statement name after '{%%', found %s",
                    describe(p, p->cur, buf, sizeof buf));
    }
    const tl_jtok *name = &p->t[p->cur];
    size_t at = p->cur;
    p->cur++;
    tl_jnode *n = NULL;
    if (tok_is_name(name, "set")) {
        n = parse_set(p, at);
    } else if (tok_is_name(name, "if")) {
        n = parse_if(p, at);
        if (n && !(expect(p, TK_OPEN_STMT, "'{% endif %}'") && expect_ident(p, "endif") &&
                   expect(p, TK_CLOSE_STMT, "'%}'")))
            n = NULL;
    } else if (tok_is_name(name, "macro")) {
        n = parse_macro(p, at);
        if (n && !(expect(p, TK_OPEN_STMT, "'{% endmacro %}'") && expect_ident(p, "endmacro") &&
                   expect(p, TK_CLOSE_STMT, "'%}'")))
            n = NULL;
    } else if (tok_is_name(name, "for")) {
        n = parse_for(p, at);
        if (n && !(expect(p, TK_OPEN_STMT, "'{% endfor %}'") && expect_ident(p, "endfor") &&
                   expect(p, TK_CLOSE_STMT, "'%}'")))
            n = NULL;
    } else if (tok_is_name(name, "call")) {
        n = parse_call_block(p, at);
    } else if (tok_is_name(name, "break") || tok_is_name(name, "continue")) {
        n = new_node(p, tok_is_name(name, "break") ? N_BREAK : N_CONTINUE, at);
        if (n && !expect(p, TK_CLOSE_STMT, "'%}'"))
            n = NULL;
    } else if (tok_is_name(name, "filter")) {
        n = parse_filter_block(p, at);
    } else if (known_unsupported(name)) {
        return fail(p, at, TABLLM_ERR_UNSUPPORTED, "the '{%% %.*s %%}' statement is not supported",
                    (int)name->len, name->s);
    } else {
        (void)open;
        return fail(p, at, TABLLM_ERR_FORMAT, "unexpected statement '{%% %.*s %%}'",
                    (int)(name->len > 40 ? 40 : name->len), name->s);
    }
    return n;
}

static tl_jnode *parse_any(parser *p)
{
    if (!enter(p))
        return NULL;
    tl_jnode *n = NULL;
    if (p->cur >= p->n)
        return fail(p, p->cur, TABLLM_ERR_FORMAT, "unexpected end of template");
    const tl_jtok *t = &p->t[p->cur];
    switch (t->kind) {
    case TK_COMMENT:
        n = new_node(p, N_COMMENT, p->cur);
        p->cur++;
        break;
    case TK_TEXT:
        n = new_node(p, N_TEXT, p->cur);
        if (n) {
            n->str = t->s;
            n->len = t->len;
        }
        p->cur++;
        break;
    case TK_OPEN_STMT:
        n = parse_statement(p);
        break;
    case TK_OPEN_EXPR:
        p->cur++;
        n = parse_expression(p);
        if (n && !expect(p, TK_CLOSE_EXPR, "'}}'"))
            n = NULL;
        break;
    default: {
        char buf[64];
        n = fail(p, p->cur, TABLLM_ERR_FORMAT, "unexpected %s", describe(p, p->cur, buf, sizeof buf));
        break;
    }
    }
    p->depth--;
    return p->st == TABLLM_OK ? n : NULL;
}

/* ---- expressions ------------------------------------------------------- */

static tl_jnode *binary(parser *p, size_t at, tl_jop op, tl_jnode *l, tl_jnode *r)
{
    if (l == NULL || r == NULL)
        return NULL;
    tl_jnode *n = new_node(p, N_BINARY, at);
    if (n) {
        n->op = (uint8_t)op;
        n->a = l;
        n->b = r;
    }
    return n;
}

static tl_jnode *parse_or(parser *p);

static tl_jnode *parse_if_expression(parser *p)
{
    tl_jnode *a = parse_or(p);
    if (a == NULL || !is_ident(p, "if"))
        return a;
    size_t at = p->cur;
    p->cur++;
    tl_jnode *test = parse_or(p);
    if (test == NULL)
        return NULL;
    if (is_ident(p, "else")) {
        p->cur++;
        if (!enter(p))
            return NULL;
        tl_jnode *f = parse_if_expression(p);
        p->depth--;
        if (f == NULL)
            return NULL;
        tl_jnode *n = new_node(p, N_TERNARY, at);
        if (n) {
            n->a = test;
            n->b = a;
            n->c = f;
        }
        return n;
    }
    tl_jnode *n = new_node(p, N_SELECT, at);
    if (n) {
        n->a = a;
        n->b = test;
    }
    return n;
}

static tl_jnode *parse_expression(parser *p)
{
    if (!enter(p))
        return NULL;
    tl_jnode *n = parse_if_expression(p);
    p->depth--;
    return n;
}

static tl_jnode *parse_not(parser *p);

static tl_jnode *parse_and(parser *p)
{
    tl_jnode *left = parse_not(p);
    while (left && is_ident(p, "and")) {
        size_t at = p->cur++;
        left = binary(p, at, OP_AND, left, parse_not(p));
    }
    return left;
}

static tl_jnode *parse_or(parser *p)
{
    tl_jnode *left = parse_and(p);
    while (left && is_ident(p, "or")) {
        size_t at = p->cur++;
        left = binary(p, at, OP_OR, left, parse_and(p));
    }
    return left;
}

static tl_jnode *parse_comparison(parser *p);

static tl_jnode *parse_not(parser *p)
{
    tl_jnode *right = NULL;
    /* `while`, as the reference: `not a not b` keeps only the last operand */
    while (p->st == TABLLM_OK && is_ident(p, "not")) {
        size_t at = p->cur++;
        if (!enter(p))
            return NULL;
        tl_jnode *arg = parse_not(p);
        p->depth--;
        if (arg == NULL)
            return NULL;
        right = new_node(p, N_UNARY, at);
        if (right == NULL)
            return NULL;
        right->op = OP_NOT;
        right->a = arg;
    }
    return right ? right : (p->st == TABLLM_OK ? parse_comparison(p) : NULL);
}

static tl_jnode *parse_additive(parser *p);

static tl_jop comparison_op(const tl_jtok *t)
{
    if (t->len == 2) {
        if (t->s[0] == '=')
            return OP_EQ;
        if (t->s[0] == '!')
            return OP_NE;
        return t->s[0] == '<' ? OP_LE : OP_GE;
    }
    return t->s[0] == '<' ? OP_LT : OP_GT;
}

static tl_jnode *parse_comparison(parser *p)
{
    tl_jnode *left = parse_additive(p);
    while (left) {
        size_t at = p->cur;
        tl_jop op;
        if (is_ident2(p, "not", "in")) {
            op = OP_NOT_IN;
            p->cur += 2;
        } else if (is_ident(p, "in")) {
            op = OP_IN;
            p->cur++;
        } else if (is(p, TK_COMPARISON)) {
            op = comparison_op(&p->t[p->cur]);
            p->cur++;
        } else {
            break;
        }
        left = binary(p, at, op, left, parse_additive(p));
    }
    return left;
}

static tl_jnode *parse_multiplicative(parser *p);

static tl_jnode *parse_additive(parser *p)
{
    tl_jnode *left = parse_multiplicative(p);
    while (left && is(p, TK_ADDITIVE)) {
        size_t at = p->cur;
        char c = p->t[p->cur++].s[0];
        left = binary(p, at, c == '+' ? OP_ADD : c == '-' ? OP_SUB : OP_CONCAT, left,
                      parse_multiplicative(p));
    }
    return left;
}

static tl_jnode *parse_power(parser *p);

static tl_jnode *parse_multiplicative(parser *p)
{
    tl_jnode *left = parse_power(p);
    while (left && is(p, TK_MULTIPLICATIVE)) {
        size_t at = p->cur;
        const tl_jtok *t = &p->t[p->cur++];
        tl_jop op = t->s[0] == '*' ? OP_MUL : t->s[0] == '%' ? OP_MOD : t->len == 2 ? OP_FLOORDIV : OP_DIV;
        left = binary(p, at, op, left, parse_power(p));
    }
    return left;
}

static tl_jnode *parse_test(parser *p);

static tl_jnode *parse_power(parser *p)
{
    tl_jnode *left = parse_test(p);
    while (left && is(p, TK_POWER)) {
        size_t at = p->cur++;
        left = binary(p, at, OP_POW, left, parse_test(p));
    }
    return left;
}

static tl_jnode *parse_filter(parser *p);

static tl_jnode *parse_test(parser *p)
{
    tl_jnode *operand = parse_filter(p);
    while (operand && is_ident(p, "is")) {
        size_t at = p->cur++;
        bool negate = is_ident(p, "not");
        if (negate)
            p->cur++;
        size_t name_at = p->cur;
        tl_jnode *name = parse_primary(p);
        if (name == NULL)
            return NULL;
        if (name->kind != N_IDENT)
            return fail(p, name_at, TABLLM_ERR_FORMAT, "expected a test name after 'is'");
        tl_jnode *n = new_node(p, N_TEST, at);
        if (n == NULL)
            return NULL;
        n->a = operand;
        n->flag = negate;
        n->str = name->str;
        n->len = name->len;
        n->pos = name->pos;
        operand = n;
    }
    return operand;
}

static tl_jnode *parse_unary_sign(parser *p);

static tl_jnode *parse_filter(parser *p)
{
    tl_jnode *operand = parse_unary_sign(p);
    while (operand && is(p, TK_PIPE)) {
        size_t at = p->cur++;
        size_t name_at = p->cur;
        tl_jnode *f = parse_primary(p);
        if (f == NULL)
            return NULL;
        if (f->kind != N_IDENT)
            return fail(p, name_at, TABLLM_ERR_FORMAT, "expected a filter name after '|'");
        if (is(p, TK_LPAREN) && (f = parse_call(p, f)) == NULL)
            return NULL;
        tl_jnode *n = new_node(p, N_FILTER, at);
        if (n == NULL)
            return NULL;
        n->a = operand;
        n->b = f;
        n->pos = f->pos;
        operand = n;
    }
    return operand;
}

static tl_jnode *parse_unary_sign(parser *p)
{
    if (p->cur < p->n) {
        const tl_jtok *t = &p->t[p->cur];
        if ((t->kind == TK_UNARY || t->kind == TK_ADDITIVE) && (t->s[0] == '-' || t->s[0] == '+') &&
            t->len == 1) {
            size_t at = p->cur++;
            if (!enter(p))
                return NULL;
            tl_jnode *arg = parse_unary_sign(p);
            p->depth--;
            if (arg == NULL)
                return NULL;
            tl_jnode *n = new_node(p, N_UNARY, at);
            if (n) {
                n->op = t->s[0] == '-' ? OP_NEG : OP_POS;
                n->a = arg;
            }
            return n;
        }
    }
    tl_jnode *member = parse_member(p, parse_primary(p));
    if (member && is(p, TK_LPAREN))
        return parse_call(p, member);
    return member;
}

static tl_jnode *parse_call(parser *p, tl_jnode *callee)
{
    if (!enter(p))
        return NULL;
    tl_jnode *n = new_node(p, N_CALL, p->cur);
    nvec args = {0};
    if (n == NULL || !parse_args(p, false, &args) || !nvec_finish(p, &args, &n->list, &n->n_list)) {
        tl_free(args.v);
        return NULL;
    }
    n->a = callee;
    n->pos = callee->pos;
    tl_jnode *e = parse_member(p, n);
    if (e && is(p, TK_LPAREN))
        e = parse_call(p, e);
    p->depth--;
    return e;
}

static bool parse_args(parser *p, bool params, nvec *out)
{
    if (!expect(p, TK_LPAREN, "'('"))
        return false;
    bool saw_keyword = false, saw_spread = false;
    /* duplicate parameter names are found with a linear scan: lists are short */
    while (p->st == TABLLM_OK && !is(p, TK_RPAREN)) {
        if (p->cur >= p->n) {
            fail(p, p->cur, TABLLM_ERR_FORMAT, "missing ')'");
            return false;
        }
        size_t at = p->cur;
        bool kw_spread = is(p, TK_POWER);
        bool pos_spread = is(p, TK_MULTIPLICATIVE) && p->t[p->cur].len == 1 && p->t[p->cur].s[0] == '*';
        if (params && (kw_spread || pos_spread)) {
            fail(p, at, TABLLM_ERR_FORMAT, "argument unpacking is not allowed in parameters");
            return false;
        }
        if (kw_spread) {
            p->cur++;
            tl_jnode *n = new_node(p, N_KWSPREAD, at);
            if (n == NULL || (n->a = parse_expression(p)) == NULL || !nvec_push(p, out, n))
                return false;
            if (is(p, TK_COMMA))
                p->cur++;
            if (!is(p, TK_RPAREN)) {
                fail(p, p->cur, TABLLM_ERR_FORMAT, "'**' must be applied to the last argument");
                return false;
            }
            break;
        }
        tl_jnode *arg;
        if (pos_spread) {
            if (saw_spread) {
                fail(p, at, TABLLM_ERR_FORMAT, "only one '*' argument unpacking is allowed");
                return false;
            }
            saw_spread = true;
            p->cur++;
            arg = new_node(p, N_SPREAD, at);
            if (arg == NULL || (arg->a = parse_expression(p)) == NULL)
                return false;
        } else {
            arg = parse_expression(p);
            if (arg == NULL)
                return false;
            if (is(p, TK_EQUALS)) {
                p->cur++;
                if (arg->kind != N_IDENT) {
                    fail(p, at, TABLLM_ERR_FORMAT, "expected a name before '='");
                    return false;
                }
                tl_jnode *kw = new_node(p, N_KWARG, at);
                if (kw == NULL || (kw->b = parse_expression(p)) == NULL)
                    return false;
                kw->str = arg->str;
                kw->len = arg->len;
                arg = kw;
            }
            if (params) {
                if (arg->kind != N_IDENT && arg->kind != N_KWARG) {
                    fail(p, at, TABLLM_ERR_FORMAT, "expected a parameter name");
                    return false;
                }
                for (size_t i = 0; i < out->n; i++)
                    if (out->v[i]->len == arg->len && memcmp(out->v[i]->str, arg->str, arg->len) == 0) {
                        fail(p, at, TABLLM_ERR_FORMAT, "duplicate parameter name '%.*s'",
                             (int)arg->len, arg->str);
                        return false;
                    }
            }
            if (arg->kind == N_KWARG) {
                saw_keyword = true;
            } else if (saw_keyword) {
                fail(p, at, TABLLM_ERR_FORMAT,
                     params ? "a parameter without a default follows one with a default"
                            : "a positional argument follows a keyword argument");
                return false;
            } else if (saw_spread) {
                fail(p, at, TABLLM_ERR_FORMAT, "a positional argument follows '*' unpacking");
                return false;
            }
        }
        if (!nvec_push(p, out, arg))
            return false;
        if (is(p, TK_COMMA))
            p->cur++;
    }
    return expect(p, TK_RPAREN, "')'");
}

/* The inside of [...]: an index, or a slice start:stop:step. */
static tl_jnode *parse_subscript(parser *p, size_t at)
{
    tl_jnode *parts[4] = {NULL, NULL, NULL, NULL};
    size_t n = 0;
    bool is_slice = false, has[4] = {false, false, false, false};
    while (p->st == TABLLM_OK && !is(p, TK_RBRACKET)) {
        if (p->cur >= p->n)
            return fail(p, p->cur, TABLLM_ERR_FORMAT, "missing ']'");
        if (n == 4)
            return fail(p, at, TABLLM_ERR_FORMAT, "a slice takes at most 3 parts");
        if (is(p, TK_COLON)) {
            parts[n] = NULL;
            has[n++] = true;
            p->cur++;
            is_slice = true;
        } else {
            if ((parts[n] = parse_expression(p)) == NULL)
                return NULL;
            has[n++] = true;
            if (is(p, TK_COLON)) {
                p->cur++;
                is_slice = true;
            }
        }
    }
    if (p->st != TABLLM_OK)
        return NULL;
    if (n == 0)
        return fail(p, at, TABLLM_ERR_FORMAT, "expected an index or a slice inside '[]'");
    if (!is_slice)
        return parts[0];
    if (n > 3)
        return fail(p, at, TABLLM_ERR_FORMAT, "a slice takes at most 3 parts");
    tl_jnode *s = new_node(p, N_SLICE, at);
    if (s) {
        s->a = parts[0];
        s->b = parts[1];
        s->c = parts[2];
    }
    (void)has;
    return s;
}

static tl_jnode *parse_member(parser *p, tl_jnode *object)
{
    while (object && (is(p, TK_DOT) || is(p, TK_LBRACKET))) {
        size_t at = p->cur;
        bool computed = is(p, TK_LBRACKET);
        p->cur++;
        tl_jnode *prop;
        if (computed) {
            prop = parse_subscript(p, at);
            if (prop == NULL || !expect(p, TK_RBRACKET, "']'"))
                return NULL;
        } else {
            size_t prop_at = p->cur;
            prop = parse_primary(p);
            if (prop == NULL)
                return NULL;
            if (prop->kind != N_IDENT && prop->kind != N_INT)
                return fail(p, prop_at, TABLLM_ERR_FORMAT, "expected a name or an integer after '.'");
        }
        tl_jnode *n = new_node(p, N_MEMBER, at);
        if (n == NULL)
            return NULL;
        n->a = object;
        n->b = prop;
        n->flag = computed;
        object = n;
    }
    return object;
}

static tl_jnode *parse_primary(parser *p)
{
    if (p->st != TABLLM_OK)
        return NULL;
    if (p->cur >= p->n)
        return fail(p, p->cur, TABLLM_ERR_FORMAT, "unexpected end of template in an expression");
    size_t at = p->cur;
    const tl_jtok *t = &p->t[p->cur++];
    tl_jnode *n;
    switch (t->kind) {
    case TK_NUMBER: {
        char buf[64];
        bool is_float = memchr(t->s, '.', t->len) != NULL;
        n = new_node(p, is_float ? N_FLOAT : N_INT, at);
        if (n == NULL)
            return NULL;
        if (t->len < sizeof buf) {
            memcpy(buf, t->s, t->len);
            buf[t->len] = '\0';
            n->num = strtod(buf, NULL);
        } else {
            char *tmp = tl_strndup(t->s, t->len);
            if (tmp == NULL) {
                p->st = tl_error_oom("number literal");
                return NULL;
            }
            n->num = strtod(tmp, NULL);
            tl_free(tmp);
        }
        return n;
    }
    case TK_STRING: {
        n = new_node(p, N_STRING, at);
        if (n == NULL)
            return NULL;
        if (!is(p, TK_STRING)) {
            n->str = t->s;
            n->len = t->len;
            return n;
        }
        /* adjacent literals concatenate: 'a' "b" is "ab" */
        tl_buf b = TL_BUF_INIT;
        tl_buf_append(&b, t->s, t->len);
        while (is(p, TK_STRING)) {
            tl_buf_append(&b, p->t[p->cur].s, p->t[p->cur].len);
            p->cur++;
        }
        if (tl_buf_status(&b) != TABLLM_OK) {
            p->st = tl_buf_status(&b);
            tl_buf_free(&b);
            return NULL;
        }
        n->len = b.len;
        n->str = tl_arena_strndup(p->arena, b.data, b.len);
        tl_buf_free(&b);
        if (n->str == NULL) {
            p->st = TABLLM_ERR_OUT_OF_MEMORY;
            return NULL;
        }
        return n;
    }
    case TK_IDENT:
        n = new_node(p, N_IDENT, at);
        if (n) {
            n->str = t->s;
            n->len = t->len;
        }
        return n;
    case TK_LPAREN: {
        if (!enter(p))
            return NULL;
        tl_jnode *e = parse_expression_sequence(p, false);
        p->depth--;
        if (e == NULL || !expect(p, TK_RPAREN, "')'"))
            return NULL;
        return e;
    }
    case TK_LBRACKET: {
        if (!enter(p))
            return NULL;
        nvec items = {0};
        while (p->st == TABLLM_OK && !is(p, TK_RBRACKET)) {
            if (p->cur >= p->n) {
                fail(p, at, TABLLM_ERR_FORMAT, "missing ']' for this list");
                break;
            }
            if (!nvec_push(p, &items, parse_expression(p)))
                break;
            if (is(p, TK_COMMA))
                p->cur++;
        }
        p->cur++;
        n = new_node(p, N_ARRAY, at);
        if (n == NULL || !nvec_finish(p, &items, &n->list, &n->n_list)) {
            tl_free(items.v);
            return NULL;
        }
        p->depth--;
        return n;
    }
    case TK_LBRACE: {
        if (!enter(p))
            return NULL;
        nvec items = {0};
        while (p->st == TABLLM_OK && !is(p, TK_RBRACE)) {
            if (p->cur >= p->n) {
                fail(p, at, TABLLM_ERR_FORMAT, "missing '}' for this dict");
                break;
            }
            if (!nvec_push(p, &items, parse_expression(p)) ||
                !expect(p, TK_COLON, "':' between a key and its value") ||
                !nvec_push(p, &items, parse_expression(p)))
                break;
            if (is(p, TK_COMMA))
                p->cur++;
        }
        p->cur++;
        n = new_node(p, N_OBJECT, at);
        if (n == NULL || !nvec_finish(p, &items, &n->list, &n->n_list)) {
            tl_free(items.v);
            return NULL;
        }
        p->depth--;
        return n;
    }
    default: {
        char buf[64];
        return fail(p, at, TABLLM_ERR_FORMAT, "unexpected %s in an expression",
                    describe(p, at, buf, sizeof buf));
    }
    }
}

/* ---- kwargs/varargs analysis (findAccessedSpecialMacroArguments) -------- */

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

static void mark_list(tl_jnode **v, size_t n, size_t depth)
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
    mark_list(n->list, n->n_list, depth + 1);
    mark_list(n->body, n->n_body, depth + 1);
    mark_list(n->alt, n->n_alt, depth + 1);
}

/* ---- entry -------------------------------------------------------------- */

void tl_jinja_caps_default(tl_jinja_caps *caps)
{
    caps->max_template_bytes = (size_t)1 << 20;
    caps->max_depth = 256;
    caps->max_loop_iterations = 1000000;
    caps->max_output_bytes = (size_t)16 << 20;
    caps->max_memory_bytes = (size_t)512 << 20;
}

void tl_jinja_template_free(tl_jinja_template *t)
{
    if (t == NULL)
        return;
    tl_arena_free(&t->arena);
    tl_free(t);
}

tabllm_status tl_jinja_parse(const char *text, size_t len, const tl_jinja_caps *caps,
                             tl_jinja_template **out)
{
    *out = NULL;
    tl_jinja_caps defaults;
    if (caps == NULL) {
        tl_jinja_caps_default(&defaults);
        caps = &defaults;
    }
    if (text == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "chat template: the template text is NULL");
    if (len > caps->max_template_bytes)
        return tl_error(TABLLM_ERR_LIMIT_EXCEEDED,
                        "chat template: %zu bytes exceed the limit of %zu bytes", len,
                        caps->max_template_bytes);
    size_t valid = tl_utf8_valid_prefix(text, len);
    if (valid != len)
        return tl_error(TABLLM_ERR_INVALID_UTF8, "chat template: invalid UTF-8 at byte offset %zu",
                        valid);
    tl_jinja_template *t = tl_calloc(1, sizeof *t);
    if (t == NULL)
        return tl_error_oom("chat template");
    char *src = tl_arena_strndup(&t->arena, text, len);
    if (src == NULL) {
        tl_jinja_template_free(t);
        return TABLLM_ERR_OUT_OF_MEMORY;
    }
    t->src = src;
    t->src_len = len;
    tl_jtok *toks;
    size_t n_toks;
    tabllm_status st = tl_jinja_lex(src, len, &t->arena, &toks, &n_toks);
    if (st != TABLLM_OK) {
        tl_jinja_template_free(t);
        return st;
    }
    parser p = {toks, n_toks, 0, &t->arena, src, len, 0, caps->max_depth, TABLLM_OK};
    nvec body = {0};
    while (p.st == TABLLM_OK && p.cur < p.n)
        if (!nvec_push(&p, &body, parse_any(&p)))
            break;
    if (p.st == TABLLM_OK)
        nvec_finish(&p, &body, &t->body, &t->n_body);
    tl_free(body.v);
    tl_free(toks);
    if (p.st != TABLLM_OK) {
        tl_jinja_template_free(t);
        return p.st;
    }
    mark_list(t->body, t->n_body, 0);
    *out = t;
    return TABLLM_OK;
}
