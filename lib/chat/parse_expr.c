/* Expressions, as @huggingface/jinja's parser.ts reads them: the precedence
 * ladder if-else < or < and < not < comparisons/in < + - ~ < * / // % < ** <
 * is-tests < |filters < unary +/- < calls and members < primaries. */
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "chat/parse.h"

tl_jnode *tl_jp_expression_sequence(tl_jparser *p, bool primary)
{
    size_t at = p->cur;
    tl_jnode *first = primary ? tl_jp_primary(p) : tl_jp_expression(p);
    if (first == NULL || !tl_jp_is(p, TK_COMMA))
        return first;
    tl_jp_nvec items = {0};
    tl_jp_push(p, &items, first);
    while (p->st == TABLLM_OK) {
        p->cur++; /* , */
        if (!tl_jp_push(p, &items, primary ? tl_jp_primary(p) : tl_jp_expression(p)))
            break;
        if (!tl_jp_is(p, TK_COMMA))
            break;
    }
    tl_jnode *t = tl_jp_new_node(p, N_TUPLE, at);
    if (t == NULL || !tl_jp_finish(p, &items, &t->list, &t->n_list)) {
        tl_free(items.v);
        return NULL;
    }
    return t;
}

static tl_jnode *binary(tl_jparser *p, size_t at, tl_jop op, tl_jnode *l, tl_jnode *r)
{
    if (l == NULL || r == NULL)
        return NULL;
    tl_jnode *n = tl_jp_new_node(p, N_BINARY, at);
    if (n) {
        n->op = (uint8_t)op;
        n->a = l;
        n->b = r;
    }
    return n;
}

static tl_jnode *parse_or(tl_jparser *p);

static tl_jnode *parse_if_expression(tl_jparser *p)
{
    tl_jnode *a = parse_or(p);
    if (a == NULL || !tl_jp_is_ident(p, "if"))
        return a;
    size_t at = p->cur;
    p->cur++;
    tl_jnode *test = parse_or(p);
    if (test == NULL)
        return NULL;
    if (tl_jp_is_ident(p, "else")) {
        p->cur++;
        if (!tl_jp_enter(p))
            return NULL;
        tl_jnode *f = parse_if_expression(p);
        p->depth--;
        if (f == NULL)
            return NULL;
        tl_jnode *n = tl_jp_new_node(p, N_TERNARY, at);
        if (n) {
            n->a = test;
            n->b = a;
            n->c = f;
        }
        return n;
    }
    tl_jnode *n = tl_jp_new_node(p, N_SELECT, at);
    if (n) {
        n->a = a;
        n->b = test;
    }
    return n;
}

tl_jnode *tl_jp_expression(tl_jparser *p)
{
    if (!tl_jp_enter(p))
        return NULL;
    tl_jnode *n = parse_if_expression(p);
    p->depth--;
    return n;
}

static tl_jnode *parse_not(tl_jparser *p);

static tl_jnode *parse_and(tl_jparser *p)
{
    tl_jnode *left = parse_not(p);
    while (left && tl_jp_is_ident(p, "and")) {
        size_t at = p->cur++;
        left = binary(p, at, OP_AND, left, parse_not(p));
    }
    return left;
}

static tl_jnode *parse_or(tl_jparser *p)
{
    tl_jnode *left = parse_and(p);
    while (left && tl_jp_is_ident(p, "or")) {
        size_t at = p->cur++;
        left = binary(p, at, OP_OR, left, parse_and(p));
    }
    return left;
}

static tl_jnode *parse_comparison(tl_jparser *p);

static tl_jnode *parse_not(tl_jparser *p)
{
    tl_jnode *right = NULL;
    /* `while`, as the reference: `not a not b` keeps only the last operand */
    while (p->st == TABLLM_OK && tl_jp_is_ident(p, "not")) {
        size_t at = p->cur++;
        if (!tl_jp_enter(p))
            return NULL;
        tl_jnode *arg = parse_not(p);
        p->depth--;
        if (arg == NULL)
            return NULL;
        right = tl_jp_new_node(p, N_UNARY, at);
        if (right == NULL)
            return NULL;
        right->op = OP_NOT;
        right->a = arg;
    }
    return right ? right : (p->st == TABLLM_OK ? parse_comparison(p) : NULL);
}

static tl_jnode *parse_additive(tl_jparser *p);

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

static tl_jnode *parse_comparison(tl_jparser *p)
{
    tl_jnode *left = parse_additive(p);
    while (left) {
        size_t at = p->cur;
        tl_jop op;
        if (tl_jp_is_ident2(p, "not", "in")) {
            op = OP_NOT_IN;
            p->cur += 2;
        } else if (tl_jp_is_ident(p, "in")) {
            op = OP_IN;
            p->cur++;
        } else if (tl_jp_is(p, TK_COMPARISON)) {
            op = comparison_op(&p->t[p->cur]);
            p->cur++;
        } else {
            break;
        }
        left = binary(p, at, op, left, parse_additive(p));
    }
    return left;
}

static tl_jnode *parse_multiplicative(tl_jparser *p);

static tl_jnode *parse_additive(tl_jparser *p)
{
    tl_jnode *left = parse_multiplicative(p);
    while (left && tl_jp_is(p, TK_ADDITIVE)) {
        size_t at = p->cur;
        char c = p->t[p->cur++].s[0];
        left = binary(p, at,
                      c == '+'   ? OP_ADD
                      : c == '-' ? OP_SUB
                                 : OP_CONCAT,
                      left, parse_multiplicative(p));
    }
    return left;
}

static tl_jnode *parse_power(tl_jparser *p);

static tl_jnode *parse_multiplicative(tl_jparser *p)
{
    tl_jnode *left = parse_power(p);
    while (left && tl_jp_is(p, TK_MULTIPLICATIVE)) {
        size_t at = p->cur;
        const tl_jtok *t = &p->t[p->cur++];
        tl_jop op = t->s[0] == '*'   ? OP_MUL
                    : t->s[0] == '%' ? OP_MOD
                    : t->len == 2    ? OP_FLOORDIV
                                     : OP_DIV;
        left = binary(p, at, op, left, parse_power(p));
    }
    return left;
}

static tl_jnode *parse_test(tl_jparser *p);

static tl_jnode *parse_power(tl_jparser *p)
{
    tl_jnode *left = parse_test(p);
    while (left && tl_jp_is(p, TK_POWER)) {
        size_t at = p->cur++;
        left = binary(p, at, OP_POW, left, parse_test(p));
    }
    return left;
}

static tl_jnode *parse_filter(tl_jparser *p);

static tl_jnode *parse_test(tl_jparser *p)
{
    tl_jnode *operand = parse_filter(p);
    while (operand && tl_jp_is_ident(p, "is")) {
        size_t at = p->cur++;
        bool negate = tl_jp_is_ident(p, "not");
        if (negate)
            p->cur++;
        size_t name_at = p->cur;
        tl_jnode *name = tl_jp_primary(p);
        if (name == NULL)
            return NULL;
        if (name->kind != N_IDENT)
            return tl_jp_fail(p, name_at, TABLLM_ERR_FORMAT, "expected a test name after 'is'");
        tl_jnode *n = tl_jp_new_node(p, N_TEST, at);
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

static tl_jnode *parse_unary_sign(tl_jparser *p);

static tl_jnode *parse_filter(tl_jparser *p)
{
    tl_jnode *operand = parse_unary_sign(p);
    while (operand && tl_jp_is(p, TK_PIPE)) {
        size_t at = p->cur++;
        size_t name_at = p->cur;
        tl_jnode *f = tl_jp_primary(p);
        if (f == NULL)
            return NULL;
        if (f->kind != N_IDENT)
            return tl_jp_fail(p, name_at, TABLLM_ERR_FORMAT, "expected a filter name after '|'");
        if (tl_jp_is(p, TK_LPAREN) && (f = tl_jp_call(p, f)) == NULL)
            return NULL;
        tl_jnode *n = tl_jp_new_node(p, N_FILTER, at);
        if (n == NULL)
            return NULL;
        n->a = operand;
        n->b = f;
        n->pos = f->pos;
        operand = n;
    }
    return operand;
}

static tl_jnode *parse_unary_sign(tl_jparser *p)
{
    if (p->cur < p->n) {
        const tl_jtok *t = &p->t[p->cur];
        if ((t->kind == TK_UNARY || t->kind == TK_ADDITIVE) && (t->s[0] == '-' || t->s[0] == '+') &&
            t->len == 1) {
            size_t at = p->cur++;
            if (!tl_jp_enter(p))
                return NULL;
            tl_jnode *arg = parse_unary_sign(p);
            p->depth--;
            if (arg == NULL)
                return NULL;
            tl_jnode *n = tl_jp_new_node(p, N_UNARY, at);
            if (n) {
                n->op = t->s[0] == '-' ? OP_NEG : OP_POS;
                n->a = arg;
            }
            return n;
        }
    }
    tl_jnode *member = tl_jp_member(p, tl_jp_primary(p));
    if (member && tl_jp_is(p, TK_LPAREN))
        return tl_jp_call(p, member);
    return member;
}

tl_jnode *tl_jp_call(tl_jparser *p, tl_jnode *callee)
{
    if (!tl_jp_enter(p))
        return NULL;
    tl_jnode *n = tl_jp_new_node(p, N_CALL, p->cur);
    tl_jp_nvec args = {0};
    if (n == NULL || !tl_jp_args(p, false, &args) ||
        !tl_jp_finish(p, &args, &n->list, &n->n_list)) {
        tl_free(args.v);
        return NULL;
    }
    n->a = callee;
    n->pos = callee->pos;
    tl_jnode *e = tl_jp_member(p, n);
    if (e && tl_jp_is(p, TK_LPAREN))
        e = tl_jp_call(p, e);
    p->depth--;
    return e;
}

bool tl_jp_args(tl_jparser *p, bool params, tl_jp_nvec *out)
{
    if (!tl_jp_expect(p, TK_LPAREN, "'('"))
        return false;
    bool saw_keyword = false, saw_spread = false;
    /* duplicate parameter names are found with a linear scan: lists are short */
    while (p->st == TABLLM_OK && !tl_jp_is(p, TK_RPAREN)) {
        if (p->cur >= p->n) {
            tl_jp_fail(p, p->cur, TABLLM_ERR_FORMAT, "missing ')'");
            return false;
        }
        size_t at = p->cur;
        bool kw_spread = tl_jp_is(p, TK_POWER);
        bool pos_spread =
            tl_jp_is(p, TK_MULTIPLICATIVE) && p->t[p->cur].len == 1 && p->t[p->cur].s[0] == '*';
        if (params && (kw_spread || pos_spread)) {
            tl_jp_fail(p, at, TABLLM_ERR_FORMAT, "argument unpacking is not allowed in parameters");
            return false;
        }
        if (kw_spread) {
            p->cur++;
            tl_jnode *n = tl_jp_new_node(p, N_KWSPREAD, at);
            if (n == NULL || (n->a = tl_jp_expression(p)) == NULL || !tl_jp_push(p, out, n))
                return false;
            if (tl_jp_is(p, TK_COMMA))
                p->cur++;
            if (!tl_jp_is(p, TK_RPAREN)) {
                tl_jp_fail(p, p->cur, TABLLM_ERR_FORMAT,
                           "'**' must be applied to the last argument");
                return false;
            }
            break;
        }
        tl_jnode *arg;
        if (pos_spread) {
            if (saw_spread) {
                tl_jp_fail(p, at, TABLLM_ERR_FORMAT, "only one '*' argument unpacking is allowed");
                return false;
            }
            saw_spread = true;
            p->cur++;
            arg = tl_jp_new_node(p, N_SPREAD, at);
            if (arg == NULL || (arg->a = tl_jp_expression(p)) == NULL)
                return false;
        } else {
            arg = tl_jp_expression(p);
            if (arg == NULL)
                return false;
            if (tl_jp_is(p, TK_EQUALS)) {
                p->cur++;
                if (arg->kind != N_IDENT) {
                    tl_jp_fail(p, at, TABLLM_ERR_FORMAT, "expected a name before '='");
                    return false;
                }
                tl_jnode *kw = tl_jp_new_node(p, N_KWARG, at);
                if (kw == NULL || (kw->b = tl_jp_expression(p)) == NULL)
                    return false;
                kw->str = arg->str;
                kw->len = arg->len;
                arg = kw;
            }
            if (params) {
                if (arg->kind != N_IDENT && arg->kind != N_KWARG) {
                    tl_jp_fail(p, at, TABLLM_ERR_FORMAT, "expected a parameter name");
                    return false;
                }
                for (size_t i = 0; i < out->n; i++)
                    if (out->v[i]->len == arg->len &&
                        memcmp(out->v[i]->str, arg->str, arg->len) == 0) {
                        tl_jp_fail(p, at, TABLLM_ERR_FORMAT, "duplicate parameter name '%.*s'",
                                   (int)arg->len, arg->str);
                        return false;
                    }
            }
            if (arg->kind == N_KWARG) {
                saw_keyword = true;
            } else if (saw_keyword) {
                tl_jp_fail(p, at, TABLLM_ERR_FORMAT,
                           params ? "a parameter without a default follows one with a default"
                                  : "a positional argument follows a keyword argument");
                return false;
            } else if (saw_spread) {
                tl_jp_fail(p, at, TABLLM_ERR_FORMAT, "a positional argument follows '*' unpacking");
                return false;
            }
        }
        if (!tl_jp_push(p, out, arg))
            return false;
        if (tl_jp_is(p, TK_COMMA))
            p->cur++;
    }
    return tl_jp_expect(p, TK_RPAREN, "')'");
}

/* The inside of [...]: an index, or a slice start:stop:step. */
static tl_jnode *parse_subscript(tl_jparser *p, size_t at)
{
    tl_jnode *parts[4] = {NULL, NULL, NULL, NULL};
    size_t n = 0;
    bool is_slice = false, has[4] = {false, false, false, false};
    while (p->st == TABLLM_OK && !tl_jp_is(p, TK_RBRACKET)) {
        if (p->cur >= p->n)
            return tl_jp_fail(p, p->cur, TABLLM_ERR_FORMAT, "missing ']'");
        if (n == 4)
            return tl_jp_fail(p, at, TABLLM_ERR_FORMAT, "a slice takes at most 3 parts");
        if (tl_jp_is(p, TK_COLON)) {
            parts[n] = NULL;
            has[n++] = true;
            p->cur++;
            is_slice = true;
        } else {
            if ((parts[n] = tl_jp_expression(p)) == NULL)
                return NULL;
            has[n++] = true;
            if (tl_jp_is(p, TK_COLON)) {
                p->cur++;
                is_slice = true;
            }
        }
    }
    if (p->st != TABLLM_OK)
        return NULL;
    if (n == 0)
        return tl_jp_fail(p, at, TABLLM_ERR_FORMAT, "expected an index or a slice inside '[]'");
    if (!is_slice)
        return parts[0];
    if (n > 3)
        return tl_jp_fail(p, at, TABLLM_ERR_FORMAT, "a slice takes at most 3 parts");
    tl_jnode *s = tl_jp_new_node(p, N_SLICE, at);
    if (s) {
        s->a = parts[0];
        s->b = parts[1];
        s->c = parts[2];
    }
    (void)has;
    return s;
}

tl_jnode *tl_jp_member(tl_jparser *p, tl_jnode *object)
{
    while (object && (tl_jp_is(p, TK_DOT) || tl_jp_is(p, TK_LBRACKET))) {
        size_t at = p->cur;
        bool computed = tl_jp_is(p, TK_LBRACKET);
        p->cur++;
        tl_jnode *prop;
        if (computed) {
            prop = parse_subscript(p, at);
            if (prop == NULL || !tl_jp_expect(p, TK_RBRACKET, "']'"))
                return NULL;
        } else {
            size_t prop_at = p->cur;
            prop = tl_jp_primary(p);
            if (prop == NULL)
                return NULL;
            if (prop->kind != N_IDENT && prop->kind != N_INT)
                return tl_jp_fail(p, prop_at, TABLLM_ERR_FORMAT,
                                  "expected a name or an integer after '.'");
        }
        tl_jnode *n = tl_jp_new_node(p, N_MEMBER, at);
        if (n == NULL)
            return NULL;
        n->a = object;
        n->b = prop;
        n->flag = computed;
        object = n;
    }
    return object;
}

tl_jnode *tl_jp_primary(tl_jparser *p)
{
    if (p->st != TABLLM_OK)
        return NULL;
    if (p->cur >= p->n)
        return tl_jp_fail(p, p->cur, TABLLM_ERR_FORMAT,
                          "unexpected end of template in an expression");
    size_t at = p->cur;
    const tl_jtok *t = &p->t[p->cur++];
    tl_jnode *n;
    switch (t->kind) {
    case TK_NUMBER: {
        char buf[64];
        bool is_float = memchr(t->s, '.', t->len) != NULL;
        n = tl_jp_new_node(p, is_float ? N_FLOAT : N_INT, at);
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
        n = tl_jp_new_node(p, N_STRING, at);
        if (n == NULL)
            return NULL;
        if (!tl_jp_is(p, TK_STRING)) {
            n->str = t->s;
            n->len = t->len;
            return n;
        }
        /* adjacent literals concatenate: 'a' "b" is "ab" */
        tl_buf b = TL_BUF_INIT;
        tl_buf_append(&b, t->s, t->len);
        while (tl_jp_is(p, TK_STRING)) {
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
        n = tl_jp_new_node(p, N_IDENT, at);
        if (n) {
            n->str = t->s;
            n->len = t->len;
        }
        return n;
    case TK_LPAREN: {
        if (!tl_jp_enter(p))
            return NULL;
        tl_jnode *e = tl_jp_expression_sequence(p, false);
        p->depth--;
        if (e == NULL || !tl_jp_expect(p, TK_RPAREN, "')'"))
            return NULL;
        return e;
    }
    case TK_LBRACKET: {
        if (!tl_jp_enter(p))
            return NULL;
        tl_jp_nvec items = {0};
        while (p->st == TABLLM_OK && !tl_jp_is(p, TK_RBRACKET)) {
            if (p->cur >= p->n) {
                tl_jp_fail(p, at, TABLLM_ERR_FORMAT, "missing ']' for this list");
                break;
            }
            if (!tl_jp_push(p, &items, tl_jp_expression(p)))
                break;
            if (tl_jp_is(p, TK_COMMA))
                p->cur++;
        }
        p->cur++;
        n = tl_jp_new_node(p, N_ARRAY, at);
        if (n == NULL || !tl_jp_finish(p, &items, &n->list, &n->n_list)) {
            tl_free(items.v);
            return NULL;
        }
        p->depth--;
        return n;
    }
    case TK_LBRACE: {
        if (!tl_jp_enter(p))
            return NULL;
        tl_jp_nvec items = {0};
        while (p->st == TABLLM_OK && !tl_jp_is(p, TK_RBRACE)) {
            if (p->cur >= p->n) {
                tl_jp_fail(p, at, TABLLM_ERR_FORMAT, "missing '}' for this dict");
                break;
            }
            if (!tl_jp_push(p, &items, tl_jp_expression(p)) ||
                !tl_jp_expect(p, TK_COLON, "':' between a key and its value") ||
                !tl_jp_push(p, &items, tl_jp_expression(p)))
                break;
            if (tl_jp_is(p, TK_COMMA))
                p->cur++;
        }
        p->cur++;
        n = tl_jp_new_node(p, N_OBJECT, at);
        if (n == NULL || !tl_jp_finish(p, &items, &n->list, &n->n_list)) {
            tl_free(items.v);
            return NULL;
        }
        p->depth--;
        return n;
    }
    default: {
        char buf[64];
        return tl_jp_fail(p, at, TABLLM_ERR_FORMAT, "unexpected %s in an expression",
                          tl_jp_describe(p, at, buf, sizeof buf));
    }
    }
}
