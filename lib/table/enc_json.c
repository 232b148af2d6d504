/* JSON, on one line, spaced as Python's json.dumps writes it:
 *   records: [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]
 *   split:   {"columns": ["a", "b"], "data": [[1, "x"], [2, "y"]]}
 * (split is pandas' to_json(orient="split", index=False) layout). Cells are
 * typed values: null, true/false, numbers exactly as written when the text
 * is a JSON number, strings otherwise. No newline at the end. */
#include "table/enc_generic.h"
#include "table/enc_util.h"

static void write_records(const tl_view *v, tl_buf *out)
{
    tl_buf_putc(out, '[');
    for (size_t i = 0; i < v->n_rows; i++) {
        tl_buf_puts(out, i ? ", {" : "{");
        for (size_t j = 0; j < v->n_cols; j++) {
            if (j)
                tl_buf_puts(out, ", ");
            const tl_cell *name = tl_view_name(v, j);
            tl_json_write_string(out, name->text, name->len);
            tl_buf_puts(out, ": ");
            tl_json_write_cell(out, tl_view_cell(v, i, j));
        }
        tl_buf_putc(out, '}');
    }
    tl_buf_putc(out, ']');
}

static void write_split(const tl_view *v, tl_buf *out)
{
    tl_buf_puts(out, "{\"columns\": [");
    for (size_t j = 0; j < v->n_cols; j++) {
        if (j)
            tl_buf_puts(out, ", ");
        const tl_cell *name = tl_view_name(v, j);
        tl_json_write_string(out, name->text, name->len);
    }
    tl_buf_puts(out, "], \"data\": [");
    for (size_t i = 0; i < v->n_rows; i++) {
        tl_buf_puts(out, i ? ", [" : "[");
        for (size_t j = 0; j < v->n_cols; j++) {
            if (j)
                tl_buf_puts(out, ", ");
            tl_json_write_cell(out, tl_view_cell(v, i, j));
        }
        tl_buf_putc(out, ']');
    }
    tl_buf_puts(out, "]}");
}

tabllm_status tl_encode_json(const tl_view *v, const tabllm_encode_params *p, tl_buf *out)
{
    tabllm_status st = tl_require_verbatim(p, "json");
    if (st != TABLLM_OK)
        return st;
    if (p->json_orient == TABLLM_JSON_SPLIT)
        write_split(v, out);
    else
        write_records(v, out);
    return tl_buf_status(out);
}
