#include "table/formats/pystr.h"

#include <string.h>

#include <utf8proc.h>

#include "base/utf8.h"

size_t tl_py_next(const char *s, size_t len, uint32_t *cp)
{
    size_t n = tl_utf8_decode(s, len, cp);
    if (n == 0) {
        *cp = TL_PY_BADBYTE | (unsigned char)s[0];
        return 1;
    }
    return n;
}

bool tl_py_isspace(uint32_t cp)
{
    /* CPython's whitespace: bidirectional class WS, B or S, or category Zs. */
    if (cp <= 0x20)
        return cp == 0x20 || (cp >= 0x09 && cp <= 0x0d) || (cp >= 0x1c && cp <= 0x1f);
    switch (cp) {
    case 0x85: case 0xa0: case 0x1680: case 0x2028: case 0x2029: case 0x202f: case 0x205f:
    case 0x3000:
        return true;
    default:
        return cp >= 0x2000 && cp <= 0x200a;
    }
}

static utf8proc_category_t category(uint32_t cp)
{
    if (cp & TL_PY_BADBYTE)
        return UTF8PROC_CATEGORY_CN;
    return utf8proc_category((utf8proc_int32_t)cp);
}

bool tl_py_isprintable(uint32_t cp)
{
    if (cp == ' ')
        return true;
    switch (category(cp)) {
    case UTF8PROC_CATEGORY_CC: case UTF8PROC_CATEGORY_CF: case UTF8PROC_CATEGORY_CS:
    case UTF8PROC_CATEGORY_CO: case UTF8PROC_CATEGORY_CN: case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP: case UTF8PROC_CATEGORY_ZS:
        return false;
    default:
        return true;
    }
}

/* Length in bytes of the character that ends at s[end-1]. */
static size_t prev_len(const char *s, size_t end)
{
    size_t start = end - 1;
    size_t lo = end >= 4 ? end - 4 : 0;
    while (start > lo && ((unsigned char)s[start] & 0xc0) == 0x80)
        start--;
    uint32_t cp;
    if (tl_utf8_decode(s + start, end - start, &cp) == end - start)
        return end - start;
    return 1;
}

void tl_py_lstrip(const char **s, size_t *len)
{
    const char *p = *s;
    size_t n = *len;
    while (n > 0) {
        uint32_t cp;
        size_t k = tl_py_next(p, n, &cp);
        if (!tl_py_isspace(cp))
            break;
        p += k;
        n -= k;
    }
    *s = p;
    *len = n;
}

void tl_py_rstrip(const char **s, size_t *len)
{
    size_t n = *len;
    while (n > 0) {
        size_t k = prev_len(*s, n);
        uint32_t cp;
        tl_py_next(*s + n - k, k, &cp);
        if (!tl_py_isspace(cp))
            break;
        n -= k;
    }
    *len = n;
}

void tl_py_strip(const char **s, size_t *len)
{
    tl_py_lstrip(s, len);
    tl_py_rstrip(s, len);
}

size_t tl_py_len(const char *s, size_t len)
{
    size_t count = 0;
    for (size_t i = 0; i < len; count++) {
        uint32_t cp;
        i += tl_py_next(s + i, len - i, &cp);
    }
    return count;
}

static const char hexdigits[] = "0123456789abcdef";

void tl_py_repr_str(tl_buf *b, const char *s, size_t len)
{
    /* unicode_repr: single quotes unless the text has ' and no ". */
    bool has_single = memchr(s, '\'', len) != NULL;
    bool has_double = memchr(s, '"', len) != NULL;
    char quote = has_single && !has_double ? '"' : '\'';
    tl_buf_putc(b, quote);
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t k = tl_py_next(s + i, len - i, &cp);
        char esc[12];
        if (cp & TL_PY_BADBYTE) {
            cp &= 0xff;
            esc[0] = '\\', esc[1] = 'x', esc[2] = hexdigits[cp >> 4], esc[3] = hexdigits[cp & 15];
            tl_buf_append(b, esc, 4);
        } else if (cp == (uint32_t)quote || cp == '\\') {
            esc[0] = '\\', esc[1] = (char)cp;
            tl_buf_append(b, esc, 2);
        } else if (cp == '\t') {
            tl_buf_append(b, "\\t", 2);
        } else if (cp == '\n') {
            tl_buf_append(b, "\\n", 2);
        } else if (cp == '\r') {
            tl_buf_append(b, "\\r", 2);
        } else if (cp < ' ' || cp == 0x7f) {
            esc[0] = '\\', esc[1] = 'x', esc[2] = hexdigits[cp >> 4], esc[3] = hexdigits[cp & 15];
            tl_buf_append(b, esc, 4);
        } else if (cp < 0x7f || tl_py_isprintable(cp)) {
            tl_buf_append(b, s + i, k);
        } else if (cp <= 0xff) {
            esc[0] = '\\', esc[1] = 'x', esc[2] = hexdigits[cp >> 4], esc[3] = hexdigits[cp & 15];
            tl_buf_append(b, esc, 4);
        } else if (cp <= 0xffff) {
            esc[0] = '\\', esc[1] = 'u';
            for (int d = 0; d < 4; d++)
                esc[2 + d] = hexdigits[(cp >> (12 - 4 * d)) & 15];
            tl_buf_append(b, esc, 6);
        } else {
            esc[0] = '\\', esc[1] = 'U';
            for (int d = 0; d < 8; d++)
                esc[2 + d] = hexdigits[(cp >> (28 - 4 * d)) & 15];
            tl_buf_append(b, esc, 10);
        }
        i += k;
    }
    tl_buf_putc(b, quote);
}

static void json_u(tl_buf *b, uint32_t unit)
{
    char esc[6] = {'\\', 'u'};
    for (int d = 0; d < 4; d++)
        esc[2 + d] = hexdigits[(unit >> (12 - 4 * d)) & 15];
    tl_buf_append(b, esc, 6);
}

void tl_py_json_str(tl_buf *b, const char *s, size_t len)
{
    tl_buf_putc(b, '"');
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t k = tl_py_next(s + i, len - i, &cp);
        if (cp & TL_PY_BADBYTE) {
            /* Python would hold this byte as a lone surrogate (surrogateescape). */
            json_u(b, 0xdc00 | (cp & 0xff));
        } else if (cp == '"') {
            tl_buf_append(b, "\\\"", 2);
        } else if (cp == '\\') {
            tl_buf_append(b, "\\\\", 2);
        } else if (cp == '\n') {
            tl_buf_append(b, "\\n", 2);
        } else if (cp == '\r') {
            tl_buf_append(b, "\\r", 2);
        } else if (cp == '\t') {
            tl_buf_append(b, "\\t", 2);
        } else if (cp == '\b') {
            tl_buf_append(b, "\\b", 2);
        } else if (cp == '\f') {
            tl_buf_append(b, "\\f", 2);
        } else if (cp >= ' ' && cp < 0x7f) {
            tl_buf_putc(b, (char)cp);
        } else if (cp < 0x10000) {
            json_u(b, cp);
        } else {
            uint32_t v = cp - 0x10000;
            json_u(b, 0xd800 | (v >> 10));
            json_u(b, 0xdc00 | (v & 0x3ff));
        }
        i += k;
    }
    tl_buf_putc(b, '"');
}

/* The Unicode properties of the final-sigma rule (Cased, Case_Ignorable),
 * built from the general category and the simple case mappings utf8proc
 * has. Exact for letters; the rare Other_Lowercase symbols are covered by
 * their case mappings where they have one. */
static bool is_case_ignorable(uint32_t cp)
{
    switch (cp) {
    case 0x27: case 0x2e: case 0x3a: case 0x5e: case 0x60: case 0xa8: case 0xad: case 0xaf:
    case 0xb4: case 0xb7: case 0xb8: case 0x387: case 0x55f: case 0x5f4: case 0x2018:
    case 0x2019: case 0x2024: case 0x2027: case 0xfe13: case 0xfe52: case 0xfe55: case 0xff07:
    case 0xff0e: case 0xff1a:
        return true;
    default:
        break;
    }
    switch (category(cp)) {
    case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_ME: case UTF8PROC_CATEGORY_CF:
    case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_SK:
        return true;
    default:
        return false;
    }
}

static bool is_cased(uint32_t cp)
{
    if (cp & TL_PY_BADBYTE)
        return false;
    switch (category(cp)) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
        return true;
    default:
        return utf8proc_tolower((utf8proc_int32_t)cp) != (utf8proc_int32_t)cp ||
               utf8proc_toupper((utf8proc_int32_t)cp) != (utf8proc_int32_t)cp;
    }
}

static void put_cp(tl_buf *b, uint32_t cp)
{
    char out[4];
    tl_buf_append(b, out, tl_utf8_encode(cp, out));
}

void tl_py_lower(tl_buf *b, const char *s, size_t len)
{
    /* Whether the last character that was not case-ignorable was cased
     * (the look-behind half of Final_Sigma). */
    bool after_cased = false;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t k = tl_py_next(s + i, len - i, &cp);
        if (cp & TL_PY_BADBYTE) {
            tl_buf_append(b, s + i, 1);
        } else if (cp < 0x80) {
            tl_buf_putc(b, (char)(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp));
        } else if (cp == 0x130) {
            put_cp(b, 'i');
            put_cp(b, 0x307);
        } else if (cp == 0x3a3) {
            bool final = after_cased;
            if (final) {
                size_t j = i + k;
                uint32_t next = 0;
                bool found = false;
                while (j < len) {
                    j += tl_py_next(s + j, len - j, &next);
                    if (!is_case_ignorable(next)) {
                        found = true;
                        break;
                    }
                }
                final = !found || !is_cased(next);
            }
            put_cp(b, final ? 0x3c2 : 0x3c3);
        } else {
            put_cp(b, (uint32_t)utf8proc_tolower((utf8proc_int32_t)cp));
        }
        if (!is_case_ignorable(cp))
            after_cased = is_cased(cp);
        i += k;
    }
}

bool tl_py_is_linebreak(uint32_t cp)
{
    switch (cp) {
    case 0x0a: case 0x0b: case 0x0c: case 0x0d: case 0x1c: case 0x1d: case 0x1e: case 0x85:
    case 0x2028: case 0x2029:
        return true;
    default:
        return false;
    }
}

void tl_py_replace(tl_buf *b, const char *s, size_t len, const char *from, const char *to)
{
    size_t flen = strlen(from);
    size_t tlen = strlen(to);
    size_t i = 0;
    while (i < len) {
        if (flen > 0 && len - i >= flen && memcmp(s + i, from, flen) == 0) {
            tl_buf_append(b, to, tlen);
            i += flen;
        } else {
            tl_buf_putc(b, s[i]);
            i++;
        }
    }
}

void tl_py_pad(tl_buf *b, const char *s, size_t len, size_t width, char align)
{
    size_t n = tl_py_len(s, len);
    size_t fill = n < width ? width - n : 0;
    size_t left = align == '>' ? fill : align == '^' ? fill / 2 : 0;
    for (size_t i = 0; i < left; i++)
        tl_buf_putc(b, ' ');
    tl_buf_append(b, s, len);
    for (size_t i = left; i < fill; i++)
        tl_buf_putc(b, ' ');
}
