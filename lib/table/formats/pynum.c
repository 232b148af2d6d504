#include "table/formats/pynum.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <utf8proc.h>

#include "base/alloc.h"
#include "table/formats/pystr.h"

/* ---- repr(float) --------------------------------------------------------- */

/* Decimal digits of a positive finite x, as %.{prec-1}e would round them:
 * digits[0..prec) and the decimal exponent of the first digit. */
static void sci_digits(double x, int prec, char *digits, int *exp10)
{
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%.*e", prec - 1, x);
    int n = 0;
    const char *p = tmp;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9')
            digits[n++] = *p;
    *exp10 = atoi(p + 1);
}

static double digits_value(const char *digits, int n, int exp10)
{
    char tmp[64];
    int k = 0;
    tmp[k++] = digits[0];
    tmp[k++] = '.';
    memcpy(tmp + k, digits + 1, (size_t)n - 1);
    k += n - 1;
    snprintf(tmp + k, sizeof tmp - (size_t)k, "e%d", exp10);
    return strtod(tmp, NULL);
}

/* Adds `delta` (+1 or -1) to the last of n digits, carrying; returns false
 * when the result would change the digit count (then it is not a candidate
 * of the same length). */
static bool bump_digits(char *digits, int n, int delta, int *exp10)
{
    int i = n - 1;
    if (delta > 0) {
        while (i >= 0 && digits[i] == '9')
            digits[i--] = '0';
        if (i < 0) {
            /* 99..9 + 1 = 100..0: one more order of magnitude, same length. */
            digits[0] = '1';
            (*exp10)++;
            return true;
        }
        digits[i]++;
        return true;
    }
    while (i >= 0 && digits[i] == '0')
        digits[i--] = '9';
    if (i < 0 || (i == 0 && digits[0] == '1' && n == 1))
        return false;
    digits[i]--;
    if (digits[0] == '0') {
        /* 10..0 - 1 = 99..9 with one digit fewer at the front: shift. */
        memmove(digits, digits + 1, (size_t)n - 1);
        digits[n - 1] = '9';
        (*exp10)--;
    }
    return true;
}

/* The shortest digit string that reads back as x (x > 0, finite), nearest
 * to x among the shortest, as David Gay's dtoa mode 0 (CPython's repr).
 * Every decimal of at most 15 significant digits survives a trip through a
 * normal double, so when the 15-digit rounding of x reads back as x, the
 * shortest form is that rounding without its trailing zeros; otherwise it
 * has 16 or 17 digits. Subnormals, with fewer bits, are searched digit by
 * digit. */
static int shortest_digits(double x, char *digits, int *exp10)
{
    if (x < DBL_MIN) {
        for (int prec = 1; prec <= 17; prec++) {
            sci_digits(x, prec, digits, exp10);
            if (digits_value(digits, prec, *exp10) == x)
                return prec;
            char alt[20];
            for (int delta = -1; delta <= 1; delta += 2) {
                int alt_exp = *exp10;
                memcpy(alt, digits, (size_t)prec);
                if (bump_digits(alt, prec, delta, &alt_exp) &&
                    digits_value(alt, prec, alt_exp) == x) {
                    memcpy(digits, alt, (size_t)prec);
                    *exp10 = alt_exp;
                    return prec;
                }
            }
        }
    }
    sci_digits(x, 15, digits, exp10);
    if (digits_value(digits, 15, *exp10) == x) {
        int n = 15;
        while (n > 1 && digits[n - 1] == '0')
            n--;
        return n;
    }
    sci_digits(x, 16, digits, exp10);
    if (digits_value(digits, 16, *exp10) == x)
        return 16;
    /* The correctly rounded candidate can miss while a neighbour hits when
     * x sits just above a power of two (its lower half-gap is smaller than
     * its upper one). */
    char alt[20];
    for (int delta = -1; delta <= 1; delta += 2) {
        int alt_exp = *exp10;
        memcpy(alt, digits, 16);
        if (bump_digits(alt, 16, delta, &alt_exp) && digits_value(alt, 16, alt_exp) == x) {
            memcpy(digits, alt, 16);
            *exp10 = alt_exp;
            return 16;
        }
    }
    sci_digits(x, 17, digits, exp10);
    return 17;
}

size_t tl_py_float_repr(double x, char out[TL_PY_FLOAT_BUF])
{
    if (isnan(x)) {
        memcpy(out, "nan", 4);
        return 3;
    }
    if (isinf(x)) {
        const char *s = x < 0 ? "-inf" : "inf";
        size_t n = strlen(s);
        memcpy(out, s, n + 1);
        return n;
    }
    size_t k = 0;
    if (signbit(x)) {
        out[k++] = '-';
        x = -x;
    }
    if (x == 0) {
        memcpy(out + k, "0.0", 4);
        return k + 3;
    }
    char digits[20];
    int exp10;
    int n = shortest_digits(x, digits, &exp10);
    /* Python's decpt: the value is 0.DIGITS x 10**decpt. */
    int decpt = exp10 + 1;
    if (decpt <= -4 || decpt > 16) {
        out[k++] = digits[0];
        if (n > 1) {
            out[k++] = '.';
            memcpy(out + k, digits + 1, (size_t)n - 1);
            k += (size_t)n - 1;
        }
        int e = decpt - 1;
        k += (size_t)snprintf(out + k, TL_PY_FLOAT_BUF - k, "e%c%02d", e < 0 ? '-' : '+',
                              e < 0 ? -e : e);
    } else if (decpt <= 0) {
        out[k++] = '0';
        out[k++] = '.';
        for (int i = 0; i < -decpt; i++)
            out[k++] = '0';
        memcpy(out + k, digits, (size_t)n);
        k += (size_t)n;
    } else if (decpt >= n) {
        memcpy(out + k, digits, (size_t)n);
        k += (size_t)n;
        for (int i = n; i < decpt; i++)
            out[k++] = '0';
        out[k++] = '.';
        out[k++] = '0';
    } else {
        memcpy(out + k, digits, (size_t)decpt);
        k += (size_t)decpt;
        out[k++] = '.';
        memcpy(out + k, digits + decpt, (size_t)(n - decpt));
        k += (size_t)(n - decpt);
    }
    out[k] = '\0';
    return k;
}

size_t tl_py_float_g(double x, char out[TL_PY_FLOAT_BUF])
{
    /* C's %g is Python's "g" except that Python never prints "-nan". */
    if (isnan(x)) {
        memcpy(out, "nan", 4);
        return 3;
    }
    return (size_t)snprintf(out, TL_PY_FLOAT_BUF, "%g", x);
}

/* ---- float(str) and int(str) ----------------------------------------------- */

/* The decimal value (0-9) of a Unicode decimal digit (category Nd), or -1.
 * Unicode encodes every set of decimal digits as one contiguous run from 0
 * to 9, so the value is the distance from the start of the run of Nd
 * characters it belongs to, modulo 10. */
static int unicode_decimal(uint32_t cp)
{
    if (cp >= '0' && cp <= '9')
        return (int)(cp - '0');
    if (cp < 0x80 || (cp & TL_PY_BADBYTE) ||
        utf8proc_category((utf8proc_int32_t)cp) != UTF8PROC_CATEGORY_ND)
        return -1;
    uint32_t start = cp;
    while (start > 0 && cp - start < 64 &&
           utf8proc_category((utf8proc_int32_t)(start - 1)) == UTF8PROC_CATEGORY_ND)
        start--;
    return (int)((cp - start) % 10);
}

/* Python's float() and int() first map every whitespace character to ' '
 * and every decimal digit to its ASCII digit
 * (_PyUnicode_TransformDecimalAndSpaceToASCII); any other non-ASCII
 * character makes the text unparseable. This reads one character that way:
 * the ASCII byte, or 0 for "not parseable". */
static char ascii_char(const char *s, size_t len, size_t *i)
{
    uint32_t cp;
    *i += tl_py_next(s + *i, len - *i, &cp);
    if (cp == 0)
        return 0;
    if (tl_py_isspace(cp))
        return ' ';
    if (cp < 0x80)
        return (char)cp;
    int d = unicode_decimal(cp);
    return d < 0 ? 0 : (char)('0' + d);
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool ascii_space(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

/* The ASCII form of s with surrounding whitespace removed and underscores
 * between digits dropped, into *out (stack_buf when it fits, else
 * allocated). Returns 1, 0 when float()/int() would raise, -1 on OOM. */
static int clean_number_text(const char *s, size_t len, char *stack_buf, size_t stack_cap,
                             char **out, size_t *out_len)
{
    char *buf = stack_buf;
    if (len + 1 > stack_cap) {
        buf = tl_malloc(len + 1);
        if (buf == NULL) {
            tl_error_oom("a number's text");
            return -1;
        }
    }
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        char c = ascii_char(s, len, &i);
        if (c == 0) {
            if (buf != stack_buf)
                tl_free(buf);
            return 0;
        }
        buf[n++] = c;
    }
    size_t a = 0, z = n;
    while (a < z && ascii_space(buf[a]))
        a++;
    while (z > a && ascii_space(buf[z - 1]))
        z--;
    size_t m = 0;
    for (size_t i = a; i < z; i++) {
        if (buf[i] == '_') {
            if (i == a || i + 1 == z || !is_digit(buf[i - 1]) || !is_digit(buf[i + 1])) {
                if (buf != stack_buf)
                    tl_free(buf);
                return 0;
            }
            continue;
        }
        buf[m++] = buf[i];
    }
    buf[m] = '\0';
    *out = buf;
    *out_len = m;
    return 1;
}

int tl_py_parse_float(const char *s, size_t len, double *out)
{
    char stack_buf[128];
    char *clean;
    size_t m;
    int r = clean_number_text(s, len, stack_buf, sizeof stack_buf, &clean, &m);
    if (r <= 0)
        return r;
    /* _Py_dg_strtod's grammar, plus inf/infinity/nan with a sign. */
    size_t i = 0;
    bool neg = false;
    bool ok = false;
    if (clean[i] == '+' || clean[i] == '-')
        neg = clean[i++] == '-';
    const char *word = clean + i;
    if (strcasecmp(word, "inf") == 0 || strcasecmp(word, "infinity") == 0) {
        *out = neg ? -INFINITY : INFINITY;
        ok = true;
    } else if (strcasecmp(word, "nan") == 0) {
        *out = neg ? -NAN : NAN;
        ok = true;
    } else {
        size_t digits = 0;
        while (is_digit(clean[i]))
            i++, digits++;
        if (clean[i] == '.') {
            i++;
            while (is_digit(clean[i]))
                i++, digits++;
        }
        ok = digits > 0;
        if (ok && (clean[i] == 'e' || clean[i] == 'E')) {
            size_t j = i + 1;
            if (clean[j] == '+' || clean[j] == '-')
                j++;
            ok = is_digit(clean[j]);
            while (is_digit(clean[j]))
                j++;
            i = j;
        }
        ok = ok && i == m;
        if (ok)
            *out = strtod(clean, NULL);
    }
    if (clean != stack_buf)
        tl_free(clean);
    return ok ? 1 : 0;
}

/* CPython 3.11 refuses to convert longer decimal strings to int
 * (sys.int_info.default_max_str_digits). */
#define PY_INT_MAX_STR_DIGITS 4300

bool tl_py_is_int(const char *s, size_t len)
{
    size_t i = 0;
    char c = 0;
    /* leading whitespace */
    while (i < len) {
        size_t at = i;
        c = ascii_char(s, len, &i);
        if (c != ' ' && !ascii_space(c)) {
            i = at;
            break;
        }
    }
    if (i >= len)
        return false;
    size_t at = i;
    c = ascii_char(s, len, &i);
    if (c == '+' || c == '-') {
        if (i >= len)
            return false;
        at = i;
        c = ascii_char(s, len, &i);
    }
    (void)at;
    if (!is_digit(c))
        return false;
    size_t digits = 1;
    bool prev_underscore = false;
    while (i < len) {
        size_t here = i;
        c = ascii_char(s, len, &i);
        if (is_digit(c)) {
            digits++;
            prev_underscore = false;
        } else if (c == '_' && !prev_underscore) {
            prev_underscore = true;
        } else {
            i = here;
            break;
        }
    }
    if (prev_underscore)
        return false;
    while (i < len) {
        c = ascii_char(s, len, &i);
        if (!ascii_space(c))
            return false;
    }
    return digits <= PY_INT_MAX_STR_DIGITS;
}

double tl_np_round(double x, int decimals)
{
    /* numpy's around() for floats: multiply, round half to even, divide.
     * Separate statements so no compiler fuses them into an FMA. */
    double scale = 1.0;
    for (int i = 0; i < decimals; i++)
        scale *= 10.0;
    volatile double y = x * scale;
    y = rint(y);
    return y / scale;
}
