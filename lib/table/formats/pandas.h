/* What pandas.read_csv (pandas 1.5.3, C engine, default arguments) makes of
 * a table's cells and column names.
 *
 * rtfm (TabuLa-8B) and UniPredict read their CSVs with pd.read_csv and print
 * the resulting Python values, so "41" in a column that also holds "NA"
 * prints as "41.0". This module replays the C parser's per-column dtype
 * inference on the cell texts (int64, then uint64 on overflow, float64 with
 * its own strtod, bool, object), its NA strings, and its header rules
 * ("Unnamed: N", duplicate names mangled to "a.1"), and hands out each cell
 * as the Python value pandas would hold. */
#ifndef TL_TABLE_FORMATS_PANDAS_H
#define TL_TABLE_FORMATS_PANDAS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "table/table.h"

/* A Python scalar as a pipeline holds it. */
typedef enum tl_pyval_kind {
    TL_PY_NAN = 0, /* float('nan'): a missing value */
    TL_PY_INT = 1,
    TL_PY_UINT = 2, /* an int above INT64_MAX (uint64 column) */
    TL_PY_FLOAT = 3,
    TL_PY_BOOL = 4,
    TL_PY_STR = 5,
} tl_pyval_kind;

typedef struct tl_pyval {
    tl_pyval_kind kind;
    union {
        int64_t i;
        uint64_t u;
        double f;
        bool b;
    } v;
    const char *s; /* TL_PY_STR: the text (not owned) */
    size_t len;
} tl_pyval;

/* A column's dtype after read_csv. */
typedef enum tl_pd_dtype {
    TL_PD_INT64 = 0,
    TL_PD_UINT64 = 1,
    TL_PD_FLOAT64 = 2,
    TL_PD_BOOL = 3,
    TL_PD_OBJECT = 4,
} tl_pd_dtype;

typedef struct tl_pd_column {
    tl_pd_dtype dtype;
    /* How the values were produced, which decides how each cell converts. */
    enum {
        TL_PD_FROM_INT,        /* int64 */
        TL_PD_FROM_INT_NA,     /* int64 with NA, upcast: float64 of the ints */
        TL_PD_FROM_UINT,       /* uint64 */
        TL_PD_FROM_FLOAT,      /* float64 parsed by pandas' xstrtod */
        TL_PD_FROM_BOOL,       /* bool */
        TL_PD_FROM_BOOL_NA,    /* bool with NA, upcast: object of True/False/nan */
        TL_PD_FROM_TEXT,       /* object: NA strings are nan, the rest text */
        TL_PD_FROM_TEXT_NOFILTER, /* object after a uint64 conflict: all text */
    } source;
} tl_pd_column;

/* Infers column `col` from all of the table's rows, as read_csv would. */
tl_pd_column tl_pd_infer_column(const tabllm_table *t, size_t col);

/* The Python value of one cell of a column inferred as `info`. */
tl_pyval tl_pd_cell_value(const tl_cell *cell, const tl_pd_column *info);

/* The cell as text, for pipelines that read with dtype=str and
 * keep_default_na=False: the text as written. */
tl_pyval tl_pd_cell_text(const tl_cell *cell);

/* True when the text is one of pandas' default NA strings. */
bool tl_pd_is_na_string(const char *s, size_t len);

/* Column names as read_csv gives them: an empty name becomes "Unnamed: i",
 * duplicates get ".1", ".2", ... the way pandas 1.5 mangles them, a leading
 * BOM is dropped. With no header row, the names are "0", "1", ... as pandas
 * numbers them. Fills names[0..n_cols) and lens with strings in `arena`. */
tabllm_status tl_pd_column_names(const tabllm_table *t, tl_arena *arena, const char **names,
                                 size_t *lens);

/* pandas' precise_xstrtod (float_precision=None) on a NUL-free text:
 * true and the value when it converts entirely. Exposed for tests. */
bool tl_pd_parse_double(const char *s, size_t len, double *out);

#endif
