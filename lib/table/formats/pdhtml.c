#include "table/formats/pdhtml.h"

#include <string.h>

#include "table/formats/frame.h"
#include "table/formats/pystr.h"

void tl_pd_escape_tabs(tl_buf *b, const char *s, size_t len)
{
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        const char *esc = s[i] == '\t' ? "\\t" : s[i] == '\r' ? "\\r" : s[i] == '\n' ? "\\n" : NULL;
        if (esc == NULL)
            continue;
        tl_buf_append(b, s + start, i - start);
        tl_buf_append(b, esc, 2);
        start = i + 1;
    }
    tl_buf_append(b, s + start, len - start);
}

/* HTMLFormatter._write_cell: pprint_thing with the &, <, > escapes, then
 * str.strip(). */
static void write_cell(tl_buf *b, const char *tag, const char *s, size_t len)
{
    tl_py_strip(&s, &len);
    tl_buf_printf(b, "      <%s>", tag);
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        const char *esc = s[i] == '&' ? "&amp;" : s[i] == '<' ? "&lt;" : s[i] == '>' ? "&gt;" : NULL;
        if (esc == NULL)
            continue;
        tl_buf_append(b, s + start, i - start);
        tl_buf_puts(b, esc);
        start = i + 1;
    }
    tl_buf_append(b, s + start, len - start);
    tl_buf_printf(b, "</%s>\n", tag);
}

void tl_pdhtml_open(tl_buf *b, const char *const *names, const size_t *lens, size_t n,
                    bool header)
{
    tl_buf_puts(b, "<table border=\"1\" class=\"dataframe\">\n");
    if (header) {
        tl_buf_puts(b, "  <thead>\n    <tr style=\"text-align: right;\">\n      <th></th>\n");
        for (size_t i = 0; i < n; i++)
            write_cell(b, "th", names[i], lens[i]);
        tl_buf_puts(b, "    </tr>\n  </thead>\n");
    }
    tl_buf_puts(b, "  <tbody>\n");
}

void tl_pdhtml_begin(tl_buf *b, const char *name)
{
    size_t len = strlen(name);
    tl_pdhtml_open(b, &name, &len, 1, true);
}

void tl_pdhtml_row(tl_buf *b, const char *label, size_t label_len, const tl_pyval *cells,
                   size_t n)
{
    tl_buf_puts(b, "    <tr>\n");
    write_cell(b, "th", label, label_len);
    tl_buf text = TL_BUF_INIT, esc = TL_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        tl_buf_truncate(&text, 0);
        tl_buf_truncate(&esc, 0);
        tl_pyval_str(&text, &cells[i]);
        tl_pd_escape_tabs(&esc, text.data ? text.data : "", text.len);
        write_cell(b, "td", esc.data ? esc.data : "", esc.len);
    }
    if (b->status == TABLLM_OK && tl_buf_status(&text) != TABLLM_OK)
        b->status = tl_buf_status(&text);
    if (b->status == TABLLM_OK && tl_buf_status(&esc) != TABLLM_OK)
        b->status = tl_buf_status(&esc);
    tl_buf_free(&text);
    tl_buf_free(&esc);
    tl_buf_puts(b, "    </tr>\n");
}

void tl_pdhtml_row_text(tl_buf *b, const char *label, const char *s, size_t len)
{
    tl_pyval v = tl_pyval_text(s, len);
    tl_pdhtml_row(b, label, strlen(label), &v, 1);
}

void tl_pdhtml_row_raw(tl_buf *b, const char *label, const char *s, size_t len)
{
    tl_buf_puts(b, "    <tr>\n");
    write_cell(b, "th", label, strlen(label));
    write_cell(b, "td", s, len);
    tl_buf_puts(b, "    </tr>\n");
}

void tl_pdhtml_end(tl_buf *b)
{
    tl_buf_puts(b, "  </tbody>\n</table>");
}

void tl_pdhtml_strip_whitespace(tl_buf *b, const char *html, size_t len)
{
    size_t i = 0, start = 0;
    while (i < len) {
        if (html[i] != '>') {
            i++;
            continue;
        }
        size_t j = i + 1;
        while (j < len) {
            uint32_t cp;
            size_t k = tl_py_next(html + j, len - j, &cp);
            if (!tl_py_isspace(cp))
                break;
            j += k;
        }
        if (j > i + 1 && j < len && html[j] == '<') {
            tl_buf_append(b, html + start, i + 1 - start);
            tl_buf_putc(b, '<');
            i = j + 1;
            start = i;
        } else {
            i++;
        }
    }
    tl_buf_append(b, html + start, len - start);
}
