#include "table/sheet.h"

#include "base/alloc.h"

void tl_sheet_destroy(tl_sheet *s)
{
    if (s == NULL)
        return;
    tl_free(s->cells);
    tl_free(s->formats);
    tl_free(s->merged);
    tl_free(s);
}

size_t tl_sheet_column_name(uint32_t col, char out[8])
{
    char tmp[8];
    size_t n = 0;
    uint64_t c = (uint64_t)col + 1; /* bijective base 26 */
    while (c > 0 && n < 7) {
        c--;
        tmp[n++] = (char)('A' + c % 26);
        c /= 26;
    }
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = '\0';
    return n;
}

size_t tl_sheet_address(uint32_t row, uint32_t col, char out[16])
{
    size_t n = tl_sheet_column_name(col, out);
    uint32_t r = row + 1;
    char digits[12];
    size_t d = 0;
    do {
        digits[d++] = (char)('0' + r % 10);
        r /= 10;
    } while (r > 0);
    while (d > 0)
        out[n++] = digits[--d];
    out[n] = '\0';
    return n;
}

bool tl_sheet_parse_address(const char *s, size_t len, uint32_t *row, uint32_t *col)
{
    size_t i = 0;
    if (i < len && s[i] == '$')
        i++;
    uint64_t c = 0;
    size_t letters = 0;
    while (i < len && letters < 4) {
        char ch = s[i];
        if (ch >= 'a' && ch <= 'z')
            ch = (char)(ch - 'a' + 'A');
        if (ch < 'A' || ch > 'Z')
            break;
        c = c * 26 + (uint64_t)(ch - 'A' + 1);
        i++, letters++;
    }
    if (letters == 0 || c > TL_SHEET_MAX_COLS)
        return false;
    if (i < len && s[i] == '$')
        i++;
    uint64_t r = 0;
    size_t digits = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9' && digits < 8) {
        r = r * 10 + (uint64_t)(s[i] - '0');
        i++, digits++;
    }
    if (digits == 0 || i != len || r == 0 || r > TL_SHEET_MAX_ROWS)
        return false;
    *row = (uint32_t)(r - 1);
    *col = (uint32_t)(c - 1);
    return true;
}

bool tl_sheet_parse_range(const char *s, size_t len, tl_sheet_range *out)
{
    size_t colon = 0;
    while (colon < len && s[colon] != ':')
        colon++;
    uint32_t r0, c0, r1, c1;
    if (!tl_sheet_parse_address(s, colon, &r0, &c0))
        return false;
    if (colon == len) {
        r1 = r0, c1 = c0;
    } else if (!tl_sheet_parse_address(s + colon + 1, len - colon - 1, &r1, &c1)) {
        return false;
    }
    if (r1 < r0 || c1 < c0)
        return false;
    *out = (tl_sheet_range){r0, c0, r1, c1};
    return true;
}

const char *tl_sheet_category_name(tl_sheet_category cat)
{
    static const char *const names[TL_CAT_COUNT_] = {
        "empty",    "text",       "bool", "error", "integer",  "decimal", "percentage",
        "currency", "scientific", "date", "time",  "datetime", "email",
    };
    return (unsigned)cat < TL_CAT_COUNT_ ? names[cat] : "unknown";
}

bool tl_sheet_is_email(const char *s, size_t len)
{
    size_t at = len, dot = len;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= ' ' || c == ',' || c == ';' || c == '<' || c == '>' || c == '(' || c == ')')
            return false;
        if (c == '@') {
            if (at != len)
                return false;
            at = i;
        } else if (c == '.' && at != len) {
            dot = i;
        }
    }
    return at > 0 && at < len && dot > at + 1 && dot + 1 < len;
}
