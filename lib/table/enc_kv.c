/* Key-value lines: "column: value" for each column of a row, a blank line
 * between rows; every line ends with "\n". Values are written as they are. */
#include "table/enc_generic.h"
#include "table/enc_util.h"

tabllm_status tl_encode_key_value(const tl_view *v, const tabllm_encode_params *p, tl_buf *out)
{
    tabllm_status st = tl_require_verbatim(p, "kv");
    if (st != TABLLM_OK)
        return st;
    for (size_t i = 0; i < v->n_rows; i++) {
        if (i)
            tl_buf_putc(out, '\n');
        for (size_t j = 0; j < v->n_cols; j++) {
            const tl_cell *name = tl_view_name(v, j), *c = tl_view_cell(v, i, j);
            tl_buf_append(out, name->text, name->len);
            tl_buf_puts(out, ": ");
            tl_buf_append(out, c->text, c->len);
            tl_buf_putc(out, '\n');
        }
    }
    return tl_buf_status(out);
}
