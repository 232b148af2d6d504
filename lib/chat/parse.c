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
#include "chat/parse.h"

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

static size_t tok_pos(const tl_jparser *p, size_t i)
{
    return i < p->n ? p->t[i].pos : p->src_len;
}

tl_jnode *tl_jp_fail(tl_jparser *p, size_t i, tabllm_status status, const char *fmt, ...)
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
const char *tl_jp_describe(const tl_jparser *p, size_t i, char *buf, size_t size)
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

tl_jnode *tl_jp_new_node(tl_jparser *p, tl_jnode_kind kind, size_t at)
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

bool tl_jp_push(tl_jparser *p, tl_jp_nvec *v, tl_jnode *n)
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
bool tl_jp_finish(tl_jparser *p, tl_jp_nvec *v, tl_jnode ***out, size_t *n)
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

bool tl_jp_is(const tl_jparser *p, tl_jtok_kind k)
{
    return p->cur < p->n && p->t[p->cur].kind == k;
}

bool tl_jp_is_name(const tl_jtok *t, const char *name)
{
    return t->kind == TK_IDENT && t->len == strlen(name) && memcmp(t->s, name, t->len) == 0;
}

bool tl_jp_is_ident(const tl_jparser *p, const char *name)
{
    return p->cur < p->n && tl_jp_is_name(&p->t[p->cur], name);
}

bool tl_jp_is_ident2(const tl_jparser *p, const char *a, const char *b)
{
    return p->cur + 1 < p->n && tl_jp_is_name(&p->t[p->cur], a) &&
           tl_jp_is_name(&p->t[p->cur + 1], b);
}

/* {% NAME where NAME is one of names (NULL-terminated) */
static bool is_statement(const tl_jparser *p, const char *const *names)
{
    if (!(p->cur + 1 < p->n && p->t[p->cur].kind == TK_OPEN_STMT))
        return false;
    for (; *names; names++)
        if (tl_jp_is_name(&p->t[p->cur + 1], *names))
            return true;
    return false;
}

bool tl_jp_expect(tl_jparser *p, tl_jtok_kind k, const char *what)
{
    if (p->st != TABLLM_OK)
        return false;
    if (tl_jp_is(p, k)) {
        p->cur++;
        return true;
    }
    char buf[64];
    tl_jp_fail(p, p->cur, TABLLM_ERR_FORMAT, "expected %s, found %s", what,
               tl_jp_describe(p, p->cur, buf, sizeof buf));
    return false;
}

static bool expect_ident(tl_jparser *p, const char *name)
{
    if (p->st != TABLLM_OK)
        return false;
    if (tl_jp_is_ident(p, name)) {
        p->cur++;
        return true;
    }
    char buf[64];
    tl_jp_fail(p, p->cur, TABLLM_ERR_FORMAT, "expected '%s', found %s", name,
               tl_jp_describe(p, p->cur, buf, sizeof buf));
    return false;
}

bool tl_jp_enter(tl_jparser *p)
{
    if (p->st != TABLLM_OK)
        return false;
    if (++p->depth > p->max_depth) {
        tl_jp_fail(p, p->cur, TABLLM_ERR_LIMIT_EXCEEDED,
                   "the template nests deeper than the limit of %zu levels", p->max_depth);
        return false;
    }
    return true;
}

static tl_jnode *parse_any(tl_jparser *p);

/* Statements until one of `names` ({% NAME) comes. */
static bool parse_block(tl_jparser *p, const char *const *names, tl_jp_nvec *body,
                        const char *closing)
{
    while (p->st == TABLLM_OK && !is_statement(p, names)) {
        if (p->cur >= p->n) {
            tl_jp_fail(p, p->cur, TABLLM_ERR_FORMAT, "missing {%% %s %%}", closing);
            return false;
        }
        if (!tl_jp_push(p, body, parse_any(p)))
            return false;
    }
    return p->st == TABLLM_OK;
}

static tl_jnode *parse_set(tl_jparser *p, size_t at)
{
    tl_jnode *n = tl_jp_new_node(p, N_SET, at);
    if (n == NULL || (n->a = tl_jp_expression_sequence(p, false)) == NULL)
        return NULL;
    if (tl_jp_is(p, TK_EQUALS)) {
        p->cur++;
        if ((n->b = tl_jp_expression_sequence(p, false)) == NULL)
            return NULL;
    } else {
        static const char *const end[] = {"endset", NULL};
        tl_jp_nvec body = {0};
        if (!tl_jp_expect(p, TK_CLOSE_STMT, "'=' or '%}'") ||
            !parse_block(p, end, &body, "endset") ||
            !tl_jp_finish(p, &body, &n->body, &n->n_body)) {
            tl_free(body.v);
            return NULL;
        }
        p->cur++; /* {% */
        if (!expect_ident(p, "endset"))
            return NULL;
    }
    return tl_jp_expect(p, TK_CLOSE_STMT, "'%}'") ? n : NULL;
}

static tl_jnode *parse_if(tl_jparser *p, size_t at)
{
    static const char *const stops[] = {"elif", "else", "endif", NULL};
    static const char *const endif[] = {"endif", NULL};
    if (!tl_jp_enter(p))
        return NULL;
    tl_jnode *n = tl_jp_new_node(p, N_IF, at);
    tl_jp_nvec body = {0}, alt = {0};
    if (n == NULL || (n->a = tl_jp_expression(p)) == NULL ||
        !tl_jp_expect(p, TK_CLOSE_STMT, "'%}'") || !parse_block(p, stops, &body, "endif") ||
        !tl_jp_finish(p, &body, &n->body, &n->n_body))
        goto error;
    if (is_statement(p, (const char *const[]){"elif", NULL})) {
        size_t elif_at = p->cur + 1;
        p->cur += 2;
        if (!tl_jp_push(p, &alt, parse_if(p, elif_at)))
            goto error;
    } else if (is_statement(p, (const char *const[]){"else", NULL})) {
        p->cur += 2;
        if (!tl_jp_expect(p, TK_CLOSE_STMT, "'%}'") || !parse_block(p, endif, &alt, "endif"))
            goto error;
    }
    if (!tl_jp_finish(p, &alt, &n->alt, &n->n_alt))
        goto error;
    p->depth--;
    return n;
error:
    tl_free(body.v);
    tl_free(alt.v);
    return NULL;
}

static tl_jnode *parse_macro(tl_jparser *p, size_t at)
{
    static const char *const end[] = {"endmacro", NULL};
    tl_jnode *n = tl_jp_new_node(p, N_MACRO, at);
    if (n == NULL)
        return NULL;
    size_t name_at = p->cur;
    tl_jnode *name = tl_jp_primary(p);
    if (name == NULL)
        return NULL;
    if (name->kind != N_IDENT)
        return tl_jp_fail(p, name_at, TABLLM_ERR_FORMAT, "expected a macro name after 'macro'");
    n->str = name->str;
    n->len = name->len;
    tl_jp_nvec params = {0}, body = {0};
    if (!tl_jp_args(p, true, &params) || !tl_jp_finish(p, &params, &n->list, &n->n_list) ||
        !tl_jp_expect(p, TK_CLOSE_STMT, "'%}'") || !parse_block(p, end, &body, "endmacro") ||
        !tl_jp_finish(p, &body, &n->body, &n->n_body)) {
        tl_free(params.v);
        tl_free(body.v);
        return NULL;
    }
    return n;
}

static tl_jnode *parse_for(tl_jparser *p, size_t at)
{
    static const char *const stops[] = {"endfor", "else", NULL};
    static const char *const end[] = {"endfor", NULL};
    tl_jnode *n = tl_jp_new_node(p, N_FOR, at);
    if (n == NULL)
        return NULL;
    size_t var_at = p->cur;
    if ((n->a = tl_jp_expression_sequence(p, true)) == NULL)
        return NULL;
    if (n->a->kind != N_IDENT && n->a->kind != N_TUPLE)
        return tl_jp_fail(p, var_at, TABLLM_ERR_FORMAT, "expected a name or names after 'for'");
    if (!tl_jp_is_ident(p, "in")) {
        char buf[64];
        return tl_jp_fail(p, p->cur, TABLLM_ERR_FORMAT,
                          "expected 'in' after the loop variable, found %s",
                          tl_jp_describe(p, p->cur, buf, sizeof buf));
    }
    p->cur++;
    if ((n->b = tl_jp_expression(p)) == NULL || !tl_jp_expect(p, TK_CLOSE_STMT, "'%}'"))
        return NULL;
    tl_jp_nvec body = {0}, alt = {0};
    if (!parse_block(p, stops, &body, "endfor") || !tl_jp_finish(p, &body, &n->body, &n->n_body))
        goto error;
    if (is_statement(p, (const char *const[]){"else", NULL})) {
        p->cur += 2;
        if (!tl_jp_expect(p, TK_CLOSE_STMT, "'%}'") || !parse_block(p, end, &alt, "endfor"))
            goto error;
    }
    if (!tl_jp_finish(p, &alt, &n->alt, &n->n_alt))
        goto error;
    return n;
error:
    tl_free(body.v);
    tl_free(alt.v);
    return NULL;
}

static tl_jnode *parse_call_block(tl_jparser *p, size_t at)
{
    static const char *const end[] = {"endcall", NULL};
    tl_jnode *n = tl_jp_new_node(p, N_CALL_BLOCK, at);
    if (n == NULL)
        return NULL;
    tl_jp_nvec params = {0}, args = {0}, body = {0};
    if (tl_jp_is(p, TK_LPAREN)) {
        n->flag = true; /* has caller parameters */
        if (!tl_jp_args(p, true, &params) || !tl_jp_finish(p, &params, &n->list, &n->n_list))
            goto error;
    }
    size_t callee_at = p->cur;
    tl_jnode *callee = tl_jp_primary(p);
    if (callee == NULL)
        goto error;
    if (callee->kind != N_IDENT) {
        tl_jp_fail(p, callee_at, TABLLM_ERR_FORMAT, "expected a macro name after 'call'");
        goto error;
    }
    tl_jnode *call = tl_jp_new_node(p, N_CALL, callee_at);
    if (call == NULL)
        goto error;
    call->a = callee;
    n->a = call;
    if (!tl_jp_args(p, false, &args) || !tl_jp_finish(p, &args, &call->list, &call->n_list) ||
        !tl_jp_expect(p, TK_CLOSE_STMT, "'%}'") || !parse_block(p, end, &body, "endcall") ||
        !tl_jp_finish(p, &body, &n->body, &n->n_body))
        goto error;
    p->cur++;
    if (!expect_ident(p, "endcall") || !tl_jp_expect(p, TK_CLOSE_STMT, "'%}'"))
        return NULL;
    return n;
error:
    tl_free(params.v);
    tl_free(args.v);
    tl_free(body.v);
    return NULL;
}

static tl_jnode *parse_filter_block(tl_jparser *p, size_t at)
{
    static const char *const end[] = {"endfilter", NULL};
    tl_jnode *n = tl_jp_new_node(p, N_FILTER_BLOCK, at);
    if (n == NULL)
        return NULL;
    tl_jnode *f = tl_jp_primary(p);
    if (f == NULL)
        return NULL;
    if (f->kind == N_IDENT && tl_jp_is(p, TK_LPAREN) && (f = tl_jp_call(p, f)) == NULL)
        return NULL;
    n->a = f;
    tl_jp_nvec body = {0};
    if (!tl_jp_expect(p, TK_CLOSE_STMT, "'%}'") || !parse_block(p, end, &body, "endfilter") ||
        !tl_jp_finish(p, &body, &n->body, &n->n_body)) {
        tl_free(body.v);
        return NULL;
    }
    p->cur++;
    if (!expect_ident(p, "endfilter") || !tl_jp_expect(p, TK_CLOSE_STMT, "'%}'"))
        return NULL;
    return n;
}

/* Jinja statements the reference does not implement either: named, so the
 * message says what is missing rather than "syntax error". */
static bool known_unsupported(const tl_jtok *t)
{
    static const char *const names[] = {
        "raw",  "include",    "import", "from",  "extends",   "block",
        "with", "autoescape", "do",     "trans", "pluralize", NULL,
    };
    for (const char *const *n = names; *n; n++)
        if (tl_jp_is_name(t, *n))
            return true;
    return false;
}

static tl_jnode *parse_statement(tl_jparser *p)
{
    size_t open = p->cur;
    p->cur++; /* {% */
    if (!tl_jp_is(p, TK_IDENT)) {
        char buf[64];
        return tl_jp_fail(p, p->cur, TABLLM_ERR_FORMAT,
                          "expected a statement name after '{%%', found %s",
                          tl_jp_describe(p, p->cur, buf, sizeof buf));
    }
    const tl_jtok *name = &p->t[p->cur];
    size_t at = p->cur;
    p->cur++;
    tl_jnode *n = NULL;
    if (tl_jp_is_name(name, "set")) {
        n = parse_set(p, at);
    } else if (tl_jp_is_name(name, "if")) {
        n = parse_if(p, at);
        if (n && !(tl_jp_expect(p, TK_OPEN_STMT, "'{% endif %}'") && expect_ident(p, "endif") &&
                   tl_jp_expect(p, TK_CLOSE_STMT, "'%}'")))
            n = NULL;
    } else if (tl_jp_is_name(name, "macro")) {
        n = parse_macro(p, at);
        if (n && !(tl_jp_expect(p, TK_OPEN_STMT, "'{% endmacro %}'") &&
                   expect_ident(p, "endmacro") && tl_jp_expect(p, TK_CLOSE_STMT, "'%}'")))
            n = NULL;
    } else if (tl_jp_is_name(name, "for")) {
        n = parse_for(p, at);
        if (n && !(tl_jp_expect(p, TK_OPEN_STMT, "'{% endfor %}'") && expect_ident(p, "endfor") &&
                   tl_jp_expect(p, TK_CLOSE_STMT, "'%}'")))
            n = NULL;
    } else if (tl_jp_is_name(name, "call")) {
        n = parse_call_block(p, at);
    } else if (tl_jp_is_name(name, "break") || tl_jp_is_name(name, "continue")) {
        n = tl_jp_new_node(p, tl_jp_is_name(name, "break") ? N_BREAK : N_CONTINUE, at);
        if (n && !tl_jp_expect(p, TK_CLOSE_STMT, "'%}'"))
            n = NULL;
    } else if (tl_jp_is_name(name, "filter")) {
        n = parse_filter_block(p, at);
    } else if (known_unsupported(name)) {
        return tl_jp_fail(p, at, TABLLM_ERR_UNSUPPORTED,
                          "the '{%% %.*s %%}' statement is not supported", (int)name->len, name->s);
    } else {
        (void)open;
        return tl_jp_fail(p, at, TABLLM_ERR_FORMAT, "unexpected statement '{%% %.*s %%}'",
                          (int)(name->len > 40 ? 40 : name->len), name->s);
    }
    return n;
}

static tl_jnode *parse_any(tl_jparser *p)
{
    if (!tl_jp_enter(p))
        return NULL;
    tl_jnode *n = NULL;
    if (p->cur >= p->n)
        return tl_jp_fail(p, p->cur, TABLLM_ERR_FORMAT, "unexpected end of template");
    const tl_jtok *t = &p->t[p->cur];
    switch (t->kind) {
    case TK_COMMENT:
        n = tl_jp_new_node(p, N_COMMENT, p->cur);
        p->cur++;
        break;
    case TK_TEXT:
        n = tl_jp_new_node(p, N_TEXT, p->cur);
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
        n = tl_jp_expression(p);
        if (n && !tl_jp_expect(p, TK_CLOSE_EXPR, "'}}'"))
            n = NULL;
        break;
    default: {
        char buf[64];
        n = tl_jp_fail(p, p->cur, TABLLM_ERR_FORMAT, "unexpected %s",
                       tl_jp_describe(p, p->cur, buf, sizeof buf));
        break;
    }
    }
    p->depth--;
    return p->st == TABLLM_OK ? n : NULL;
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
    tl_jparser p = {toks, n_toks, 0, &t->arena, src, len, 0, caps->max_depth, TABLLM_OK};
    tl_jp_nvec body = {0};
    while (p.st == TABLLM_OK && p.cur < p.n)
        if (!tl_jp_push(&p, &body, parse_any(&p)))
            break;
    if (p.st == TABLLM_OK)
        tl_jp_finish(&p, &body, &t->body, &t->n_body);
    tl_free(body.v);
    tl_free(toks);
    if (p.st != TABLLM_OK) {
        tl_jinja_template_free(t);
        return p.st;
    }
    tl_jp_mark_macros(t->body, t->n_body, 0);
    *out = t;
    return TABLLM_OK;
}
