/* CABINET (Sohanpatnaik106/CABINET_QA): data/wikitq.py
 * WikiTQDataset._process_one_sample. Plain (special_table_tok=False):
 * "[HEADER] h1 | h2 [ROW] 0: v1 | v2 [ROW] 1: ...". TAPEX
 * (special_table_tok=True): names and cells lower-cased into a DataFrame
 * (a dict, so equal lower-cased names merge), then the TAPEX tokenizer's
 * IndexedRowTableLinearize, "col : h1 | h2 row 1 : v1 | v2 ...", after the
 * question, all lower-cased. */
#include <string.h>

#include "base/alloc.h"
#include "table/formats/formats.h"
#include "table/formats/frame.h"
#include "table/formats/pystr.h"

static tabllm_status cabinet_plain(const tl_frame *f, tl_buf *out)
{
    tl_buf_puts(out, "[HEADER] ");
    for (size_t c = 0; c < f->n_cols; c++) {
        if (c > 0)
            tl_buf_puts(out, " | ");
        tl_buf_append(out, f->names[c], f->name_lens[c]);
    }
    for (size_t r = 0; r < f->n_rows; r++) {
        tl_buf_printf(out, " [ROW] %zu: ", r);
        for (size_t c = 0; c < f->n_cols; c++) {
            if (c > 0)
                tl_buf_puts(out, " | ");
            tl_pyval_str(out, tl_frame_cell(f, r, c));
        }
    }
    return tl_buf_status(out);
}

static tabllm_status cabinet_tapex(const tl_frame *f, const char *question, tl_buf *out)
{
    /* {str(col).lower(): [...] for col in header}: lower-cased names that
     * collide keep the first position and the last column's values. */
    tl_buf names = TL_BUF_INIT, tmp = TL_BUF_INIT, linear = TL_BUF_INIT, joint = TL_BUF_INIT;
    size_t *name_start = NULL, *name_end = NULL, *source = NULL;
    size_t n = 0;
    tabllm_status st = tl_alloc_array((void **)&name_start, f->n_cols + 1, sizeof(size_t),
                                      "column names");
    if (st == TABLLM_OK)
        st = tl_alloc_array((void **)&name_end, f->n_cols + 1, sizeof(size_t), "column names");
    if (st == TABLLM_OK)
        st = tl_alloc_array((void **)&source, f->n_cols + 1, sizeof(size_t), "column names");
    for (size_t c = 0; st == TABLLM_OK && c < f->n_cols; c++) {
        size_t start = names.len;
        tl_py_lower(&names, f->names[c], f->name_lens[c]);
        if ((st = tl_buf_status(&names)) != TABLLM_OK)
            break;
        size_t len = names.len - start;
        bool merged = false;
        for (size_t i = 0; i < n && !merged; i++)
            if (name_end[i] - name_start[i] == len &&
                memcmp(names.data + name_start[i], names.data + start, len) == 0) {
                source[i] = c;
                merged = true;
            }
        if (merged) {
            tl_buf_truncate(&names, start);
            continue;
        }
        name_start[n] = start;
        name_end[n] = names.len;
        source[n++] = c;
    }
    /* prepare_table_query: an empty DataFrame (no rows or no columns)
     * linearizes to "". */
    if (st == TABLLM_OK && f->n_rows > 0 && n > 0) {
        tl_buf_puts(&linear, "col : ");
        for (size_t i = 0; i < n; i++) {
            if (i > 0)
                tl_buf_puts(&linear, " | ");
            tl_buf_append(&linear, names.data + name_start[i], name_end[i] - name_start[i]);
        }
        tl_buf_putc(&linear, ' ');
        for (size_t r = 0; r < f->n_rows; r++) {
            tl_buf_printf(&linear, "row %zu : ", r + 1);
            for (size_t i = 0; i < n; i++) {
                if (i > 0)
                    tl_buf_puts(&linear, " | ");
                tl_buf_truncate(&tmp, 0);
                tl_pyval_str(&tmp, tl_frame_cell(f, r, source[i]));
                tl_py_lower(&linear, tmp.data ? tmp.data : "", tmp.len);
            }
            tl_buf_putc(&linear, ' ');
        }
        if ((st = tl_buf_status(&tmp)) == TABLLM_OK)
            st = tl_buf_status(&linear);
    }
    if (st == TABLLM_OK) {
        const char *lin = linear.data ? linear.data : "";
        size_t lin_len = linear.len;
        tl_py_strip(&lin, &lin_len);
        size_t q_len = question ? strlen(question) : 0;
        if (q_len > 0)
            tl_buf_append(&joint, question, q_len);
        if (q_len > 0 && lin_len > 0)
            tl_buf_putc(&joint, ' ');
        tl_buf_append(&joint, lin, lin_len);
        if ((st = tl_buf_status(&joint)) == TABLLM_OK)
            tl_py_lower(out, joint.data ? joint.data : "", joint.len);
        if (st == TABLLM_OK)
            st = tl_buf_status(out);
    }
    tl_free(name_start);
    tl_free(name_end);
    tl_free(source);
    tl_buf_free(&names);
    tl_buf_free(&tmp);
    tl_buf_free(&linear);
    tl_buf_free(&joint);
    return st;
}

static tabllm_status cabinet(const tl_view *view, const tabllm_encode_params *params, tl_buf *out,
                             bool tapex)
{
    bool pandas;
    tabllm_status st = tl_cells_pandas(params, false, &pandas);
    if (st != TABLLM_OK)
        return st;
    tl_frame f;
    if ((st = tl_frame_build(view, pandas, -1, &f)) != TABLLM_OK)
        return st;
    st = tapex ? cabinet_tapex(&f, params->question, out) : cabinet_plain(&f, out);
    tl_frame_free(&f);
    return st;
}

tabllm_status tl_encode_cabinet(const tl_view *view, const tabllm_encode_params *params,
                                tl_buf *out)
{
    return cabinet(view, params, out, false);
}

tabllm_status tl_encode_cabinet_tapex(const tl_view *view, const tabllm_encode_params *params,
                                      tl_buf *out)
{
    return cabinet(view, params, out, true);
}
