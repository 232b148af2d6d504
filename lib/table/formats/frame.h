/* The part of a table a paper encoder prints, as its authors' pipeline
 * would hold it in Python: column names after pandas' header rules, and each
 * cell either as the Python value pd.read_csv infers (pandas rendering) or as
 * the text written (verbatim rendering). */
#ifndef TL_TABLE_FORMATS_FRAME_H
#define TL_TABLE_FORMATS_FRAME_H

#include <stdbool.h>

#include "base/arena.h"
#include "base/buf.h"
#include "table/encode.h"
#include "table/formats/pandas.h"

typedef struct tl_frame {
    size_t n_rows, n_cols;
    bool pandas;               /* cells rendered as pandas would */
    const char **names;        /* n_cols column names, view order */
    size_t *name_lens;
    size_t *table_cols;        /* the table column behind each */
    tl_pd_column *cols;        /* n_cols inferred dtypes (pandas rendering) */
    tl_pyval *cells;           /* n_rows * n_cols, row-major */
    const tabllm_table *table;
    const char **all_names;    /* names of every table column */
    size_t *all_name_lens;
    tl_arena arena;
} tl_frame;

/* Resolves params->cells against the pipeline's default: true for pandas
 * rendering. INVALID_ARGUMENT for an unknown value. */
tabllm_status tl_cells_pandas(const tabllm_encode_params *params, bool default_pandas,
                              bool *pandas);

/* Builds the frame of `view`, or, when `row` >= 0, of that one table row
 * (what a per-row encoding prints when tabllm_encode_params.row is set: the
 * view's rows are then context, not output). Column dtypes are inferred
 * from every row of the table, as read_csv reads the whole file. */
tabllm_status tl_frame_build(const tl_view *view, bool pandas, int64_t row, tl_frame *out);
void tl_frame_free(tl_frame *f);

static inline const tl_pyval *tl_frame_cell(const tl_frame *f, size_t row, size_t col)
{
    return &f->cells[row * f->n_cols + col];
}

/* The table column named `name` (after the header rules, else as written),
 * searching every column of the table. NOT_FOUND (with a message naming
 * `what`) if none. */
tabllm_status tl_frame_find_column(const tl_frame *f, const char *name, const char *what,
                                   size_t *table_col);

/* Python's str(), repr() and json.dumps() of a value. */
void tl_pyval_str(tl_buf *b, const tl_pyval *v);
void tl_pyval_repr(tl_buf *b, const tl_pyval *v);
void tl_pyval_json(tl_buf *b, const tl_pyval *v);

/* A string value. */
tl_pyval tl_pyval_text(const char *s, size_t len);

/* A set of byte strings (copied into its own arena), for finding the
 * distinct values of a column in linear time. */
typedef struct tl_strset {
    const char **keys;
    size_t *lens;
    size_t cap, n; /* cap: a power of two, or 0 */
    tl_arena arena;
} tl_strset;

/* Adds s; *added tells whether it was new. OUT_OF_MEMORY on failure. */
tabllm_status tl_strset_add(tl_strset *set, const char *s, size_t len, bool *added);
void tl_strset_free(tl_strset *set);

/* Checks that a per-row encoding has rows to print when asked for one. */
bool tl_frame_single_row(const tabllm_encode_params *params);

#endif
