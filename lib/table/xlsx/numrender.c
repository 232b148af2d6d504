/* Rendering numbers and text through a compiled number format. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table/xlsx/numfmt_impl.h"

/* --- decimal digits ------------------------------------------------------ */

/* A non-negative number as decimal digits: value = 0.D[0]D[1]... x 10^exp10
 * where D holds `n` digits without a leading zero (n = 0 for zero). */
typedef struct decimal {
    char d[400];
    int n;
    int exp10;
} decimal;

/* Excel keeps 15 significant digits: numbers are printed from their
 * 15-digit decimal value, so 2.675 shows as 2.68 with "0.00". */
static void to_decimal(double v, decimal *out)
{
    out->n = 0;
    out->exp10 = 0;
    if (!(v > 0) || !isfinite(v))
        return;
    char buf[40];
    snprintf(buf, sizeof buf, "%.14e", v);
    char *e = strchr(buf, 'e');
    int ex = atoi(e + 1);
    int n = 0;
    for (char *p = buf; p < e; p++)
        if (*p >= '0' && *p <= '9')
            out->d[n++] = *p;
    while (n > 0 && out->d[n - 1] == '0')
        n--;
    out->n = n;
    out->exp10 = ex + 1;
}

/* Rounds to `places` digits after the decimal point, half away from zero. */
static void round_decimal(decimal *x, int places)
{
    int keep = x->exp10 + places; /* significant digits kept */
    if (keep >= x->n)
        return;
    if (keep < 0) {
        x->n = 0;
        return;
    }
    bool up = x->d[keep] >= '5';
    x->n = keep;
    if (up) {
        int i = keep - 1;
        while (i >= 0 && x->d[i] == '9')
            x->d[i--] = '0';
        if (i >= 0) {
            x->d[i]++;
        } else {
            memmove(x->d + 1, x->d, (size_t)keep);
            x->d[0] = '1';
            x->n = keep + 1;
            x->exp10++;
        }
    }
    while (x->n > 0 && x->d[x->n - 1] == '0')
        x->n--;
}

/* Digit i of the integer part counted from the left of `len` digits. */
static void int_digits(const decimal *x, char *out, int *len)
{
    int n = x->exp10 > 0 ? x->exp10 : 0;
    if (n > 330)
        n = 330;
    for (int i = 0; i < n; i++)
        out[i] = i < x->n ? x->d[i] : '0';
    *len = n;
}

static char frac_digit(const decimal *x, int i) /* i-th digit after the point */
{
    int idx = x->exp10 + i;
    return (idx >= 0 && idx < x->n) ? x->d[idx] : '0';
}

/* --- General ------------------------------------------------------------- */

void tl_numfmt_general(double v, tl_buf *out)
{
    if (isnan(v)) {
        tl_buf_puts(out, "#NUM!");
        return;
    }
    if (v < 0) {
        tl_buf_putc(out, '-');
        v = -v;
    }
    if (isinf(v)) {
        tl_buf_puts(out, "#NUM!");
        return;
    }
    decimal x;
    to_decimal(v, &x);
    if (x.n == 0) {
        tl_buf_putc(out, '0');
        return;
    }
    if (x.exp10 > 11 || x.exp10 < -8) {
        /* 1.23457E+11: six significant digits, as Excel's General shows
         * numbers that do not fit 11 characters. */
        round_decimal(&x, 6 - x.exp10);
        tl_buf_putc(out, x.d[0]);
        if (x.n > 1) {
            tl_buf_putc(out, '.');
            tl_buf_append(out, x.d + 1, (size_t)x.n - 1);
        }
        int e = x.exp10 - 1;
        tl_buf_printf(out, "E%c%02d", e < 0 ? '-' : '+', abs(e));
        return;
    }
    char ip[400];
    int il;
    int_digits(&x, ip, &il);
    if (il == 0)
        tl_buf_putc(out, '0');
    else
        tl_buf_append(out, ip, (size_t)il);
    int frac = x.n - x.exp10;
    if (frac > 0) {
        tl_buf_putc(out, '.');
        for (int i = 0; i < frac; i++)
            tl_buf_putc(out, frac_digit(&x, i));
    }
}

/* --- numbers ------------------------------------------------------------- */

/* Integer part through placeholders toks[from..to) (literals kept in
 * place); digits beyond the placeholders go before the first one. */
static void render_int(const nf_section *s, int from, int to, const char *digits, int nd,
                       tl_buf *out)
{
    int n_ph = 0;
    for (int t = from; t < to; t++)
        n_ph += s->toks[t].kind == TK_ZERO || s->toks[t].kind == TK_HASH ||
                s->toks[t].kind == TK_QMARK;
    /* Build the digit text each placeholder shows. */
    char text[800] = {0}; /* zeroed: gcc -O0 with sanitizers cannot see every path writes first */
    int tl = 0;
    int ph = 0;
    int lead = nd > n_ph ? nd - n_ph : 0; /* digits shown by the first placeholder */
    for (int t = from; t < to; t++) {
        const tok *k = &s->toks[t];
        if (is_lit(k)) {
            if (!s->grouping) {
                if (tl > 0) {
                    tl_buf_append(out, text, (size_t)tl);
                    tl = 0;
                }
                lit(out, s, k);
            }
            continue;
        }
        if (k->kind != TK_ZERO && k->kind != TK_HASH && k->kind != TK_QMARK)
            continue;
        int slot = n_ph - ph; /* 1-based position from the right */
        if (ph == 0)
            for (int i = 0; i < lead; i++)
                text[tl++] = digits[i];
        if (slot <= nd)
            text[tl++] = digits[nd - slot];
        else if (k->kind == TK_ZERO)
            text[tl++] = '0';
        else if (k->kind == TK_QMARK)
            text[tl++] = ' ';
        ph++;
        if (tl > 700)
            tl = 700;
    }
    if (s->grouping) {
        /* Separators between the digits, every three from the right. */
        int first = 0;
        while (first < tl && text[first] == ' ')
            first++;
        tl_buf_append(out, text, (size_t)first);
        int nd_shown = tl - first;
        for (int i = 0; i < nd_shown; i++) {
            tl_buf_putc(out, text[first + i]);
            int left = nd_shown - 1 - i;
            if (left > 0 && left % 3 == 0)
                tl_buf_putc(out, ',');
        }
        for (int t = from; t < to; t++) /* literals after the digits */
            if (is_lit(&s->toks[t]) && (s->toks[t].kind == TK_PERCENT || s->toks[t].len > 0))
                lit(out, s, &s->toks[t]);
    } else if (tl > 0) {
        tl_buf_append(out, text, (size_t)tl);
    }
}

/* Decimal places through placeholders toks[from..to): trailing zeros drop
 * for #, turn to spaces for ?. */
static void render_frac(const nf_section *s, int from, int to, const decimal *x, tl_buf *out)
{
    int n_ph = 0;
    for (int t = from; t < to; t++)
        n_ph += s->toks[t].kind == TK_ZERO || s->toks[t].kind == TK_HASH ||
                s->toks[t].kind == TK_QMARK;
    /* How many places print a digit: up to the last 0 placeholder or the
     * last non-zero digit. */
    int keep = 0;
    {
        int ph = 0;
        for (int t = from; t < to; t++) {
            int k = s->toks[t].kind;
            if (k != TK_ZERO && k != TK_HASH && k != TK_QMARK)
                continue;
            if (k == TK_ZERO || frac_digit(x, ph) != '0')
                keep = ph + 1;
            ph++;
        }
        /* a non-zero digit later makes every earlier place print */
        for (int i = n_ph - 1; i >= 0; i--)
            if (frac_digit(x, i) != '0') {
                if (i + 1 > keep)
                    keep = i + 1;
                break;
            }
    }
    int ph = 0;
    for (int t = from; t < to; t++) {
        const tok *k = &s->toks[t];
        if (is_lit(k)) {
            lit(out, s, k);
            continue;
        }
        if (k->kind != TK_ZERO && k->kind != TK_HASH && k->kind != TK_QMARK)
            continue;
        if (ph < keep)
            tl_buf_putc(out, frac_digit(x, ph));
        else if (k->kind == TK_QMARK)
            tl_buf_putc(out, ' ');
        ph++;
    }
}

static int find(const nf_section *s, int kind, int from)
{
    for (int t = from; t < s->n_toks; t++)
        if (s->toks[t].kind == kind)
            return t;
    return -1;
}

/* Renders toks[from..to) as a fixed-point number (no E, no fraction). */
static void render_fixed(const nf_section *s, int from, int to, double v, tl_buf *out)
{
    int point = find(s, TK_POINT, from);
    if (point >= to)
        point = -1;
    decimal x;
    to_decimal(v, &x);
    round_decimal(&x, s->decimals);
    char digits[400];
    int nd;
    int_digits(&x, digits, &nd);
    int int_end = point >= 0 ? point : to;
    /* Literals before the first placeholder print first. */
    int first_ph = from;
    while (first_ph < int_end && is_lit(&s->toks[first_ph]))
        lit(out, s, &s->toks[first_ph++]);
    render_int(s, first_ph, int_end, digits, nd, out);
    if (point >= 0) {
        tl_buf_putc(out, '.');
        render_frac(s, point + 1, to, &x, out);
    }
}

/* Greatest-accuracy fraction num/den with den <= max_den (continued fractions). */
static void best_fraction(double f, uint32_t max_den, uint64_t *num, uint64_t *den)
{
    uint64_t p0 = 0, q0 = 1, p1 = 1, q1 = 0;
    double x = f;
    for (int i = 0; i < 64; i++) {
        double a = floor(x);
        uint64_t ai = (uint64_t)a;
        uint64_t p2 = ai * p1 + p0, q2 = ai * q1 + q0;
        if (q2 > max_den) {
            /* the best semiconvergent within the bound */
            uint64_t k = (max_den - q0) / q1;
            uint64_t ps = k * p1 + p0, qs = k * q1 + q0;
            if (fabs(f - (double)ps / (double)qs) < fabs(f - (double)p1 / (double)q1))
                p1 = ps, q1 = qs;
            break;
        }
        p0 = p1, q0 = q1, p1 = p2, q1 = q2;
        if (x - a < 1e-12)
            break;
        x = 1.0 / (x - a);
    }
    *num = p1;
    *den = q1 ? q1 : 1;
}

static void render_fraction(const nf_section *s, double v, tl_buf *out)
{
    int slash = find(s, TK_SLASH, 0);
    /* Numerator placeholders: the run just before the slash; a whole part
     * exists when placeholders come before that run, split by a literal. */
    int num_start = slash;
    while (num_start > 0 && (s->toks[num_start - 1].kind == TK_ZERO ||
                             s->toks[num_start - 1].kind == TK_HASH ||
                             s->toks[num_start - 1].kind == TK_QMARK))
        num_start--;
    bool whole = false;
    for (int t = 0; t < num_start; t++)
        if (s->toks[t].kind == TK_ZERO || s->toks[t].kind == TK_HASH ||
            s->toks[t].kind == TK_QMARK)
            whole = true;
    uint32_t den_ph = 0;
    uint32_t fixed = 0;
    for (int t = slash + 1; t < s->n_toks; t++) {
        if (s->toks[t].kind == TK_DENOM)
            fixed = s->toks[t].num;
        else if (s->toks[t].kind == TK_ZERO || s->toks[t].kind == TK_HASH ||
                 s->toks[t].kind == TK_QMARK)
            den_ph++;
    }
    /* Beyond 2^53 there is no fraction to show (and the arithmetic below
     * would overflow): General, as for other unrepresentable values. */
    if (!(v < 9007199254740992.0) || (!whole && fixed && !(v * fixed < 9.0e18))) {
        tl_numfmt_general(v, out);
        return;
    }
    double w = whole ? floor(v) : 0;
    double f = v - w;
    uint64_t num, den;
    if (fixed) {
        den = fixed;
        num = (uint64_t)llround(f * fixed);
    } else {
        uint32_t max_den = 1;
        for (uint32_t i = 0; i < den_ph && i < 7; i++)
            max_den *= 10;
        best_fraction(f, max_den - 1 ? max_den - 1 : 1, &num, &den);
    }
    if (whole && num == den) {
        w += 1;
        num = 0;
    }
    for (int t = 0; t < num_start; t++)
        if (s->toks[t].kind == TK_LIT && !whole)
            lit(out, s, &s->toks[t]);
    if (whole) {
        decimal x;
        to_decimal(w, &x);
        char digits[400] = {0};
        int nd;
        int_digits(&x, digits, &nd);
        if (nd == 0 && num == 0)
            digits[nd++] = '0';
        int first = 0;
        while (first < num_start && s->toks[first].kind == TK_LIT)
            lit(out, s, &s->toks[first++]);
        int end_whole = first;
        while (end_whole < num_start && s->toks[end_whole].kind != TK_LIT)
            end_whole++;
        render_int(s, first, end_whole, digits, nd, out);
        if (num == 0)
            return; /* the fraction part is blank */
        for (int t = end_whole; t < num_start; t++)
            if (s->toks[t].kind == TK_LIT)
                lit(out, s, &s->toks[t]);
    } else if (num == 0) {
        tl_buf_putc(out, '0');
        return;
    }
    /* The numerator is right-aligned in its placeholders (? pads with a
     * space, 0 with a zero), the denominator left-aligned. */
    char digits[24];
    int nd = snprintf(digits, sizeof digits, "%llu", (unsigned long long)num);
    for (int t = num_start, left = slash - num_start; t < slash; t++, left--)
        if (left > nd && s->toks[t].kind != TK_HASH)
            tl_buf_putc(out, s->toks[t].kind == TK_ZERO ? '0' : ' ');
    tl_buf_printf(out, "%s/%llu", digits, (unsigned long long)den);
    for (int t = num_start; t < slash; t++)
        if (s->toks[t].kind == TK_LIT)
            lit(out, s, &s->toks[t]);
    for (int t = slash + 1; t < s->n_toks; t++)
        if (s->toks[t].kind == TK_LIT)
            lit(out, s, &s->toks[t]);
}

static void render_scientific(const nf_section *s, double v, tl_buf *out)
{
    int e_tok = find(s, TK_EXP, 0);
    int n_int = 0;
    bool hash_int = false;
    int point = find(s, TK_POINT, 0);
    int int_end = point >= 0 && point < e_tok ? point : e_tok;
    for (int t = 0; t < int_end; t++) {
        int k = s->toks[t].kind;
        if (k == TK_ZERO || k == TK_HASH || k == TK_QMARK)
            n_int++;
        hash_int |= k == TK_HASH;
    }
    if (n_int == 0)
        n_int = 1;
    int e = 0;
    double m = v;
    if (v > 0) {
        decimal x;
        to_decimal(v, &x);
        e = x.exp10 - 1;
        /* ##0.0E+0 shows exponents in multiples of the integer width. */
        int step = (hash_int && n_int > 1) ? n_int : 1;
        int shift = step > 1 ? e - ((e % step) + step) % step : e - (n_int - 1);
        e = shift;
        m = v / pow(10, e);
        decimal mx;
        to_decimal(m, &mx);
        round_decimal(&mx, s->decimals);
        int limit = step > 1 ? step : n_int;
        if (mx.exp10 > limit) { /* 9.99 rounded to 10.0 */
            e += step > 1 ? step : 1;
            m = v / pow(10, e);
        }
    }
    render_fixed(s, 0, e_tok, m, out);
    const tok *et = &s->toks[e_tok];
    tl_buf_putc(out, 'E');
    if (e < 0)
        tl_buf_putc(out, '-');
    else if (et->n)
        tl_buf_putc(out, '+');
    int e_ph = 0;
    for (int t = e_tok + 1; t < s->n_toks; t++)
        e_ph += s->toks[t].kind == TK_ZERO || s->toks[t].kind == TK_HASH ||
                s->toks[t].kind == TK_QMARK;
    tl_buf_printf(out, "%0*d", e_ph > 0 ? e_ph : 1, abs(e));
    for (int t = e_tok + 1; t < s->n_toks; t++)
        if (s->toks[t].kind == TK_LIT)
            lit(out, s, &s->toks[t]);
}

/* --- sections ------------------------------------------------------------ */

static bool cond_holds(int op, double v, double c)
{
    switch (op) {
    case COND_LT: return v < c;
    case COND_LE: return v <= c;
    case COND_GT: return v > c;
    case COND_GE: return v >= c;
    case COND_EQ: return v == c;
    case COND_NE: return v != c;
    default: return false;
    }
}

/* Picks the section for `v`; *show_minus says whether a '-' must be added
 * (only the first section, or a conditional one, shows the sign itself). */
static const nf_section *pick(const tl_numfmt *f, double v, bool *show_minus)
{
    int n = f->n_sec;
    /* A text-only section does not take numbers. */
    if (n == 4 || (n > 1 && f->sec[n - 1].has_at && !f->sec[n - 1].has_digits))
        n = n == 4 ? 3 : n - 1;
    bool conditional = false;
    for (int i = 0; i < n; i++)
        conditional |= f->sec[i].cond != COND_NONE;
    if (conditional) {
        /* As with plain sections, the second one shows no sign of its own
         * (LibreOffice and Excel agree). */
        for (int i = 0; i < n; i++) {
            if (f->sec[i].cond != COND_NONE && cond_holds(f->sec[i].cond, v, f->sec[i].cond_value)) {
                *show_minus = v < 0 && i != 1;
                return &f->sec[i];
            }
        }
        for (int i = 0; i < n; i++)
            if (f->sec[i].cond == COND_NONE) {
                *show_minus = v < 0 && i == 0;
                return &f->sec[i];
            }
        *show_minus = v < 0;
        return &f->sec[0];
    }
    if (n >= 3 && v == 0) {
        *show_minus = false;
        return &f->sec[2];
    }
    if (n >= 2 && v < 0) {
        *show_minus = false;
        return &f->sec[1];
    }
    *show_minus = v < 0;
    return &f->sec[0];
}

static void trim_spaces(tl_buf *out, size_t start)
{
    size_t end = out->len;
    while (end > start && out->data[end - 1] == ' ')
        end--;
    size_t lead = start;
    while (lead < end && out->data[lead] == ' ')
        lead++;
    if (lead > start)
        memmove(out->data + start, out->data + lead, end - lead);
    tl_buf_truncate(out, start + (end - lead));
}

void tl_numfmt_render_number(const tl_numfmt *f, double v, bool date1904, tl_buf *out)
{
    size_t start = out->len;
    bool minus;
    const nf_section *s = pick(f, v, &minus);
    double a = fabs(v);
    if (s->has_date || s->has_time) {
        if (!minus && tl_nf_render_date(s, a, date1904, out)) {
            trim_spaces(out, start);
            return;
        }
        tl_buf_truncate(out, start);
        tl_numfmt_general(v, out);
        return;
    }
    if (s->has_general || (!s->has_digits && s->has_at)) {
        /* "General" (with literals around it) or a text format */
        for (int t = 0; t < s->n_toks; t++) {
            if (s->toks[t].kind == TK_LIT)
                lit(out, s, &s->toks[t]);
            else if (s->toks[t].kind == TK_GENERAL || s->toks[t].kind == TK_AT)
                tl_numfmt_general(minus ? -a : a, out);
        }
        if (!s->has_general && !s->has_at)
            tl_numfmt_general(v, out);
        trim_spaces(out, start);
        return;
    }
    if (!s->has_digits) { /* literals only, e.g. the "-" of a zero section */
        if (minus)
            tl_buf_putc(out, '-');
        for (int t = 0; t < s->n_toks; t++)
            if (s->toks[t].kind == TK_LIT)
                lit(out, s, &s->toks[t]);
            else if (s->toks[t].kind == TK_PERCENT)
                tl_buf_putc(out, '%');
        trim_spaces(out, start);
        return;
    }
    double x = a;
    for (int i = 0; i < s->percent; i++)
        x *= 100;
    for (int i = 0; i < s->scale; i++)
        x /= 1000;
    /* Only a section that is not the negative one adds the sign, and Excel
     * keeps it when the shown value rounds to zero ("-0"). */
    if (minus)
        tl_buf_putc(out, '-');
    if (s->has_exp)
        render_scientific(s, x, out);
    else if (s->has_frac)
        render_fraction(s, x, out);
    else
        render_fixed(s, 0, s->n_toks, x, out);
    trim_spaces(out, start);
}

void tl_numfmt_render_text(const tl_numfmt *f, const char *text, size_t len, tl_buf *out)
{
    const nf_section *s = NULL;
    if (f->n_sec == 4)
        s = &f->sec[3];
    else if (f->sec[0].has_at && !f->sec[0].has_digits && f->n_sec == 1)
        s = &f->sec[0];
    else if (f->n_sec > 1 && f->sec[f->n_sec - 1].has_at && !f->sec[f->n_sec - 1].has_digits)
        s = &f->sec[f->n_sec - 1];
    if (s == NULL || !s->has_at) {
        tl_buf_append(out, text, len);
        return;
    }
    /* The padding the format adds around the text (_( and _)) is trimmed,
     * never the text's own spaces. */
    size_t start = out->len;
    bool seen_text = false;
    for (int t = 0; t < s->n_toks; t++) {
        if (s->toks[t].kind == TK_AT) {
            if (!seen_text) {
                size_t lead = start;
                while (lead < out->len && out->data[lead] == ' ')
                    lead++;
                if (lead > start) {
                    memmove(out->data + start, out->data + lead, out->len - lead);
                    tl_buf_truncate(out, out->len - (lead - start));
                }
                seen_text = true;
            }
            tl_buf_append(out, text, len);
            start = out->len;
        } else if (is_lit(&s->toks[t])) {
            lit(out, s, &s->toks[t]);
        }
    }
    size_t end = out->len;
    while (end > start && out->data[end - 1] == ' ')
        end--;
    tl_buf_truncate(out, end);
}
