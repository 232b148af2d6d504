#include "table/enc_util.h"

#include <string.h>

void tl_csv_write_field(tl_buf *out, const char *s, size_t len, char delim, bool only_field)
{
    bool quote = only_field && len == 0;
    for (size_t i = 0; i < len && !quote; i++)
        quote = s[i] == delim || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
    if (!quote) {
        tl_buf_append(out, s, len);
        return;
    }
    tl_buf_putc(out, '"');
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"') {
            tl_buf_append(out, s + start, i + 1 - start);
            tl_buf_putc(out, '"');
            start = i + 1;
        }
    }
    tl_buf_append(out, s + start, len - start);
    tl_buf_putc(out, '"');
}

void tl_json_write_string(tl_buf *out, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    tl_buf_putc(out, '"');
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        tl_buf_append(out, s + start, i - start);
        start = i + 1;
        switch (c) {
        case '"': tl_buf_append(out, "\\\"", 2); break;
        case '\\': tl_buf_append(out, "\\\\", 2); break;
        case '\n': tl_buf_append(out, "\\n", 2); break;
        case '\r': tl_buf_append(out, "\\r", 2); break;
        case '\t': tl_buf_append(out, "\\t", 2); break;
        case '\b': tl_buf_append(out, "\\b", 2); break;
        case '\f': tl_buf_append(out, "\\f", 2); break;
        default: {
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            tl_buf_append(out, esc, 6);
        }
        }
    }
    tl_buf_append(out, s + start, len - start);
    tl_buf_putc(out, '"');
}

static size_t skip_digits(const char *s, size_t len, size_t i)
{
    while (i < len && s[i] >= '0' && s[i] <= '9')
        i++;
    return i;
}

bool tl_is_json_number(const char *s, size_t len)
{
    size_t i = 0;
    if (i < len && s[i] == '-')
        i++;
    if (i >= len)
        return false;
    if (s[i] == '0')
        i++;
    else if (s[i] >= '1' && s[i] <= '9')
        i = skip_digits(s, len, i);
    else
        return false;
    if (i < len && s[i] == '.') {
        size_t start = ++i;
        i = skip_digits(s, len, i);
        if (i == start)
            return false;
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t start = i;
        i = skip_digits(s, len, i);
        if (i == start)
            return false;
    }
    return i == len;
}

void tl_json_write_cell(tl_buf *out, const tl_cell *cell)
{
    switch (cell->type) {
    case TL_CELL_NULL:
        tl_buf_append(out, "null", 4);
        return;
    case TL_CELL_BOOL:
        tl_buf_puts(out, cell->value.b ? "true" : "false");
        return;
    case TL_CELL_INT:
    case TL_CELL_FLOAT:
        if (tl_is_json_number(cell->text, cell->len)) {
            tl_buf_append(out, cell->text, cell->len);
            return;
        }
        break;
    case TL_CELL_TEXT:
        break;
    }
    tl_json_write_string(out, cell->text, cell->len);
}

void tl_html_write_escaped(tl_buf *out, const char *s, size_t len, bool breaks)
{
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        const char *rep;
        switch (s[i]) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#x27;"; break;
        case '\r':
        case '\n':
            if (!breaks)
                continue;
            rep = "<br>";
            break;
        default: continue;
        }
        tl_buf_append(out, s + start, i - start);
        tl_buf_puts(out, rep);
        if (s[i] == '\r' && i + 1 < len && s[i + 1] == '\n')
            i++;
        start = i + 1;
    }
    tl_buf_append(out, s + start, len - start);
}

tabllm_status tl_require_verbatim(const tabllm_encode_params *p, const char *encoding)
{
    if (p->cells == TABLLM_CELLS_PANDAS)
        return tl_error(TABLLM_ERR_UNSUPPORTED,
                        "%s: the pandas cell rendering is for the paper encodings; this encoding "
                        "prints cells as written",
                        encoding);
    return TABLLM_OK;
}
