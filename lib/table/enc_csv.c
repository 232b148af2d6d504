/* CSV and TSV: one record per line, each ending "\n", fields quoted as
 * Python's csv.writer quotes them (QUOTE_MINIMAL); that is what
 * pandas.DataFrame.to_csv(index=False) writes. The header comes first unless
 * TABLLM_ENCODE_NO_HEADER is set. */
#include "table/enc_generic.h"
#include "table/enc_util.h"

static tabllm_status encode_delimited(const tl_view *v, const tabllm_encode_params *p,
                                      tl_buf *out, char delim, const char *name)
{
    tabllm_status st = tl_require_verbatim(p, name);
    if (st != TABLLM_OK)
        return st;
    bool only = v->n_cols == 1;
    if (!(p->flags & TABLLM_ENCODE_NO_HEADER) && v->n_cols > 0) {
        for (size_t j = 0; j < v->n_cols; j++) {
            if (j)
                tl_buf_putc(out, delim);
            const tl_cell *name_cell = tl_view_name(v, j);
            tl_csv_write_field(out, name_cell->text, name_cell->len, delim, only);
        }
        tl_buf_putc(out, '\n');
    }
    for (size_t i = 0; i < v->n_rows; i++) {
        for (size_t j = 0; j < v->n_cols; j++) {
            if (j)
                tl_buf_putc(out, delim);
            const tl_cell *c = tl_view_cell(v, i, j);
            tl_csv_write_field(out, c->text, c->len, delim, only);
        }
        tl_buf_putc(out, '\n');
    }
    return tl_buf_status(out);
}

tabllm_status tl_encode_csv(const tl_view *v, const tabllm_encode_params *p, tl_buf *out)
{
    return encode_delimited(v, p, out, ',', "csv");
}

tabllm_status tl_encode_tsv(const tl_view *v, const tabllm_encode_params *p, tl_buf *out)
{
    return encode_delimited(v, p, out, '\t', "tsv");
}
