/* The template's syntax tree, as @huggingface/jinja's ast.ts shapes it. Every
 * node lives in the template's arena and keeps the byte offset of the token it
 * came from, so runtime errors can say line:column. */
#ifndef TL_CHAT_AST_H
#define TL_CHAT_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum tl_jnode_kind {
    /* statements */
    N_TEXT, /* str: template text */
    N_COMMENT,
    N_IF,  /* a: test; body; alt */
    N_FOR, /* a: loop variable (ident or tuple); b: iterable; body; alt: else */
    N_BREAK,
    N_CONTINUE,
    N_SET,          /* a: assignee; b: value or NULL (then body) */
    N_MACRO,        /* str: name; list: parameters; body */
    N_CALL_BLOCK,   /* a: the call (N_CALL); list: caller parameters (has_params); body */
    N_FILTER_BLOCK, /* a: filter (ident or call); body */
    /* expressions */
    N_INT,      /* num */
    N_FLOAT,    /* num */
    N_STRING,   /* str */
    N_ARRAY,    /* list */
    N_TUPLE,    /* list */
    N_OBJECT,   /* list: key, value, key, value, ... */
    N_IDENT,    /* str */
    N_MEMBER,   /* a: object; b: property; flag: computed */
    N_CALL,     /* a: callee; list: arguments */
    N_UNARY,    /* op; a */
    N_BINARY,   /* op; a, b */
    N_FILTER,   /* a: operand; b: filter (ident or call) */
    N_TEST,     /* a: operand; str: test name; flag: negated */
    N_SELECT,   /* a: value; b: condition ("x if c" without else) */
    N_TERNARY,  /* a: condition; b: if true; c: if false */
    N_SLICE,    /* a, b, c: start, stop, step (each may be NULL) */
    N_KWARG,    /* str: name; b: value */
    N_SPREAD,   /* a: *expr */
    N_KWSPREAD, /* a: **expr */
} tl_jnode_kind;

typedef enum tl_jop {
    OP_NONE,
    OP_OR,
    OP_AND,
    OP_NOT,
    OP_IN,
    OP_NOT_IN,
    OP_EQ,
    OP_NE,
    OP_LT,
    OP_GT,
    OP_LE,
    OP_GE,
    OP_ADD,
    OP_SUB,
    OP_CONCAT,
    OP_MUL,
    OP_DIV,
    OP_FLOORDIV,
    OP_MOD,
    OP_POW,
    OP_NEG,
    OP_POS,
} tl_jop;

/* Macro and call-block parameters that the body reads before declaring them:
 * only then do extra arguments land in `kwargs`/`varargs` instead of failing. */
#define TL_JMACRO_KWARGS 0x1u
#define TL_JMACRO_VARARGS 0x2u

typedef struct tl_jnode tl_jnode;
struct tl_jnode {
    uint8_t kind;
    uint8_t op;
    bool flag;
    uint8_t special; /* TL_JMACRO_* for N_MACRO and N_CALL_BLOCK */
    size_t pos;      /* byte offset in the original template */
    const char *str;
    size_t len;
    double num;
    tl_jnode *a, *b, *c;
    tl_jnode **list;
    size_t n_list;
    tl_jnode **body;
    size_t n_body;
    tl_jnode **alt;
    size_t n_alt;
};

#endif
