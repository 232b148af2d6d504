/* pandas.read_html's cell-text cleanup, exactly:
 *     re.sub(r"[\r\n]+|\s{2,}", " ", text.strip())
 * with Python's idea of whitespace (str.isspace, which is also what \s
 * matches in a str pattern): the ASCII controls 0x09-0x0D and 0x1C-0x1F, the
 * space, U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F,
 * U+205F and U+3000. Note the order of the alternatives: a run of CR/LF
 * becomes one space even when spaces follow it, so "a\n b" gives "a  b". */
#include "base/utf8.h"
#include "table/html.h"

static bool py_isspace(uint32_t cp)
{
    if (cp < 0x80)
        return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20);
    return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
           cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

/* The code point at s[i] and its length; invalid bytes count as one
 * non-space character (the input was validated, so this does not happen). */
static size_t decode_at(const char *s, size_t len, size_t i, uint32_t *cp)
{
    size_t n = tl_utf8_decode(s + i, len - i, cp);
    if (n == 0) {
        *cp = 0xFFFD;
        n = 1;
    }
    return n;
}

void tl_html_clean_text(tl_buf *out, const char *s, size_t len)
{
    size_t start = 0, end = len;
    uint32_t cp;
    while (start < end) {
        size_t n = decode_at(s, end, start, &cp);
        if (!py_isspace(cp))
            break;
        start += n;
    }
    /* Strip from the right: step back to each code point's first byte. */
    while (end > start) {
        size_t k = end - 1;
        while (k > start && ((unsigned char)s[k] & 0xC0) == 0x80)
            k--;
        decode_at(s, end, k, &cp);
        if (!py_isspace(cp))
            break;
        end = k;
    }
    size_t i = start, copied = start;
    while (i < end) {
        size_t n = decode_at(s, end, i, &cp);
        if (cp == '\r' || cp == '\n') {
            size_t j = i;
            while (j < end && (s[j] == '\r' || s[j] == '\n'))
                j++;
            tl_buf_append(out, s + copied, i - copied);
            tl_buf_putc(out, ' ');
            i = copied = j;
            continue;
        }
        if (py_isspace(cp) && i + n < end) {
            uint32_t next;
            decode_at(s, end, i + n, &next);
            if (py_isspace(next)) {
                size_t j = i;
                while (j < end) {
                    size_t m = decode_at(s, end, j, &next);
                    if (!py_isspace(next))
                        break;
                    j += m;
                }
                tl_buf_append(out, s + copied, i - copied);
                tl_buf_putc(out, ' ');
                i = copied = j;
                continue;
            }
        }
        i += n;
    }
    tl_buf_append(out, s + copied, end - copied);
}
