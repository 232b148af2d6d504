/* An HTML table, one row per line, every line ending "\n":
 *   <table>
 *   <thead>
 *   <tr><th>a</th><th>b</th></tr>
 *   </thead>
 *   <tbody>
 *   <tr><td>1</td><td>x</td></tr>
 *   </tbody>
 *   </table>
 * Text is escaped as Python's html.escape does; line breaks become <br>.
 * TABLLM_ENCODE_NO_HEADER leaves out the <thead>. */
#include "table/enc_generic.h"
#include "table/enc_util.h"

static void write_row(tl_buf *out, const tl_view *v, size_t i, bool header)
{
    const char *open = header ? "<th>" : "<td>", *close = header ? "</th>" : "</td>";
    tl_buf_puts(out, "<tr>");
    for (size_t j = 0; j < v->n_cols; j++) {
        const tl_cell *c = header ? tl_view_name(v, j) : tl_view_cell(v, i, j);
        tl_buf_puts(out, open);
        tl_html_write_escaped(out, c->text, c->len, true);
        tl_buf_puts(out, close);
    }
    tl_buf_puts(out, "</tr>\n");
}

tabllm_status tl_encode_html(const tl_view *v, const tabllm_encode_params *p, tl_buf *out)
{
    tabllm_status st = tl_require_verbatim(p, "html");
    if (st != TABLLM_OK)
        return st;
    tl_buf_puts(out, "<table>\n");
    if (!(p->flags & TABLLM_ENCODE_NO_HEADER)) {
        tl_buf_puts(out, "<thead>\n");
        write_row(out, v, 0, true);
        tl_buf_puts(out, "</thead>\n");
    }
    tl_buf_puts(out, "<tbody>\n");
    for (size_t i = 0; i < v->n_rows; i++)
        write_row(out, v, i, false);
    tl_buf_puts(out, "</tbody>\n</table>\n");
    return tl_buf_status(out);
}
