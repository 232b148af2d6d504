#include "chat/jsstr.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "base/utf8.h"

bool tl_js_is_space(uint32_t cp)
{
    switch (cp) {
    case 0x09:
    case 0x0a:
    case 0x0b:
    case 0x0c:
    case 0x0d:
    case 0x20:
    case 0xa0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202f:
    case 0x205f:
    case 0x3000:
    case 0xfeff:
        return true;
    default:
        return cp >= 0x2000 && cp <= 0x200a;
    }
}

size_t tl_js_decode(const char *s, size_t len, uint32_t *cp)
{
    size_t n = tl_utf8_decode(s, len, cp);
    if (n == 0) { /* cannot happen for validated text; never loop forever */
        *cp = 0xfffd;
        return 1;
    }
    return n;
}

size_t tl_js_space_at(const char *s, size_t len)
{
    if (len == 0)
        return 0;
    unsigned char c = (unsigned char)s[0];
    if (c < 0x80)
        return tl_js_is_space(c) ? 1 : 0;
    uint32_t cp;
    size_t n = tl_js_decode(s, len, &cp);
    return tl_js_is_space(cp) ? n : 0;
}

size_t tl_js_space_before(const char *s, size_t len)
{
    if (len == 0)
        return 0;
    unsigned char c = (unsigned char)s[len - 1];
    if (c < 0x80)
        return tl_js_is_space(c) ? 1 : 0;
    size_t start = len - 1;
    while (start > 0 && len - start < 4 && ((unsigned char)s[start] & 0xc0) == 0x80)
        start--;
    uint32_t cp;
    size_t n = tl_js_decode(s + start, len - start, &cp);
    return (start + n == len && tl_js_is_space(cp)) ? n : 0;
}

size_t tl_js_trim(const char *s, size_t *len, bool start, bool end)
{
    size_t off = 0, n = *len, k;
    if (start)
        while (off < n && (k = tl_js_space_at(s + off, n - off)) > 0)
            off += k;
    if (end)
        while (n > off && (k = tl_js_space_before(s + off, n - off)) > 0)
            n -= k;
    *len = n - off;
    return off;
}

size_t tl_js_utf16_len(const char *s, size_t len)
{
    size_t units = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c & 0xc0) != 0x80)
            units += c >= 0xf0 ? 2 : 1;
    }
    return units;
}

bool tl_js_utf16_at(const char *s, size_t len, size_t index, size_t *off, size_t *cplen, bool *half)
{
    size_t unit = 0, i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = tl_js_decode(s + i, len - i, &cp);
        size_t w = cp >= 0x10000 ? 2 : 1;
        if (index < unit + w) {
            *off = i;
            *cplen = n;
            *half = w == 2;
            return true;
        }
        unit += w;
        i += n;
    }
    return false;
}

/* A code point's position in UTF-16 order: astral code points sort as their
 * high surrogate (0xD800-0xDBFF), below U+E000..U+FFFF. */
static uint32_t utf16_key(uint32_t cp)
{
    if (cp < 0x10000)
        return cp << 10;
    uint32_t v = cp - 0x10000;
    return ((0xd800 + (v >> 10)) << 10) | (v & 0x3ff);
}

int tl_js_compare(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t i = 0, j = 0;
    while (i < alen && j < blen) {
        uint32_t ca, cb;
        i += tl_js_decode(a + i, alen - i, &ca);
        j += tl_js_decode(b + j, blen - j, &cb);
        if (ca != cb) {
            uint32_t ka = utf16_key(ca), kb = utf16_key(cb);
            if (ka != kb)
                return ka < kb ? -1 : 1;
            /* same high surrogate: the low surrogates decide */
            return ca < cb ? -1 : 1;
        }
    }
    if (i < alen)
        return 1;
    if (j < blen)
        return -1;
    return 0;
}

/* ---- numbers ----------------------------------------------------------- */

size_t tl_js_number_to_string(double v, char *buf)
{
    if (isnan(v))
        return (size_t)sprintf(buf, "NaN");
    if (isinf(v))
        return (size_t)sprintf(buf, v < 0 ? "-Infinity" : "Infinity");
    if (v == 0)
        return (size_t)sprintf(buf, "0");
    char *out = buf;
    if (v < 0) {
        *out++ = '-';
        v = -v;
    }
    /* The shortest decimal that reads back as v (ECMAScript Number::toString). */
    char tmp[40];
    int p;
    for (p = 1; p <= 17; p++) {
        snprintf(tmp, sizeof tmp, "%.*e", p - 1, v);
        if (strtod(tmp, NULL) == v)
            break;
    }
    char digits[24];
    int k = 0;
    const char *t = tmp;
    for (; *t && *t != 'e'; t++)
        if (*t >= '0' && *t <= '9')
            digits[k++] = *t;
    while (k > 1 && digits[k - 1] == '0')
        k--;
    int e = atoi(t + 1);
    int n = e + 1;
    if (k <= n && n <= 21) {
        memcpy(out, digits, (size_t)k);
        out += k;
        for (int z = 0; z < n - k; z++)
            *out++ = '0';
    } else if (0 < n && n <= 21) {
        memcpy(out, digits, (size_t)n);
        out += n;
        *out++ = '.';
        memcpy(out, digits + n, (size_t)(k - n));
        out += k - n;
    } else if (-6 < n && n <= 0) {
        *out++ = '0';
        *out++ = '.';
        for (int z = 0; z < -n; z++)
            *out++ = '0';
        memcpy(out, digits, (size_t)k);
        out += k;
    } else {
        *out++ = digits[0];
        if (k > 1) {
            *out++ = '.';
            memcpy(out, digits + 1, (size_t)(k - 1));
            out += k - 1;
        }
        out += sprintf(out, "e%c%d", n - 1 >= 0 ? '+' : '-', abs(n - 1));
    }
    *out = '\0';
    return (size_t)(out - buf);
}

size_t tl_js_float_to_string(double v, char *buf)
{
    if (v == 0 && signbit(v))
        return (size_t)sprintf(buf, "-0.0");
    /* `value % 1 === 0 ? value.toFixed(1) : value.toString()`; toFixed
     * falls back to toString from 1e21 on. */
    if (isfinite(v) && v == trunc(v) && fabs(v) < 1e21)
        return (size_t)snprintf(buf, 32, "%.1f", v);
    return tl_js_number_to_string(v, buf);
}

static bool ascii_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Length of the StrUnsignedDecimalLiteral at s: digits [. digits] [e[+-]digits],
 * or .digits[...]; 0 when there is none. */
static size_t decimal_literal(const char *s, size_t len)
{
    size_t i = 0, int_digits = 0, frac_digits = 0;
    while (i < len && ascii_digit(s[i]))
        i++, int_digits++;
    if (i < len && s[i] == '.') {
        size_t j = i + 1;
        while (j < len && ascii_digit(s[j]))
            j++, frac_digits++;
        if (int_digits + frac_digits > 0)
            i = j;
    }
    if (int_digits + frac_digits == 0)
        return 0;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        size_t j = i + 1;
        if (j < len && (s[j] == '+' || s[j] == '-'))
            j++;
        if (j < len && ascii_digit(s[j])) {
            while (j < len && ascii_digit(s[j]))
                j++;
            i = j;
        }
    }
    return i;
}

static double parse_decimal(const char *s, size_t n)
{
    char small[64];
    char *tmp = n < sizeof small ? small : malloc(n + 1);
    if (tmp == NULL)
        return NAN;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    double v = strtod(tmp, NULL);
    if (tmp != small)
        free(tmp);
    return v;
}

double tl_js_string_to_number(const char *s, size_t len)
{
    size_t off = tl_js_trim(s, &len, true, true);
    s += off;
    if (len == 0)
        return 0;
    if (len > 2 && s[0] == '0' && strchr("xXoObB", s[1]) != NULL) {
        int base = (s[1] == 'x' || s[1] == 'X') ? 16 : (s[1] == 'o' || s[1] == 'O') ? 8 : 2;
        double v = 0;
        for (size_t i = 2; i < len; i++) {
            int d;
            char c = s[i];
            if (c >= '0' && c <= '9')
                d = c - '0';
            else if (c >= 'a' && c <= 'f')
                d = c - 'a' + 10;
            else if (c >= 'A' && c <= 'F')
                d = c - 'A' + 10;
            else
                return NAN;
            if (d >= base)
                return NAN;
            v = v * base + d;
        }
        return v;
    }
    size_t i = 0;
    bool neg = false;
    if (s[0] == '+' || s[0] == '-') {
        neg = s[0] == '-';
        i = 1;
    }
    if (len - i == 8 && memcmp(s + i, "Infinity", 8) == 0)
        return neg ? -INFINITY : INFINITY;
    size_t n = decimal_literal(s + i, len - i);
    if (n == 0 || i + n != len)
        return NAN;
    return parse_decimal(s, len);
}

double tl_js_parse_int(const char *s, size_t len)
{
    size_t off = tl_js_trim(s, &len, true, false);
    s += off;
    size_t i = 0;
    bool neg = false;
    if (i < len && (s[i] == '+' || s[i] == '-')) {
        neg = s[i] == '-';
        i++;
    }
    size_t start = i;
    double v = 0;
    while (i < len && ascii_digit(s[i]))
        i++;
    if (i == start)
        return NAN;
    /* Digits beyond double precision: parse the digit run as a decimal so
     * the rounding matches the engine's (correctly rounded). */
    v = parse_decimal(s + start, i - start);
    return neg ? -v : v;
}

double tl_js_parse_float(const char *s, size_t len)
{
    size_t off = tl_js_trim(s, &len, true, false);
    s += off;
    size_t i = 0;
    bool neg = false;
    if (i < len && (s[i] == '+' || s[i] == '-')) {
        neg = s[i] == '-';
        i++;
    }
    if (len - i >= 8 && memcmp(s + i, "Infinity", 8) == 0)
        return neg ? -INFINITY : INFINITY;
    size_t n = decimal_literal(s + i, len - i);
    if (n == 0)
        return NAN;
    double v = parse_decimal(s + i, n);
    return neg ? -v : v;
}

/* ---- case mapping ------------------------------------------------------- */

/* Unicode SpecialCasing.txt, the unconditional mappings to more than one code
 * point (utf8proc only knows the one-to-one mappings). */
static const struct {
    uint16_t cp;
    uint16_t to[3];
} special_upper[] = {
    {0x00df, {0x0053, 0x0053}},         {0x0149, {0x02bc, 0x004e}},
    {0x01f0, {0x004a, 0x030c}},         {0x0390, {0x0399, 0x0308, 0x0301}},
    {0x03b0, {0x03a5, 0x0308, 0x0301}}, {0x0587, {0x0535, 0x0552}},
    {0x1e96, {0x0048, 0x0331}},         {0x1e97, {0x0054, 0x0308}},
    {0x1e98, {0x0057, 0x030a}},         {0x1e99, {0x0059, 0x030a}},
    {0x1e9a, {0x0041, 0x02be}},         {0x1f50, {0x03a5, 0x0313}},
    {0x1f52, {0x03a5, 0x0313, 0x0300}}, {0x1f54, {0x03a5, 0x0313, 0x0301}},
    {0x1f56, {0x03a5, 0x0313, 0x0342}}, {0x1fb2, {0x1fba, 0x0399}},
    {0x1fb3, {0x0391, 0x0399}},         {0x1fb4, {0x0386, 0x0399}},
    {0x1fb6, {0x0391, 0x0342}},         {0x1fb7, {0x0391, 0x0342, 0x0399}},
    {0x1fbc, {0x0391, 0x0399}},         {0x1fc2, {0x1fca, 0x0399}},
    {0x1fc3, {0x0397, 0x0399}},         {0x1fc4, {0x0389, 0x0399}},
    {0x1fc6, {0x0397, 0x0342}},         {0x1fc7, {0x0397, 0x0342, 0x0399}},
    {0x1fcc, {0x0397, 0x0399}},         {0x1fd2, {0x0399, 0x0308, 0x0300}},
    {0x1fd3, {0x0399, 0x0308, 0x0301}}, {0x1fd6, {0x0399, 0x0342}},
    {0x1fd7, {0x0399, 0x0308, 0x0342}}, {0x1fe2, {0x03a5, 0x0308, 0x0300}},
    {0x1fe3, {0x03a5, 0x0308, 0x0301}}, {0x1fe4, {0x03a1, 0x0313}},
    {0x1fe6, {0x03a5, 0x0342}},         {0x1fe7, {0x03a5, 0x0308, 0x0342}},
    {0x1ff2, {0x1ffa, 0x0399}},         {0x1ff3, {0x03a9, 0x0399}},
    {0x1ff4, {0x038f, 0x0399}},         {0x1ff6, {0x03a9, 0x0342}},
    {0x1ff7, {0x03a9, 0x0342, 0x0399}}, {0x1ffc, {0x03a9, 0x0399}},
    {0xfb00, {0x0046, 0x0046}},         {0xfb01, {0x0046, 0x0049}},
    {0xfb02, {0x0046, 0x004c}},         {0xfb03, {0x0046, 0x0046, 0x0049}},
    {0xfb04, {0x0046, 0x0046, 0x004c}}, {0xfb05, {0x0053, 0x0054}},
    {0xfb06, {0x0053, 0x0054}},         {0xfb13, {0x0544, 0x0546}},
    {0xfb14, {0x0544, 0x0535}},         {0xfb15, {0x0544, 0x053b}},
    {0xfb16, {0x054e, 0x0546}},         {0xfb17, {0x0544, 0x053d}},
};

int tl_js_case_map_cp(uint32_t cp, bool upper, uint32_t out[3])
{
    if (upper) {
        /* U+1F80..U+1FAF: the Greek letters with ypogegrammeni/prosgegrammeni
         * become the capital plus IOTA (a regular pattern in SpecialCasing). */
        if (cp >= 0x1f80 && cp <= 0x1faf) {
            uint32_t base = (cp & ~(uint32_t)0x0f) - 0x1f80;
            static const uint32_t capitals[3] = {0x1f08, 0x1f28, 0x1f68};
            out[0] = capitals[base >> 4] + (cp & 7);
            out[1] = 0x0399;
            return 2;
        }
        size_t lo = 0, hi = sizeof special_upper / sizeof special_upper[0];
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (special_upper[mid].cp == cp) {
                int n = 0;
                while (n < 3 && special_upper[mid].to[n] != 0) {
                    out[n] = special_upper[mid].to[n];
                    n++;
                }
                return n;
            }
            if (special_upper[mid].cp < cp)
                lo = mid + 1;
            else
                hi = mid;
        }
        out[0] = (uint32_t)utf8proc_toupper((utf8proc_int32_t)cp);
        return 1;
    }
    if (cp == 0x0130) { /* İ -> i + combining dot above */
        out[0] = 0x0069;
        out[1] = 0x0307;
        return 2;
    }
    out[0] = (uint32_t)utf8proc_tolower((utf8proc_int32_t)cp);
    return 1;
}

void tl_js_put_cp(tl_buf *b, uint32_t cp)
{
    char enc[4];
    if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
        cp = 0xfffd;
    tl_buf_append(b, enc, tl_utf8_encode(cp, enc));
}

static bool is_cased(uint32_t cp)
{
    utf8proc_category_t c = utf8proc_category((utf8proc_int32_t)cp);
    return c == UTF8PROC_CATEGORY_LU || c == UTF8PROC_CATEGORY_LL || c == UTF8PROC_CATEGORY_LT ||
           utf8proc_toupper((utf8proc_int32_t)cp) != (utf8proc_int32_t)cp ||
           utf8proc_tolower((utf8proc_int32_t)cp) != (utf8proc_int32_t)cp;
}

static bool is_case_ignorable(uint32_t cp)
{
    switch (cp) {
    case 0x27:
    case 0x2e:
    case 0x3a:
    case 0xb7:
    case 0x387:
    case 0x5f4:
    case 0x2018:
    case 0x2019:
    case 0x2024:
    case 0x2027:
    case 0xfe13:
    case 0xfe52:
    case 0xfe55:
    case 0xff07:
    case 0xff0e:
    case 0xff1a:
        return true;
    default:
        break;
    }
    utf8proc_category_t c = utf8proc_category((utf8proc_int32_t)cp);
    return c == UTF8PROC_CATEGORY_MN || c == UTF8PROC_CATEGORY_ME || c == UTF8PROC_CATEGORY_CF ||
           c == UTF8PROC_CATEGORY_LM || c == UTF8PROC_CATEGORY_SK;
}

/* Final_Sigma: a capital sigma after a cased letter and not before one
 * (case-ignorable characters in between are skipped) lowercases to ς. */
static bool final_sigma(const char *s, size_t len, size_t at, size_t cplen)
{
    bool before = false;
    size_t i = at;
    while (i > 0) {
        size_t start = i - 1;
        while (start > 0 && ((unsigned char)s[start] & 0xc0) == 0x80)
            start--;
        uint32_t cp;
        tl_js_decode(s + start, i - start, &cp);
        i = start;
        if (is_case_ignorable(cp))
            continue;
        before = is_cased(cp);
        break;
    }
    if (!before)
        return false;
    for (i = at + cplen; i < len;) {
        uint32_t cp;
        i += tl_js_decode(s + i, len - i, &cp);
        if (is_case_ignorable(cp))
            continue;
        return !is_cased(cp);
    }
    return true;
}

static void case_map(const char *s, size_t len, bool upper, tl_buf *out)
{
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            if (upper && c >= 'a' && c <= 'z')
                c -= 32;
            else if (!upper && c >= 'A' && c <= 'Z')
                c += 32;
            tl_buf_putc(out, (char)c);
            i++;
            continue;
        }
        uint32_t cp, mapped[3];
        size_t n = tl_js_decode(s + i, len - i, &cp);
        if (!upper && cp == 0x03a3 && final_sigma(s, len, i, n)) {
            tl_js_put_cp(out, 0x03c2);
        } else {
            int m = tl_js_case_map_cp(cp, upper, mapped);
            for (int k = 0; k < m; k++)
                tl_js_put_cp(out, mapped[k]);
        }
        i += n;
    }
}

void tl_js_to_upper(const char *s, size_t len, tl_buf *out)
{
    case_map(s, len, true, out);
}

void tl_js_to_lower(const char *s, size_t len, tl_buf *out)
{
    case_map(s, len, false, out);
}
