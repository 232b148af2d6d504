/* The compiled form of a number format, shared by numfmt.c (parsing) and
 * numrender.c (rendering). */
#ifndef TL_TABLE_XLSX_NUMFMT_IMPL_H
#define TL_TABLE_XLSX_NUMFMT_IMPL_H

#include <stdio.h>

#include "table/xlsx/numfmt.h"

enum tok_kind {
    TK_LIT,     /* literal text: lits[off..off+len) */
    TK_ZERO,    /* 0 */
    TK_HASH,    /* # */
    TK_QMARK,   /* ? */
    TK_POINT,   /* decimal point */
    TK_GROUP,   /* thousands separator between integer placeholders */
    TK_PERCENT,
    TK_EXP,     /* E+ (n=1) or E- (n=0) */
    TK_SLASH,   /* fraction bar */
    TK_DENOM,   /* fixed denominator: value in `num` */
    TK_AT,      /* the text */
    TK_GENERAL,
    TK_YEAR,    /* n = 2 or 4 digits */
    TK_MONTH,   /* n = 1..5 (m, mm, mmm, mmmm, mmmmm) */
    TK_DAY,     /* n = 1..4 (d, dd, ddd, dddd) */
    TK_HOUR,    /* n = 1..2 */
    TK_MINUTE,  /* n = 1..2 */
    TK_SECOND,  /* n = 1..2 */
    TK_SUBSEC,  /* n = 1..3 digits */
    TK_AMPM,    /* n = 0: AM/PM; 1: A/P; 2: a/p */
    TK_ELAPSED_H, /* [h], n = width */
    TK_ELAPSED_M,
    TK_ELAPSED_S,
    TK_MONTH_OR_MINUTE, /* resolved after tokenising */
};

typedef struct tok {
    uint8_t kind;
    uint8_t n;
    uint16_t off, len; /* TK_LIT: the text in section.lits */
    uint32_t num;      /* TK_DENOM */
} tok;

enum { COND_NONE, COND_LT, COND_LE, COND_GT, COND_GE, COND_EQ, COND_NE };

#define NF_MAX_TOKENS 96
#define NF_MAX_LITS 512

typedef struct nf_section {
    tok toks[NF_MAX_TOKENS];
    int n_toks;
    char lits[NF_MAX_LITS];
    int lits_len;
    int cond;
    double cond_value;
    /* summary */
    bool has_date, has_time, has_digits, has_general, has_at, has_exp, has_frac;
    bool currency, grouping;
    int percent; /* number of % signs */
    int scale;   /* scaling commas: divide by 1000^scale */
    int decimals; /* placeholders after the point (before E) */
    int subsec;   /* fractional-second digits */
} nf_section;

struct tl_numfmt {
    nf_section sec[4];
    int n_sec;
    bool is_text_only; /* "@" */
};

/* Literal text (and % signs) as they print. */
static inline void lit(tl_buf *out, const nf_section *s, const tok *t)
{
    if (t->kind == TK_PERCENT)
        tl_buf_putc(out, '%');
    else
        tl_buf_append(out, s->lits + t->off, t->len);
}

/* Tokens printed as they stand between digits: literals and % signs. */
static inline bool is_lit(const tok *t)
{
    return t->kind == TK_LIT || t->kind == TK_PERCENT;
}

/* Renders a date/time section; false for values Excel shows as ##### (the
 * caller falls back to General). numdate.c. */
bool tl_nf_render_date(const nf_section *s, double v, bool date1904, tl_buf *out);

#endif
