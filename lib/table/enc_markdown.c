/* GitHub-flavoured Markdown pipe table:
 *   | a | b |
 *   | --- | --- |
 *   | 1 | x |
 * A '|' in a cell is written "\|" and a line break (LF, CR LF, CR) "<br>",
 * so every row stays on one line. Every line ends with "\n". GitHub needs
 * the header row, so TABLLM_ENCODE_NO_HEADER does not apply. */
#include "table/enc_generic.h"
#include "table/enc_util.h"

static void write_cell(tl_buf *out, const char *s, size_t len)
{
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        const char *rep;
        if (s[i] == '|')
            rep = "\\|";
        else if (s[i] == '\n' || s[i] == '\r')
            rep = "<br>";
        else
            continue;
        tl_buf_append(out, s + start, i - start);
        tl_buf_puts(out, rep);
        if (s[i] == '\r' && i + 1 < len && s[i + 1] == '\n')
            i++;
        start = i + 1;
    }
    tl_buf_append(out, s + start, len - start);
}

tabllm_status tl_encode_markdown(const tl_view *v, const tabllm_encode_params *p, tl_buf *out)
{
    tabllm_status st = tl_require_verbatim(p, "markdown");
    if (st != TABLLM_OK)
        return st;
    if (v->n_cols == 0)
        return tl_buf_status(out);
    tl_buf_putc(out, '|');
    for (size_t j = 0; j < v->n_cols; j++) {
        const tl_cell *name = tl_view_name(v, j);
        tl_buf_putc(out, ' ');
        write_cell(out, name->text, name->len);
        tl_buf_puts(out, " |");
    }
    tl_buf_puts(out, "\n|");
    for (size_t j = 0; j < v->n_cols; j++)
        tl_buf_puts(out, " --- |");
    tl_buf_putc(out, '\n');
    for (size_t i = 0; i < v->n_rows; i++) {
        tl_buf_putc(out, '|');
        for (size_t j = 0; j < v->n_cols; j++) {
            const tl_cell *c = tl_view_cell(v, i, j);
            tl_buf_putc(out, ' ');
            write_cell(out, c->text, c->len);
            tl_buf_puts(out, " |");
        }
        tl_buf_putc(out, '\n');
    }
    return tl_buf_status(out);
}
