/* Shared strings (xl/sharedStrings.xml) and rich text. */
#include <string.h>

#include "base/alloc.h"
#include "base/utf8.h"
#include "table/xlsx/workbook.h"
#include "table/xlsx/xml.h"

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int escape_at(const char *s, size_t len, size_t i)
{
    if (i + 7 > len || s[i] != '_' || s[i + 1] != 'x' || s[i + 6] != '_')
        return -1;
    int v = 0;
    for (size_t k = i + 2; k < i + 6; k++) {
        int h = hexval(s[k]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

/* ST_Xstring: characters XML cannot carry are written _xHHHH_ (UTF-16
 * units), and a literal "_x" is protected as _x005F_x. Decoding never
 * lengthens the text, so it works in place. */
static void decode_escapes(tl_buf *b)
{
    if (b->len == 0 || memchr(b->data, '_', b->len) == NULL)
        return;
    char *s = b->data;
    size_t len = b->len, w = 0;
    for (size_t i = 0; i < len;) {
        int v = escape_at(s, len, i);
        if (v < 0) {
            s[w++] = s[i++];
            continue;
        }
        uint32_t cp = (uint32_t)v;
        size_t used = 7;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            int lo = escape_at(s, len, i + 7);
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
                used = 14;
            } else {
                s[w++] = s[i++]; /* a lone surrogate stays as written */
                continue;
            }
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            s[w++] = s[i++];
            continue;
        }
        char enc[4];
        size_t n = tl_utf8_encode(cp, enc);
        memcpy(s + w, enc, n);
        w += n;
        i += used;
    }
    tl_buf_truncate(b, w);
}

tabllm_status xl_read_rich_text(tl_xml *x, size_t max_bytes, tl_buf *out)
{
    tl_buf_truncate(out, 0);
    if (tl_xml_is_empty(x))
        return TABLLM_OK;
    int depth = tl_xml_depth(x);
    int t_depth = -1;
    int rc;
    while ((rc = tl_xml_next(x)) == 1) {
        int type = tl_xml_type(x);
        if (type == TL_XML_END_ELEMENT) {
            if (tl_xml_depth(x) == depth)
                break;
            if (tl_xml_depth(x) == t_depth)
                t_depth = -1;
        } else if (type == TL_XML_ELEMENT) {
            const char *name = tl_xml_local_name(x);
            if (strcmp(name, "rPh") == 0 || strcmp(name, "phoneticPr") == 0) {
                if (tl_xml_skip(x) < 0)
                    return x->status;
            } else if (strcmp(name, "t") == 0 && !tl_xml_is_empty(x)) {
                t_depth = tl_xml_depth(x);
            }
        } else if (t_depth >= 0 && (type == TL_XML_TEXT || type == TL_XML_CDATA ||
                                    type == TL_XML_WHITESPACE ||
                                    type == TL_XML_SIGNIFICANT_WHITESPACE)) {
            tl_buf_puts(out, tl_xml_value(x));
            if (out->len > max_bytes)
                return tl_xml_fail(x, TABLLM_ERR_LIMIT_EXCEEDED,
                                   "a string is longer than the %zu bytes allowed", max_bytes);
        }
    }
    if (rc < 0)
        return x->status;
    if (rc == 0)
        return tl_xml_fail(x, TABLLM_ERR_FORMAT, "the document ends inside a string");
    if (tl_buf_status(out) != TABLLM_OK)
        return tl_buf_status(out);
    decode_escapes(out);
    return TABLLM_OK;
}

tabllm_status xl_strings_read(xl_workbook *wb, size_t max_field_bytes, xl_strings *out)
{
    memset(out, 0, sizeof *out);
    if (wb->strings_part == NULL)
        return TABLLM_OK;
    tl_xml x;
    tabllm_status st = tl_xml_open(&x, wb->zip, wb->strings_part, &wb->limits);
    if (st != TABLLM_OK)
        return st;
    tl_buf text = TL_BUF_INIT;
    size_t cap = 0, cap2 = 0;
    int rc;
    while ((rc = tl_xml_next(&x)) == 1) {
        if (!tl_xml_is(&x, "si"))
            continue;
        if ((st = xl_read_rich_text(&x, max_field_bytes, &text)) != TABLLM_OK)
            break;
        if ((st = tl_grow_array((void **)&out->text, &cap, out->n + 1, sizeof *out->text,
                                "shared strings")) != TABLLM_OK ||
            (st = tl_grow_array((void **)&out->len, &cap2, out->n + 1, sizeof *out->len,
                                "shared strings")) != TABLLM_OK)
            break;
        const char *copy = tl_arena_strndup(&wb->arena, text.data ? text.data : "", text.len);
        if (copy == NULL) {
            st = TABLLM_ERR_OUT_OF_MEMORY;
            break;
        }
        out->text[out->n] = copy;
        out->len[out->n] = (uint32_t)text.len;
        out->n++;
    }
    if (st == TABLLM_OK && rc < 0)
        st = x.status;
    tl_buf_free(&text);
    tl_xml_close(&x);
    if (st != TABLLM_OK)
        xl_strings_free(out);
    return st;
}

void xl_strings_free(xl_strings *s)
{
    tl_free(s->text);
    tl_free(s->len);
    memset(s, 0, sizeof *s);
}
