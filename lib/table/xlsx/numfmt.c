/* Number formats: the built-in table, compiling format codes, categories,
 * and the two date systems. Rendering is in numrender.c. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "table/xlsx/numfmt_impl.h"

/* ECMA-376 Part 1, 18.8.30, en-US. (openpyxl's table has the same codes,
 * except that its id 44 lacks the section separators.) */
static const char *const builtin[50] = {
    [0] = "General",
    [1] = "0",
    [2] = "0.00",
    [3] = "#,##0",
    [4] = "#,##0.00",
    [5] = "\"$\"#,##0_);(\"$\"#,##0)",
    [6] = "\"$\"#,##0_);[Red](\"$\"#,##0)",
    [7] = "\"$\"#,##0.00_);(\"$\"#,##0.00)",
    [8] = "\"$\"#,##0.00_);[Red](\"$\"#,##0.00)",
    [9] = "0%",
    [10] = "0.00%",
    [11] = "0.00E+00",
    [12] = "# ?/?",
    [13] = "# ?\?/??",
    [14] = "mm-dd-yy",
    [15] = "d-mmm-yy",
    [16] = "d-mmm",
    [17] = "mmm-yy",
    [18] = "h:mm AM/PM",
    [19] = "h:mm:ss AM/PM",
    [20] = "h:mm",
    [21] = "h:mm:ss",
    [22] = "m/d/yy h:mm",
    [37] = "#,##0_);(#,##0)",
    [38] = "#,##0_);[Red](#,##0)",
    [39] = "#,##0.00_);(#,##0.00)",
    [40] = "#,##0.00_);[Red](#,##0.00)",
    [41] = "_(* #,##0_);_(* \\(#,##0\\);_(* \"-\"_);_(@_)",
    [42] = "_(\"$\"* #,##0_);_(\"$\"* \\(#,##0\\);_(\"$\"* \"-\"_);_(@_)",
    [43] = "_(* #,##0.00_);_(* \\(#,##0.00\\);_(* \"-\"??_);_(@_)",
    [44] = "_(\"$\"* #,##0.00_);_(\"$\"* \\(#,##0.00\\);_(\"$\"* \"-\"??_);_(@_)",
    [45] = "mm:ss",
    [46] = "[h]:mm:ss",
    [47] = "mmss.0",
    [48] = "##0.0E+0",
    [49] = "@",
};

const char *tl_numfmt_builtin(uint32_t id)
{
    return id < 50 ? builtin[id] : NULL;
}

const char *tl_numfmt_builtin_shown(uint32_t id)
{
    switch (id) {
    case 14: return "m/d/yyyy";
    case 22: return "m/d/yyyy h:mm";
    case 47: return "mm:ss.0";
    default: return tl_numfmt_builtin(id);
    }
}

/* --- compiling ----------------------------------------------------------- */

/* False when the section is full and the token was dropped: flags that
 * promise a token (has_exp, has_frac) must only be set when it is there. */
static bool add_tok(nf_section *s, int kind, int n)
{
    if (s->n_toks >= NF_MAX_TOKENS)
        return false;
    s->toks[s->n_toks++] = (tok){(uint8_t)kind, (uint8_t)n, 0, 0, 0};
    return true;
}

static void add_lit(nf_section *s, const char *text, size_t len)
{
    if (len == 0)
        return;
    if (s->lits_len + (int)len > NF_MAX_LITS)
        len = (size_t)(NF_MAX_LITS - s->lits_len);
    /* Adjacent literals merge, which keeps token counts small. */
    if (s->n_toks > 0 && s->toks[s->n_toks - 1].kind == TK_LIT &&
        s->toks[s->n_toks - 1].off + s->toks[s->n_toks - 1].len == s->lits_len) {
        memcpy(s->lits + s->lits_len, text, len);
        s->lits_len += (int)len;
        s->toks[s->n_toks - 1].len = (uint16_t)(s->toks[s->n_toks - 1].len + len);
        return;
    }
    if (s->n_toks >= NF_MAX_TOKENS)
        return;
    memcpy(s->lits + s->lits_len, text, len);
    s->toks[s->n_toks++] = (tok){TK_LIT, 0, (uint16_t)s->lits_len, (uint16_t)len, 0};
    s->lits_len += (int)len;
}

static size_t run(const char *p, size_t i, size_t end, char lower)
{
    size_t j = i;
    while (j < end && tolower((unsigned char)p[j]) == lower)
        j++;
    return j - i;
}

static bool is_placeholder(int kind)
{
    return kind == TK_ZERO || kind == TK_HASH || kind == TK_QMARK;
}

/* [..] contents: elapsed time, currency/locale, condition, or ignored. */
static void bracket(nf_section *s, const char *b, size_t len)
{
    if (len > 0) {
        char c = (char)tolower((unsigned char)b[0]);
        size_t same = run(b, 0, len, c);
        if (same == len && (c == 'h' || c == 'm' || c == 's')) {
            add_tok(s, c == 'h' ? TK_ELAPSED_H : c == 'm' ? TK_ELAPSED_M : TK_ELAPSED_S,
                    (int)(len > 9 ? 9 : len));
            s->has_time = true;
            return;
        }
    }
    if (len > 0 && b[0] == '$') {
        size_t end = 1;
        while (end < len && b[end] != '-')
            end++;
        if (end > 1) {
            add_lit(s, b + 1, end - 1);
            s->currency = true;
        }
        return;
    }
    if (len > 0 && (b[0] == '<' || b[0] == '>' || b[0] == '=')) {
        size_t i = 1;
        int op;
        if (b[0] == '<' && i < len && b[i] == '=')
            op = COND_LE, i++;
        else if (b[0] == '<' && i < len && b[i] == '>')
            op = COND_NE, i++;
        else if (b[0] == '>' && i < len && b[i] == '=')
            op = COND_GE, i++;
        else
            op = b[0] == '<' ? COND_LT : b[0] == '>' ? COND_GT : COND_EQ;
        char num[64];
        size_t n = len - i < sizeof num - 1 ? len - i : sizeof num - 1;
        memcpy(num, b + i, n);
        num[n] = '\0';
        char *endp;
        double v = strtod(num, &endp);
        if (endp != num) {
            s->cond = op;
            s->cond_value = v;
        }
    }
    /* Colours ([Red], [Color10]), [DBNum1], ... change nothing in text. */
}

static void compile_section(nf_section *s, const char *p, size_t end)
{
    memset(s, 0, sizeof *s);
    size_t i = 0;
    while (i < end) {
        char c = p[i];
        char lc = (char)tolower((unsigned char)c);
        if (c == '"') {
            size_t j = i + 1;
            while (j < end && p[j] != '"')
                j++;
            add_lit(s, p + i + 1, j - i - 1);
            i = j < end ? j + 1 : j;
        } else if (c == '\\') {
            if (i + 1 < end) {
                /* one UTF-8 character */
                size_t j = i + 2;
                while (j < end && ((unsigned char)p[j] & 0xC0) == 0x80)
                    j++;
                add_lit(s, p + i + 1, j - i - 1);
                i = j;
            } else {
                i++;
            }
        } else if (c == '_') {
            add_lit(s, " ", 1);
            i += 2;
            while (i < end && ((unsigned char)p[i] & 0xC0) == 0x80)
                i++;
        } else if (c == '*') {
            i += 2;
            while (i < end && ((unsigned char)p[i] & 0xC0) == 0x80)
                i++;
        } else if (c == '[') {
            size_t j = i + 1;
            while (j < end && p[j] != ']')
                j++;
            bracket(s, p + i + 1, j - i - 1);
            i = j < end ? j + 1 : j;
        } else if (end - i >= 7 && strncasecmp(p + i, "General", 7) == 0) {
            add_tok(s, TK_GENERAL, 0);
            s->has_general = true;
            i += 7;
        } else if (c == '0' || c == '#' || c == '?') {
            if (c == '0' && s->has_time && s->n_toks > 0 && s->toks[s->n_toks - 1].kind == TK_POINT) {
                /* "ss.00": fractional seconds, not a decimal */
                s->n_toks--;
                size_t n = run(p, i, end, '0');
                add_tok(s, TK_SUBSEC, (int)(n > 3 ? 3 : n));
                s->subsec = n > 3 ? 3 : (int)n;
                i += n;
                continue;
            }
            add_tok(s, c == '0' ? TK_ZERO : c == '#' ? TK_HASH : TK_QMARK, 0);
            s->has_digits = true;
            i++;
        } else if (c == '.') {
            add_tok(s, TK_POINT, 0);
            i++;
        } else if (c == ',') {
            add_tok(s, TK_GROUP, 0); /* grouping or scaling: decided below */
            i++;
        } else if (c == '%') {
            add_tok(s, TK_PERCENT, 0);
            s->percent++;
            i++;
        } else if (lc == 'e' && i + 1 < end && (p[i + 1] == '+' || p[i + 1] == '-')) {
            if (add_tok(s, TK_EXP, p[i + 1] == '+'))
                s->has_exp = true;
            i += 2;
        } else if (c == '/' && s->n_toks > 0 && is_placeholder(s->toks[s->n_toks - 1].kind) &&
                   i + 1 < end && (isdigit((unsigned char)p[i + 1]) || p[i + 1] == '#' ||
                                   p[i + 1] == '?' || p[i + 1] == '0')) {
            if (add_tok(s, TK_SLASH, 0))
                s->has_frac = true;
            i++;
            if (isdigit((unsigned char)p[i]) && p[i] != '0') {
                uint32_t d = 0;
                while (i < end && isdigit((unsigned char)p[i]) && d < 100000000)
                    d = d * 10 + (uint32_t)(p[i++] - '0');
                add_tok(s, TK_DENOM, 0);
                s->toks[s->n_toks - 1].num = d;
            }
        } else if (c == '@') {
            add_tok(s, TK_AT, 0);
            s->has_at = true;
            i++;
        } else if (end - i >= 5 && strncasecmp(p + i, "AM/PM", 5) == 0) {
            add_tok(s, TK_AMPM, 0);
            s->has_time = true;
            i += 5;
        } else if (end - i >= 3 && strncasecmp(p + i, "A/P", 3) == 0) {
            add_tok(s, TK_AMPM, p[i] == 'a' ? 2 : 1);
            s->has_time = true;
            i += 3;
        } else if (lc == 'y' || lc == 'e') {
            size_t n = run(p, i, end, lc);
            add_tok(s, TK_YEAR, (n <= 2 && lc == 'y') ? 2 : 4);
            s->has_date = true;
            i += n;
        } else if (lc == 'd') {
            size_t n = run(p, i, end, 'd');
            add_tok(s, TK_DAY, (int)(n > 4 ? 4 : n));
            s->has_date = true;
            i += n;
        } else if (lc == 'm') {
            size_t n = run(p, i, end, 'm');
            add_tok(s, TK_MONTH_OR_MINUTE, (int)(n > 5 ? 5 : n));
            i += n;
        } else if (lc == 'h') {
            size_t n = run(p, i, end, 'h');
            add_tok(s, TK_HOUR, n >= 2 ? 2 : 1);
            s->has_time = true;
            i += n;
        } else if (lc == 's') {
            size_t n = run(p, i, end, 's');
            add_tok(s, TK_SECOND, n >= 2 ? 2 : 1);
            s->has_time = true;
            i += n;
        } else {
            size_t j = i + 1;
            while (j < end && ((unsigned char)p[j] & 0xC0) == 0x80)
                j++;
            add_lit(s, p + i, j - i);
            i = j;
        }
    }

    /* m is minutes right after an hour or right before seconds, else month. */
    for (int t = 0; t < s->n_toks; t++) {
        if (s->toks[t].kind != TK_MONTH_OR_MINUTE)
            continue;
        int prev = t - 1, next = t + 1;
        while (prev >= 0 && s->toks[prev].kind == TK_LIT)
            prev--;
        while (next < s->n_toks && s->toks[next].kind == TK_LIT)
            next++;
        bool minute = s->toks[t].n <= 2 &&
                      ((prev >= 0 && (s->toks[prev].kind == TK_HOUR ||
                                      s->toks[prev].kind == TK_ELAPSED_H)) ||
                       (next < s->n_toks && (s->toks[next].kind == TK_SECOND ||
                                             s->toks[next].kind == TK_ELAPSED_S)));
        s->toks[t].kind = minute ? TK_MINUTE : TK_MONTH;
        if (minute)
            s->has_time = true;
        else
            s->has_date = true;
    }

    /* Commas: between integer placeholders they group thousands; right after
     * the last placeholder of the number they scale it by 1000 each. */
    bool in_int = true;
    int last_ph = -1;
    for (int t = 0; t < s->n_toks; t++) {
        int k = s->toks[t].kind;
        if (k == TK_POINT || k == TK_EXP || k == TK_SLASH)
            in_int = false;
        if (is_placeholder(k))
            last_ph = t;
        if (k != TK_GROUP)
            continue;
        int next = t + 1;
        while (next < s->n_toks && s->toks[next].kind == TK_GROUP)
            next++;
        bool next_ph = next < s->n_toks && is_placeholder(s->toks[next].kind);
        if (last_ph >= 0 && in_int && next_ph) {
            s->grouping = true;
            s->toks[t].kind = TK_LIT, s->toks[t].len = 0; /* an empty literal */
        } else if (last_ph >= 0 && !next_ph) {
            s->scale++;
            s->toks[t].kind = TK_LIT, s->toks[t].len = 0;
        } else {
            /* a literal comma */
            s->toks[t].kind = TK_LIT;
            if (s->lits_len < NF_MAX_LITS) {
                s->lits[s->lits_len] = ',';
                s->toks[t].off = (uint16_t)s->lits_len++;
                s->toks[t].len = 1;
            }
        }
    }
    /* Decimal places: placeholders after the point, up to an E or the end. */
    bool after_point = false;
    for (int t = 0; t < s->n_toks; t++) {
        int k = s->toks[t].kind;
        if (k == TK_POINT && !after_point)
            after_point = true;
        else if (k == TK_EXP || k == TK_SLASH)
            break;
        else if (after_point && is_placeholder(k))
            s->decimals++;
    }
    if (s->has_date || s->has_time)
        s->has_digits = false;
    for (int t = 0; t < s->n_toks; t++) {
        if (s->toks[t].kind != TK_LIT)
            continue;
        const char *l = s->lits + s->toks[t].off;
        size_t n = s->toks[t].len;
        static const char *const symbols[] = {"$", "\xe2\x82\xac", "\xc2\xa3", "\xc2\xa5",
                                              "\xe2\x82\xb9", "\xe2\x82\xa9", "\xe2\x82\xbd",
                                              "\xc2\xa4"};
        for (size_t k = 0; k < sizeof symbols / sizeof *symbols; k++) {
            size_t sl = strlen(symbols[k]);
            for (size_t j = 0; j + sl <= n; j++)
                if (memcmp(l + j, symbols[k], sl) == 0)
                    s->currency = true;
        }
    }
}

tl_numfmt *tl_numfmt_compile(const char *code)
{
    tl_numfmt *f = tl_calloc(1, sizeof *f);
    if (f == NULL) {
        tl_error_oom("a number format");
        return NULL;
    }
    size_t len = strlen(code);
    size_t start = 0;
    bool quoted = false;
    for (size_t i = 0; i <= len && f->n_sec < 4; i++) {
        if (i < len && code[i] == '"')
            quoted = !quoted;
        else if (i < len && !quoted && code[i] == '\\')
            i++;
        else if (i < len && !quoted && code[i] == '[') {
            while (i < len && code[i] != ']')
                i++;
        } else if (i == len || (!quoted && code[i] == ';')) {
            compile_section(&f->sec[f->n_sec++], code + start, i - start);
            start = i + 1;
        }
    }
    if (f->n_sec == 0)
        compile_section(&f->sec[f->n_sec++], "", 0);
    f->is_text_only = f->n_sec == 1 && f->sec[0].has_at && !f->sec[0].has_digits &&
                      !f->sec[0].has_date && !f->sec[0].has_time;
    return f;
}

void tl_numfmt_free(tl_numfmt *f)
{
    tl_free(f);
}

bool tl_numfmt_is_date(const tl_numfmt *f)
{
    return f->sec[0].has_date || f->sec[0].has_time;
}

tl_sheet_category tl_numfmt_category(const tl_numfmt *f, double v)
{
    const nf_section *s = &f->sec[0];
    if (s->has_date && s->has_time)
        return TL_CAT_DATETIME;
    if (s->has_date)
        return TL_CAT_DATE;
    if (s->has_time)
        return TL_CAT_TIME;
    if (s->has_digits) {
        if (s->has_exp)
            return TL_CAT_SCIENTIFIC;
        if (s->percent)
            return TL_CAT_PERCENTAGE;
        if (s->currency)
            return TL_CAT_CURRENCY;
        if (s->decimals > 0 || s->has_frac)
            return TL_CAT_DECIMAL;
        return TL_CAT_INTEGER;
    }
    /* General, text (@) or a format without placeholders: by the value. */
    return (isfinite(v) && v == floor(v) && fabs(v) < 1e15) ? TL_CAT_INTEGER : TL_CAT_DECIMAL;
}

/* --- dates --------------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, tl_civil *out)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int d = (int)(doy - (153 * mp + 2) / 5 + 1);
    int m = (int)(mp < 10 ? mp + 3 : mp - 9);
    out->year = (int)(y + (m <= 2));
    out->month = m;
    out->day = d;
}

void tl_serial_to_civil(int64_t days, bool date1904, tl_civil *out)
{
    if (date1904) {
        civil_from_days(days_from_civil(1904, 1, 1) + days, out);
        out->weekday = (int)((days + 5) % 7); /* 1904-01-01 was a Friday */
        return;
    }
    /* Lotus 1-2-3's calendar, which Excel keeps: serial 0 is 0 January
     * 1900, serial 60 is 29 February 1900 (a day that never was), and the
     * weekdays before it are one off from the real ones. */
    out->weekday = (int)((days + 6) % 7);
    if (days == 0) {
        out->year = 1900, out->month = 1, out->day = 0;
    } else if (days == 60) {
        out->year = 1900, out->month = 2, out->day = 29;
    } else {
        int64_t base = days_from_civil(1899, 12, days < 60 ? 31 : 30);
        int wd = out->weekday;
        civil_from_days(base + days, out);
        out->weekday = wd;
    }
}

static bool digits(const char *s, size_t len, size_t *i, size_t n, int *out)
{
    if (*i + n > len)
        return false;
    int v = 0;
    for (size_t k = 0; k < n; k++) {
        char c = s[*i + k];
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    *i += n;
    *out = v;
    return true;
}

bool tl_iso_to_serial(const char *s, size_t len, bool date1904, double *serial)
{
    size_t i = 0;
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
    double frac = 0;
    bool have_date = false;
    if (len >= 10 && s[4] == '-') {
        if (!digits(s, len, &i, 4, &y) || s[i++] != '-' || !digits(s, len, &i, 2, &mo) ||
            s[i++] != '-' || !digits(s, len, &i, 2, &d))
            return false;
        have_date = true;
        if (i < len && (s[i] == 'T' || s[i] == ' '))
            i++;
    }
    if (i < len && s[i] != 'Z') {
        if (!digits(s, len, &i, 2, &h) || i >= len || s[i++] != ':' ||
            !digits(s, len, &i, 2, &mi))
            return false;
        if (i < len && s[i] == ':') {
            i++;
            if (!digits(s, len, &i, 2, &sec))
                return false;
            if (i < len && s[i] == '.') {
                double scale = 0.1;
                i++;
                while (i < len && s[i] >= '0' && s[i] <= '9') {
                    frac += (s[i] - '0') * scale;
                    scale /= 10;
                    i++;
                }
            }
        }
    }
    if (i < len && s[i] == 'Z')
        i++;
    if (i != len || h > 24 || mi > 59 || sec > 60)
        return false;
    double day_frac = (h * 3600.0 + mi * 60.0 + sec + frac) / 86400.0;
    if (!have_date) {
        *serial = day_frac;
        return true;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || y > 9999)
        return false;
    int64_t days = days_from_civil(y, mo, d);
    tl_civil check;
    civil_from_days(days, &check);
    if (check.day != d || check.month != mo)
        return false; /* 2023-02-30 */
    int64_t n;
    if (date1904) {
        n = days - days_from_civil(1904, 1, 1);
    } else if (days < days_from_civil(1900, 3, 1)) {
        n = days - days_from_civil(1899, 12, 31);
    } else {
        n = days - days_from_civil(1899, 12, 30);
    }
    if (n < 0)
        return false;
    *serial = (double)n + day_frac;
    return true;
}
