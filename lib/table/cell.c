/* Typing a cell from its text, and the number parsers behind it.
 *
 * Every reader calls this once per cell, so it is on the hot path of a
 * gigabyte CSV: the first byte decides most cells, integers are parsed by
 * hand, and decimals take Clinger's exact fast path (a mantissa of at most
 * 15 digits times a power of ten up to 1e22 is exact in double arithmetic)
 * before falling back to strtod. The fallback uses the "C" locale, so a host
 * that set LC_NUMERIC to a comma-decimal locale still reads "1.5" as 1.5. */
#define _GNU_SOURCE 1
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "table/table.h"

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

bool tl_parse_int64(const char *s, size_t len, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    if (i < len && (s[i] == '-' || s[i] == '+'))
        neg = s[i++] == '-';
    if (i == len)
        return false;
    uint64_t v = 0;
    /* 2^63 = 9223372036854775808: the last digit may make it overflow. */
    const uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < len; i++) {
        if (!is_digit(s[i]))
            return false;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (limit - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;
static locale_t c_locale; /* written once, then only read */

static void make_c_locale(void)
{
    c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

static double strtod_c(const char *s)
{
    pthread_once(&c_locale_once, make_c_locale);
    return c_locale != (locale_t)0 ? strtod_l(s, NULL, c_locale) : strtod(s, NULL);
}

static const double pow10_exact[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

bool tl_parse_double(const char *s, size_t len, double *out)
{
    size_t i = 0;
    bool neg = false;
    if (i < len && (s[i] == '-' || s[i] == '+'))
        neg = s[i++] == '-';
    if (len - i == 3 && (strncasecmp(s + i, "inf", 3) == 0 || strncasecmp(s + i, "nan", 3) == 0)) {
        double v = (s[i] == 'n' || s[i] == 'N') ? NAN : INFINITY;
        *out = neg ? -v : v;
        return true;
    }
    /* Only decimal notation: strtod would also take hex floats ("0x1F"). */
    uint64_t mant = 0;
    int sig = 0;       /* significant digits collected into mant */
    bool dropped = false; /* a nonzero digit did not fit in mant */
    long exp10 = 0;
    bool digits = false;
    for (; i < len && is_digit(s[i]); i++) {
        digits = true;
        if (mant == 0 && s[i] == '0')
            continue;
        if (sig < 19) {
            mant = mant * 10 + (uint64_t)(s[i] - '0');
            sig++;
        } else {
            exp10++;
            dropped |= s[i] != '0';
        }
    }
    if (i < len && s[i] == '.') {
        for (i++; i < len && is_digit(s[i]); i++) {
            digits = true;
            if (mant == 0 && s[i] == '0') {
                exp10--;
                continue;
            }
            if (sig < 19) {
                mant = mant * 10 + (uint64_t)(s[i] - '0');
                sig++;
                exp10--;
            } else {
                dropped |= s[i] != '0';
            }
        }
    }
    if (!digits)
        return false;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        bool eneg = false;
        if (i < len && (s[i] == '-' || s[i] == '+'))
            eneg = s[i++] == '-';
        if (i == len || !is_digit(s[i]))
            return false;
        long e = 0;
        for (; i < len && is_digit(s[i]); i++)
            if (e < 100000)
                e = e * 10 + (s[i] - '0');
        exp10 += eneg ? -e : e;
    }
    if (i != len)
        return false;
    if (!dropped && mant <= (1ull << 53) && exp10 >= -22 && exp10 <= 22) {
        double v = (double)mant;
        v = exp10 < 0 ? v / pow10_exact[-exp10] : v * pow10_exact[exp10];
        *out = neg ? -v : v;
        return true;
    }
    if (mant == 0 && !dropped) {
        *out = neg ? -0.0 : 0.0;
        return true;
    }
    char stack[128];
    char *copy = len < sizeof stack ? stack : tl_malloc(len + 1);
    if (copy == NULL)
        return false;
    memcpy(copy, s, len);
    copy[len] = '\0';
    *out = strtod_c(copy);
    if (copy != stack)
        tl_free(copy);
    return true;
}

void tl_cell_classify(tl_cell *cell)
{
    const char *s = cell->text;
    size_t len = cell->len;
    if (len == 0) {
        cell->type = TL_CELL_NULL;
        return;
    }
    /* Most text cells are decided by their first byte. */
    char c = s[0];
    if (!(is_digit(c) || c == '-' || c == '+' || c == '.' || c == 'i' || c == 'I' || c == 'n' ||
          c == 'N' || c == 't' || c == 'T' || c == 'f' || c == 'F')) {
        cell->type = TL_CELL_TEXT;
        return;
    }
    if ((c == 't' || c == 'T' || c == 'f' || c == 'F') &&
        ((len == 4 && strncasecmp(s, "true", 4) == 0) ||
         (len == 5 && strncasecmp(s, "false", 5) == 0))) {
        cell->type = TL_CELL_BOOL;
        cell->value.b = len == 4;
        return;
    }
    /* One scan of the leading digits decides most cells: all digits is an
     * integer (unless it overflows), and digits followed by anything but
     * '.', 'e' or 'E' ("2024-01-31", "12px") is text. */
    size_t start = (c == '-' || c == '+') ? 1 : 0, i = start;
    while (i < len && is_digit(s[i]))
        i++;
    if (i == len && i > start && tl_parse_int64(s, len, &cell->value.i)) {
        cell->type = TL_CELL_INT;
    } else if (i < len && i > start && s[i] != '.' && s[i] != 'e' && s[i] != 'E') {
        cell->type = TL_CELL_TEXT;
    } else if (tl_parse_double(s, len, &cell->value.f)) {
        cell->type = TL_CELL_FLOAT;
    } else {
        cell->type = TL_CELL_TEXT;
    }
}
