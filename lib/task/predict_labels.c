/* Target values as the prompts print them, the label set, the truth of each
 * row, and a copy of a table with an empty target column for tables that do
 * not have one (the encoders name the target in the prompt). */
#include <string.h>

#include "base/alloc.h"
#include "table/formats/frame.h"
#include "task/predict_int.h"

void tl_target_init(tl_target *tc, const tabllm_table *t, size_t col, bool pandas)
{
    tc->t = t;
    tc->col = col;
    tc->pandas = pandas;
    if (pandas)
        tc->info = tl_pd_infer_column(t, col);
}

bool tl_target_text(const tl_target *tc, size_t row, tl_buf *b)
{
    tl_buf_truncate(b, 0);
    const tl_cell *c = tl_table_cell(tc->t, row, tc->col);
    if (!tc->pandas) {
        if (c->type == TL_CELL_NULL)
            return false;
        tl_buf_append(b, c->text, c->len);
        return true;
    }
    tl_pyval v = tl_pd_cell_value(c, &tc->info);
    if (v.kind == TL_PY_NAN)
        return false;
    /* rtfm's JSON round trip: a non-string value of an object column prints
     * as its str() (True/False) */
    if (tc->info.dtype == TL_PD_OBJECT && v.kind == TL_PY_BOOL) {
        const char *s = v.v.b ? "True" : "False";
        v = tl_pyval_text(s, strlen(s));
    }
    tl_pyval_str(b, &v);
    return true;
}

tabllm_status tl_labels_derive(const tl_target *tc, char ***labels, size_t *n)
{
    *labels = NULL;
    *n = 0;
    const tabllm_table *t = tc->t;
    tl_buf tmp = TL_BUF_INIT;
    tl_strset seen = {0};
    char **out;
    tabllm_status st = tl_calloc_array((void **)&out, t->n_rows + 1, sizeof *out, "labels");
    size_t k = 0;
    for (size_t r = 0; r < t->n_rows && st == TABLLM_OK; r++) {
        if (!tl_target_text(tc, r, &tmp))
            continue;
        if ((st = tl_buf_status(&tmp)) != TABLLM_OK)
            break;
        const char *s = tmp.data ? tmp.data : "";
        bool added;
        if ((st = tl_strset_add(&seen, s, tmp.len, &added)) != TABLLM_OK || !added)
            continue;
        if ((out[k] = tl_strndup(s, tmp.len)) == NULL)
            st = tl_error_oom("a label");
        else
            k++;
    }
    tl_strset_free(&seen);
    tl_buf_free(&tmp);
    if (st != TABLLM_OK) {
        tl_labels_free(out, k);
        return st;
    }
    *labels = out;
    *n = k;
    return TABLLM_OK;
}

void tl_labels_free(char **labels, size_t n)
{
    if (labels == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        tl_free(labels[i]);
    tl_free(labels);
}

int32_t tl_label_index(char *const *labels, size_t n, const char *s, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(labels[i]) == len && memcmp(labels[i], s, len) == 0)
            return (int32_t)i;
    return -1;
}

tabllm_status tl_table_with_column(const tabllm_table *t, const char *name, tabllm_table **out)
{
    *out = NULL;
    size_t nc = t->n_cols + 1;
    tabllm_table *w;
    tabllm_status st = tl_table_new(nc, &w);
    if (st != TABLLM_OK)
        return st;
    const char **texts = NULL;
    size_t *lens = NULL;
    if ((st = tl_alloc_array((void **)&texts, nc, sizeof *texts, "row")) != TABLLM_OK ||
        (st = tl_alloc_array((void **)&lens, nc, sizeof *lens, "row")) != TABLLM_OK)
        goto done;
    for (size_t c = 0; c < t->n_cols && st == TABLLM_OK; c++)
        st = tl_table_set_column_name(w, c, t->header[c].text, t->header[c].len);
    if (st == TABLLM_OK)
        st = tl_table_set_column_name(w, t->n_cols, name, strlen(name));
    w->has_header = t->has_header;
    for (size_t r = 0; r < t->n_rows && st == TABLLM_OK; r++) {
        for (size_t c = 0; c < t->n_cols; c++) {
            const tl_cell *cell = tl_table_cell(t, r, c);
            texts[c] = cell->type == TL_CELL_NULL ? NULL : cell->text;
            lens[c] = cell->len;
        }
        texts[t->n_cols] = NULL;
        lens[t->n_cols] = 0;
        if ((st = tl_table_append_row(w, texts, lens)) != TABLLM_OK)
            break;
        /* keep the types the reader gave (JSON types its cells itself) */
        for (size_t c = 0; c < t->n_cols; c++) {
            tl_cell *dst = &w->cells[r * nc + c];
            const tl_cell *src = tl_table_cell(t, r, c);
            dst->type = src->type;
            dst->value = src->value;
        }
    }
done:
    tl_free(texts);
    tl_free(lens);
    if (st != TABLLM_OK) {
        tl_table_destroy(w);
        return st;
    }
    *out = w;
    return TABLLM_OK;
}
