/* pandas 1.5.3 DataFrame.to_latex() with default arguments, for a frame of
 * str cells (object columns) and a default RangeIndex
 * (pandas/io/formats/latex.py and format.py). The layout that differs from
 * pandas >= 2.0 (which renders through Styler). */
#ifndef TL_TABLE_FORMATS_PDLATEX_H
#define TL_TABLE_FORMATS_PDLATEX_H

#include <stddef.h>

#include "base/buf.h"

/* display.max_colwidth: to_latex cuts longer cells to 47 characters + "...". */
#define TL_PD_MAX_COLWIDTH 50

/* Appends to_latex() of the frame (ending "\end{tabular}\n"). The frame
 * must have at least one row and one column. */
tabllm_status tl_pdlatex(tl_buf *out, const char *const *names, const size_t *name_lens,
                         size_t n_cols, const char *const *cells, const size_t *lens,
                         size_t n_rows);

#endif
