#include "table/formats/frame.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "table/formats/pynum.h"
#include "table/formats/pystr.h"

tabllm_status tl_cells_pandas(const tabllm_encode_params *params, bool default_pandas,
                              bool *pandas)
{
    switch (params->cells) {
    case TABLLM_CELLS_DEFAULT:
        *pandas = default_pandas;
        return TABLLM_OK;
    case TABLLM_CELLS_VERBATIM:
        *pandas = false;
        return TABLLM_OK;
    case TABLLM_CELLS_PANDAS:
        *pandas = true;
        return TABLLM_OK;
    default:
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "unknown cell rendering %u", params->cells);
    }
}

void tl_frame_free(tl_frame *f)
{
    tl_arena_free(&f->arena);
    memset(f, 0, sizeof *f);
}

tabllm_status tl_frame_build(const tl_view *view, bool pandas, int64_t row, tl_frame *f)
{
    memset(f, 0, sizeof *f);
    const tabllm_table *t = view->table;
    if (row >= 0 && (uint64_t)row >= t->n_rows)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "row %lld is out of range: the table has %zu rows",
                        (long long)row, t->n_rows);
    f->table = t;
    f->pandas = pandas;
    f->n_rows = row >= 0 ? 1 : view->n_rows;
    f->n_cols = view->n_cols;
    size_t n_cells;
    if (!tl_size_mul(f->n_rows, f->n_cols, &n_cells) ||
        n_cells > SIZE_MAX / sizeof(tl_pyval))
        return tl_error(TABLLM_ERR_LIMIT_EXCEEDED, "view of %zu x %zu cells is too large",
                        f->n_rows, f->n_cols);
    f->all_names = tl_arena_alloc(&f->arena, (t->n_cols + 1) * sizeof *f->all_names);
    f->all_name_lens = tl_arena_alloc(&f->arena, (t->n_cols + 1) * sizeof *f->all_name_lens);
    f->names = tl_arena_alloc(&f->arena, (f->n_cols + 1) * sizeof *f->names);
    f->name_lens = tl_arena_alloc(&f->arena, (f->n_cols + 1) * sizeof *f->name_lens);
    f->table_cols = tl_arena_alloc(&f->arena, (f->n_cols + 1) * sizeof *f->table_cols);
    f->cols = tl_arena_alloc(&f->arena, (f->n_cols + 1) * sizeof *f->cols);
    f->cells = tl_arena_alloc(&f->arena, (n_cells + 1) * sizeof *f->cells);
    if (!f->all_names || !f->all_name_lens || !f->names || !f->name_lens || !f->table_cols ||
        !f->cols || !f->cells) {
        tl_frame_free(f);
        return TABLLM_ERR_OUT_OF_MEMORY;
    }
    tabllm_status st = tl_pd_column_names(t, &f->arena, f->all_names, f->all_name_lens);
    if (st != TABLLM_OK) {
        tl_frame_free(f);
        return st;
    }
    for (size_t c = 0; c < f->n_cols; c++) {
        size_t tc = view->cols[c];
        if (tc >= t->n_cols) {
            tl_frame_free(f);
            return tl_error(TABLLM_ERR_INTERNAL, "view column %zu out of range", tc);
        }
        f->table_cols[c] = tc;
        f->names[c] = f->all_names[tc];
        f->name_lens[c] = f->all_name_lens[tc];
        if (pandas) {
            f->cols[c] = tl_pd_infer_column(t, tc);
        } else {
            f->cols[c].dtype = TL_PD_OBJECT;
            f->cols[c].source = TL_PD_FROM_TEXT_NOFILTER;
        }
    }
    for (size_t r = 0; r < f->n_rows; r++) {
        size_t tr = row >= 0 ? (size_t)row : view->rows[r];
        if (tr >= t->n_rows) {
            tl_frame_free(f);
            return tl_error(TABLLM_ERR_INTERNAL, "view row %zu out of range", tr);
        }
        for (size_t c = 0; c < f->n_cols; c++) {
            const tl_cell *cell = tl_table_cell(t, tr, f->table_cols[c]);
            f->cells[r * f->n_cols + c] =
                pandas ? tl_pd_cell_value(cell, &f->cols[c]) : tl_pd_cell_text(cell);
        }
    }
    return TABLLM_OK;
}

tabllm_status tl_frame_find_column(const tl_frame *f, const char *name, const char *what,
                                   size_t *table_col)
{
    size_t len = strlen(name);
    for (size_t c = 0; c < f->table->n_cols; c++)
        if (f->all_name_lens[c] == len && memcmp(f->all_names[c], name, len) == 0) {
            *table_col = c;
            return TABLLM_OK;
        }
    /* the name as the file wrote it, before pandas renamed it */
    for (size_t c = 0; c < f->table->n_cols; c++) {
        const tl_cell *h = tl_table_column_name(f->table, c);
        if (h->len == len && memcmp(h->text, name, len) == 0) {
            *table_col = c;
            return TABLLM_OK;
        }
    }
    return tl_error(TABLLM_ERR_NOT_FOUND, "%s column \"%s\" is not in the table", what, name);
}

tl_pyval tl_pyval_text(const char *s, size_t len)
{
    tl_pyval v;
    memset(&v, 0, sizeof v);
    v.kind = TL_PY_STR;
    v.s = s;
    v.len = len;
    return v;
}

static void put_number(tl_buf *b, const tl_pyval *v)
{
    char tmp[TL_PY_FLOAT_BUF];
    switch (v->kind) {
    case TL_PY_INT:
        tl_buf_printf(b, "%lld", (long long)v->v.i);
        break;
    case TL_PY_UINT:
        tl_buf_printf(b, "%llu", (unsigned long long)v->v.u);
        break;
    case TL_PY_FLOAT:
        tl_buf_append(b, tmp, tl_py_float_repr(v->v.f, tmp));
        break;
    case TL_PY_NAN:
        tl_buf_append(b, "nan", 3);
        break;
    case TL_PY_BOOL:
        tl_buf_puts(b, v->v.b ? "True" : "False");
        break;
    case TL_PY_STR:
        break;
    }
}

void tl_pyval_str(tl_buf *b, const tl_pyval *v)
{
    if (v->kind == TL_PY_STR)
        tl_buf_append(b, v->s, v->len);
    else
        put_number(b, v);
}

void tl_pyval_repr(tl_buf *b, const tl_pyval *v)
{
    if (v->kind == TL_PY_STR)
        tl_py_repr_str(b, v->s, v->len);
    else
        put_number(b, v);
}

void tl_pyval_json(tl_buf *b, const tl_pyval *v)
{
    switch (v->kind) {
    case TL_PY_STR:
        tl_py_json_str(b, v->s, v->len);
        break;
    case TL_PY_NAN:
        tl_buf_append(b, "NaN", 3);
        break;
    case TL_PY_BOOL:
        tl_buf_puts(b, v->v.b ? "true" : "false");
        break;
    case TL_PY_FLOAT:
        if (isnan(v->v.f))
            tl_buf_append(b, "NaN", 3);
        else if (isinf(v->v.f))
            tl_buf_puts(b, v->v.f < 0 ? "-Infinity" : "Infinity");
        else
            put_number(b, v);
        break;
    default:
        put_number(b, v);
        break;
    }
}

bool tl_frame_single_row(const tabllm_encode_params *params)
{
    return params->row >= 0;
}

static uint64_t hash_bytes(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

static size_t strset_find(const tl_strset *set, const char *s, size_t len)
{
    size_t mask = set->cap - 1;
    for (size_t i = hash_bytes(s, len) & mask;; i = (i + 1) & mask)
        if (set->keys[i] == NULL ||
            (set->lens[i] == len && memcmp(set->keys[i], s, len) == 0))
            return i;
}

tabllm_status tl_strset_add(tl_strset *set, const char *s, size_t len, bool *added)
{
    *added = false;
    if ((set->n + 1) * 2 > set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 64;
        const char **keys;
        size_t *lens;
        if (cap > SIZE_MAX / 2 / sizeof *keys ||
            tl_calloc_array((void **)&keys, cap, sizeof *keys, "value set") != TABLLM_OK)
            return tl_error_oom("value set");
        if (tl_calloc_array((void **)&lens, cap, sizeof *lens, "value set") != TABLLM_OK) {
            tl_free(keys);
            return TABLLM_ERR_OUT_OF_MEMORY;
        }
        tl_strset grown = {keys, lens, cap, 0, set->arena};
        for (size_t i = 0; i < set->cap; i++)
            if (set->keys[i] != NULL) {
                size_t slot = strset_find(&grown, set->keys[i], set->lens[i]);
                keys[slot] = set->keys[i];
                lens[slot] = set->lens[i];
            }
        tl_free(set->keys);
        tl_free(set->lens);
        set->keys = keys;
        set->lens = lens;
        set->cap = cap;
    }
    size_t slot = strset_find(set, s, len);
    if (set->keys[slot] != NULL)
        return TABLLM_OK;
    char *copy = tl_arena_strndup(&set->arena, s, len);
    if (copy == NULL)
        return TABLLM_ERR_OUT_OF_MEMORY;
    set->keys[slot] = copy;
    set->lens[slot] = len;
    set->n++;
    *added = true;
    return TABLLM_OK;
}

void tl_strset_free(tl_strset *set)
{
    tl_free(set->keys);
    tl_free(set->lens);
    tl_arena_free(&set->arena);
    memset(set, 0, sizeof *set);
}
