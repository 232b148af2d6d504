/* The template lexer: the reference's preprocessing (trim_blocks and
 * lstrip_blocks as transformers sets them, the trailing newline, the
 * `{% generation %}` tags) and tokenizer, with each token's position in the
 * original text for messages. */
#ifndef TL_CHAT_LEXER_H
#define TL_CHAT_LEXER_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/error.h"

typedef enum tl_jtok_kind {
    TK_TEXT,
    TK_NUMBER, /* digits, maybe with a fraction and a leading sign */
    TK_STRING, /* value already unescaped */
    TK_IDENT,  /* names, keywords, true/false/none alike */
    TK_EQUALS, /* = */
    TK_LPAREN,
    TK_RPAREN,
    TK_OPEN_STMT, /* {% */
    TK_CLOSE_STMT,
    TK_OPEN_EXPR, /* {{ */
    TK_CLOSE_EXPR,
    TK_LBRACKET,
    TK_RBRACKET,
    TK_LBRACE,
    TK_RBRACE,
    TK_COMMA,
    TK_DOT,
    TK_COLON,
    TK_PIPE,
    TK_ADDITIVE,       /* + - ~ */
    TK_MULTIPLICATIVE, /* * / // % */
    TK_POWER,          /* ** */
    TK_COMPARISON,     /* < > <= >= == != */
    TK_UNARY,          /* a lone - or + in unary position */
    TK_COMMENT,
} tl_jtok_kind;

typedef struct tl_jtok {
    tl_jtok_kind kind;
    const char *s; /* in the arena; TK_STRING values are NUL-terminated, others are slices */
    size_t len;
    size_t pos; /* byte offset in the original template */
} tl_jtok;

/* Tokenizes `src` (valid UTF-8). Tokens and their texts live in `arena`.
 * Failures are TABLLM_ERR_FORMAT with "chat template:LINE:COL: ...". */
tabllm_status tl_jinja_lex(const char *src, size_t len, tl_arena *arena, tl_jtok **toks,
                           size_t *n_toks);

/* 1-based line and column (in code points) of a byte offset. */
void tl_jinja_line_col(const char *src, size_t len, size_t pos, size_t *line, size_t *col);

/* The name of a token kind, for messages. */
const char *tl_jtok_name(tl_jtok_kind kind);

#endif
