/* python-tabulate 0.9 (and 0.8.9, which prints the same) for tables of
 * strings in the "pipe" and "grid" formats, with its defaults: numbers
 * parsed from the strings (numparse), floats re-printed with format(x, "g"),
 * numeric columns decimal-aligned, text left-aligned and stripped, header
 * padding 2, widths in code points (no wcwidth), multi-line cells. */
#ifndef TL_TABLE_FORMATS_TABULATE_H
#define TL_TABLE_FORMATS_TABULATE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"

typedef enum tl_tabulate_format {
    TL_TABULATE_PIPE,
    TL_TABULATE_GRID,
} tl_tabulate_format;

typedef struct tl_tabulate_input {
    size_t n_rows, n_cols;
    const char *const *cells; /* n_rows * n_cols, row-major */
    const size_t *lens;
    const char *const *headers; /* n_cols headers, or NULL for none */
    const size_t *header_lens;
    /* Not tabulate: print every cell as written (no "g" re-formatting, no
     * stripping); numeric columns right-aligned. For the standard forms. */
    bool verbatim;
} tl_tabulate_input;

/* Appends tabulate(rows, headers=..., tablefmt=...) (no trailing newline).
 * TABLLM_ERR_UNSUPPORTED where tabulate itself raises (a "True" in a float
 * column) or for cells with terminal escape codes, which tabulate measures
 * specially and libtabllm does not reproduce. */
tabllm_status tl_tabulate(tl_buf *out, const tl_tabulate_input *in, tl_tabulate_format fmt);

#endif
